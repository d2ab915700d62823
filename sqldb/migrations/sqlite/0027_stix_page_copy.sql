-- PostgreSQL only: TAXII pages there read a copy of each object kept on its
-- membership rows (see migrations/postgres/0027). SQLite reads pages through
-- the join, which costs it less than a copy of every body would.
SELECT 1;
