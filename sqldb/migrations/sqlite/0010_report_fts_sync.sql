-- The reports' full-text index is written by the store just before a
-- transaction commits instead of by triggers (see indexReport): FTS5 flushes
-- its pending entries at every statement savepoint of a transaction that has
-- written to it, which made every statement after a report's creation pay
-- for an index flush. A contentless table with deletes keeps only the index;
-- searches match rowids and read the text from reports.
DROP TRIGGER reports_fts_insert;
DROP TRIGGER reports_fts_delete;
DROP TRIGGER reports_fts_update;
DROP TABLE reports_fts;
CREATE VIRTUAL TABLE reports_fts USING fts5 (
    title, body, response,
    content = '', contentless_delete = 1, tokenize = 'trigram'
);
INSERT INTO reports_fts (rowid, title, body, response) SELECT id, title, body, response FROM reports;
