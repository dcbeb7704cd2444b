-- Messages per minute, kept by the intake in the same transaction as the messages, for the
-- admin's intake page (a week is kept).
CREATE TABLE intake_minutes (
    minute TEXT PRIMARY KEY,
    accepted BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0
);
