-- A counter that moves whenever an account is added, changed or removed, however it is
-- written: what lets a server keep a list's totals (how many accounts match, their ARR) in
-- memory and know, with one cheap read, when another write (or another server) has made them
-- stale. Health lives in its own table and does not move it.
CREATE TABLE book_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n INTEGER NOT NULL
);
INSERT INTO book_generation (id, n) VALUES (1, 0);
CREATE TRIGGER accounts_generation_insert AFTER INSERT ON accounts
BEGIN UPDATE book_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_generation_update AFTER UPDATE ON accounts
BEGIN UPDATE book_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_generation_delete AFTER DELETE ON accounts
BEGIN UPDATE book_generation SET n = n + 1 WHERE id = 1; END;
