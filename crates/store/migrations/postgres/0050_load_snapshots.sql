-- The team's load as each day starts: open tasks, those overdue, the overdue personal touches
-- and how many people hold them. A task's due day moves when it is snoozed, so how many were
-- overdue on a past day cannot be read back from the tasks: it is recorded as it happens.
CREATE TABLE load_snapshots (
    day TEXT PRIMARY KEY,
    taken_at TEXT NOT NULL,
    open BIGINT NOT NULL,
    overdue BIGINT NOT NULL,
    overdue_touches BIGINT NOT NULL,
    owners BIGINT NOT NULL
);
