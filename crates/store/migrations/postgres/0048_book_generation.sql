-- A counter that moves whenever an account is added, changed or removed, however it is
-- written: what lets a server keep a list's totals (how many accounts match, their ARR) in
-- memory and know, with one cheap read, when another write (or another server) has made them
-- stale. Health lives in its own table and does not move it. Once a statement, not a row.
CREATE TABLE book_generation (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO book_generation (id, n) VALUES (1, 0);
CREATE FUNCTION bump_book_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE book_generation SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_generation AFTER INSERT OR UPDATE OR DELETE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION bump_book_generation();
