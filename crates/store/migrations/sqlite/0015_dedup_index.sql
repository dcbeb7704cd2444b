-- Message ids get their own index, written every few seconds by the intake instead of with each
-- event (clients send random UUIDs: a unique index on the events table was rewritten to the log
-- many times a second once it outgrew memory). The events table is rebuilt without its unique
-- constraint, keeping every id and the AUTOINCREMENT counter (ids are never reused).
CREATE TABLE events_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    account_id BIGINT,
    group_id TEXT,
    user_key TEXT NOT NULL,
    name TEXT,
    occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
);
INSERT INTO events_new (id, message_id, kind, account_id, group_id, user_key, name, occurred_at, received_at, body)
SELECT id, message_id, kind, account_id, group_id, user_key, name, occurred_at, received_at, body FROM events;
INSERT INTO sqlite_sequence (name, seq)
SELECT 'events_new', seq FROM sqlite_sequence WHERE name = 'events'
AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events_new');
UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'events'))
WHERE name = 'events_new' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events');
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_account ON events(account_id, id);
CREATE INDEX events_unmapped ON events(group_id) WHERE account_id IS NULL;

CREATE TABLE message_ids (
    message_id TEXT PRIMARY KEY
) WITHOUT ROWID;
INSERT INTO message_ids (message_id) SELECT message_id FROM events;

-- The pending ranges now say what is pending: rollups, ids, or both (see intake/sqlite/held.rs).
ALTER TABLE rollup_pending RENAME TO intake_pending;
ALTER TABLE intake_pending ADD COLUMN rollups INTEGER NOT NULL DEFAULT 1;
ALTER TABLE intake_pending ADD COLUMN ids INTEGER NOT NULL DEFAULT 0;
