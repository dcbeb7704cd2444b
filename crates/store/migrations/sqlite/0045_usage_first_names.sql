-- The first day each account used each event name: when an account first reached a
-- high-value feature (time to first value). Read from usage_names, it walked a year of an
-- account's daily names for one date (10 ms for 500 accounts, read for every account at
-- every health refresh, snapshot and back-test).
CREATE TABLE usage_first_names (
    account_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    first_day TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
) WITHOUT ROWID;
INSERT INTO usage_first_names (account_id, name, first_day)
SELECT account_id, name, MIN(day) FROM usage_names GROUP BY account_id, name;
