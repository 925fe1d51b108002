-- PostgreSQL's migration 12 tunes autovacuum for the queue's tables. SQLite has no such
-- settings (a deleted or changed row's index entries go at once); this keeps the two schema
-- versions equal.
SELECT 1;
