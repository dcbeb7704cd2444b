-- PostgreSQL searches accounts through the pg_trgm index of 0004; this number keeps both
-- engines' migrations in step with SQLite's search index.
SELECT 1;
