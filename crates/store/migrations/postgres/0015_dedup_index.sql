-- As on SQLite, the pending ranges say what is pending. PostgreSQL keeps its unique index on
-- events.message_id (several servers may write at once) and leaves this table empty.
ALTER TABLE rollup_pending RENAME TO intake_pending;
ALTER TABLE intake_pending ADD COLUMN rollups INTEGER NOT NULL DEFAULT 1;
ALTER TABLE intake_pending ADD COLUMN ids INTEGER NOT NULL DEFAULT 0;
