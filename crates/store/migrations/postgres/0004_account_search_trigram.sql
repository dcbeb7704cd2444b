-- Trigram index for text search over accounts (LIKE '%text%'). pg_trgm ships with PostgreSQL
-- and is a trusted extension: the database owner may create it. It lives in public so that
-- every schema's search path finds its operator class.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX accounts_search_trgm ON accounts USING gin (search_key public.gin_trgm_ops);
