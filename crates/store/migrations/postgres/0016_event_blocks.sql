-- Raw events of known accounts are kept many to a row, as on SQLite (see its 0016). Their ids come
-- from the `events` identity, so both kinds share one order.
CREATE TABLE event_blocks (
    first_id BIGINT PRIMARY KEY,
    last_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    events INTEGER NOT NULL,
    data BYTEA NOT NULL
);
CREATE INDEX event_blocks_account ON event_blocks(account_id, last_id);
CREATE INDEX event_blocks_last ON event_blocks(last_id);

-- Message ids are deduplicated on their own table, since most events are no longer rows; its
-- unique index settles two servers storing the same message at once.
CREATE TABLE message_ids (
    message_id TEXT PRIMARY KEY
);
INSERT INTO message_ids (message_id) SELECT message_id FROM events ON CONFLICT DO NOTHING;
