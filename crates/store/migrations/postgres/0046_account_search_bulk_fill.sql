-- PostgreSQL's pg_trgm index keeps itself as rows are written; this number keeps both engines'
-- migrations in step with SQLite's bulk fill of its search index.
SELECT 1;
