-- The book's counter is one row: a transaction that moves it holds that row until it commits,
-- and every other writer of accounts waits for it. A transaction that writes many accounts
-- beside other rows (a demo chunk, an import) sets `sherpa.generation_at_commit` and moves
-- the counter itself as its last statement, so that it holds the row for a moment, not for
-- its whole length: two demo loaders no longer take turns.
CREATE OR REPLACE FUNCTION bump_book_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('sherpa.generation_at_commit', true) = 'on' THEN
        RETURN NULL;
    END IF;
    UPDATE book_generation SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
