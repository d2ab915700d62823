-- The reports' full-text index is written by the store in batches instead
-- of by triggers inside each change's transaction (see indexReport and
-- textindex.go): FTS5 flushes its pending entries at every statement
-- savepoint and at the commit of a transaction that has written to it, all
-- while SQLite's only write lock is held. A change marks the report in
-- reports_fts_pending; searches match marked reports on their text until the
-- indexer has rewritten their entries. The index is contentless with
-- deletes: it keeps only the index, and searches read the text from reports.
DROP TRIGGER reports_fts_insert;
DROP TRIGGER reports_fts_delete;
DROP TRIGGER reports_fts_update;
DROP TABLE reports_fts;
CREATE VIRTUAL TABLE reports_fts USING fts5 (
    title, body, response,
    content = '', contentless_delete = 1, tokenize = 'trigram'
);
CREATE TABLE reports_fts_pending (report_id INTEGER PRIMARY KEY);
INSERT INTO reports_fts (rowid, title, body, response) SELECT id, title, body, response FROM reports;
