-- Raw events of known accounts are kept many to a row: one block per account per intake
-- transaction, compressed (see sherpa_core::intake::block). A row per event cost the intake most
-- of its time. Events waiting for their account, and those stored before this migration, stay
-- one per row in `events`; both share one sequence of ids (the `events` AUTOINCREMENT counter),
-- taken a transaction at a time, so blocks never overlap: ordered by last id, they are in order.
CREATE TABLE event_blocks (
    first_id INTEGER PRIMARY KEY,
    last_id INTEGER NOT NULL,
    account_id BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    events INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX event_blocks_account ON event_blocks(account_id, last_id);
CREATE INDEX event_blocks_last ON event_blocks(last_id);
