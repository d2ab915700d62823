-- SQLite changed how its reports' full-text index is kept (see the SQLite
-- migration of the same number); PostgreSQL's pg_trgm index needs nothing.
SELECT 1;
