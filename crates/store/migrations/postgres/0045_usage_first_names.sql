-- The first day each account used each event name (see the SQLite migration of the same
-- number).
CREATE TABLE usage_first_names (
    account_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    first_day TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
);
INSERT INTO usage_first_names (account_id, name, first_day)
SELECT account_id, name, MIN(day) FROM usage_names GROUP BY account_id, name;
