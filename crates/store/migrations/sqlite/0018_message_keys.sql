-- The dedup index keyed by a 64-bit hash of each message id, with the event that carries it:
-- a row is a few bytes where a text id was forty, and clients' random ids spread new rows over
-- every page, so each write of the index touched all of it. An id whose hash is already taken by
-- another message (or stored before this migration) stays in `message_ids` (see
-- intake/sqlite/held.rs).
CREATE TABLE message_keys (
    key INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL
);
