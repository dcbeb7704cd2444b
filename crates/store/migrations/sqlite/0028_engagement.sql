-- The engagement engine (seeds 000 and 002). Its configuration, like health's: every saved
-- version of the models and their assignment rules (JSON), the latest in force; none saved
-- yet means the built-in plans per tier.
CREATE TABLE engagement_config_versions (
    id INTEGER PRIMARY KEY,
    config TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by INTEGER REFERENCES users(id),
    summary TEXT NOT NULL
);

-- Each occurrence of a moment that fired for an account ("qbr" for the period that began
-- 2026-10-01, "late_kickoff" of the onboarding that began 2026-01-15). The unique index makes
-- it once, whichever server swept first; the task it opened, if one was not already open.
CREATE TABLE engagement_firings (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    moment TEXT NOT NULL,
    occurrence TEXT NOT NULL,
    fired_on TEXT NOT NULL,
    fired_at TEXT NOT NULL,
    rule TEXT NOT NULL,
    why TEXT NOT NULL,
    task_id INTEGER REFERENCES tasks(id)
);
CREATE UNIQUE INDEX engagement_firings_once ON engagement_firings(account_id, moment, occurrence);

-- Onboarding milestones completed: by a person, or by the signal the model names (the first
-- login, a kickoff logged), recorded the first time a sweep saw it so that it stands.
CREATE TABLE engagement_milestones (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    milestone TEXT NOT NULL,
    completed_on TEXT NOT NULL,
    how TEXT NOT NULL,
    completed_by INTEGER REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (account_id, milestone)
);

-- Product releases an admin records: an event-based moment for the accounts whose model
-- reacts to one.
CREATE TABLE product_releases (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    released_on TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id)
);
CREATE INDEX product_releases_day ON product_releases(released_on);

-- Tasks are never deleted: done or cancelled ones are archived a while after they closed, and
-- lists leave archived ones out unless asked for them.
ALTER TABLE tasks ADD COLUMN archived_at TEXT;
