-- Which process's intake wrote events last. Each intake keeps a filter of the message ids it
-- knows are stored, and trusts it only while no other process has written events since (see
-- intake/sqlite/held.rs).
CREATE TABLE intake_writer (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    token TEXT NOT NULL
);
