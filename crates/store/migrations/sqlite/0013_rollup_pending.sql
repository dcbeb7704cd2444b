-- The id ranges of stored events whose rollups are still in the intake's memory. The SQLite
-- intake adds up the rollups of many transactions and writes them together; each transaction
-- records its range here, with its events, and the write of the rollups deletes it. A range
-- still here when an intake connection opens (the process died first) is rolled up again from
-- the stored events, so a rollup never misses or doubles an event.
CREATE TABLE rollup_pending (
    first_id INTEGER PRIMARY KEY,
    last_id INTEGER NOT NULL
);
