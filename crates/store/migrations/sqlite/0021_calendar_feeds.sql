-- Each person's private calendar feed (ICS): a secret URL, kept only as its SHA-256, revocable.
-- At most one live feed per person; a new one retires the old.
CREATE TABLE calendar_feeds (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX calendar_feeds_user ON calendar_feeds(user_id, id);
-- Open tasks by rule, for the cadence sweep and the overdue-touch lists.
CREATE INDEX tasks_rule_open ON tasks(dedup_key, status, owner_id);
