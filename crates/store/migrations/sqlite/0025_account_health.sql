-- Each account's health as last computed: the catalogue metrics it has data for (JSON
-- {metric: value}; a missing one is absent), and the score, colour and scorecard they gave.
-- Kept current by the health refresher within a second of any change that feeds them, so
-- that a scorecard change re-scores every account from here without reading the book again.
-- A narrow table of its own: re-scoring the book rewrites every row, and a row of `accounts`
-- carries some twenty indexes on PostgreSQL.
CREATE TABLE account_health (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    computed_at TEXT NOT NULL,
    metrics TEXT NOT NULL,
    score REAL,
    colour TEXT,
    scorecard TEXT
);

-- The score and colour of 0024 move to account_health.
ALTER TABLE accounts DROP COLUMN health_score;
ALTER TABLE accounts DROP COLUMN health_colour;

-- Snapshots keep the metric values (the factors' points follow from the scorecard), and a
-- colour change names the colour it came from: it is the event later rules react to. The
-- table of 0024 was never written by a job, so it is replaced, not migrated.
DROP TABLE health_snapshots;
CREATE TABLE health_snapshots (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    taken_on TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    score REAL,
    colour TEXT,
    from_colour TEXT,
    scorecard TEXT NOT NULL,
    metrics TEXT NOT NULL,
    -- daily or colour_change
    reason TEXT NOT NULL
);
CREATE INDEX health_snapshots_account ON health_snapshots(account_id, id);
CREATE INDEX health_snapshots_day ON health_snapshots(taken_on, reason);

-- The CSM's pulse (seed 003): a manual green, yellow or red with a note, counted by the health
-- score until it expires. Kept as a history; the latest unexpired one counts.
CREATE TABLE csm_pulses (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    colour TEXT NOT NULL,
    note TEXT NOT NULL,
    set_by INTEGER REFERENCES users(id),
    set_at TEXT NOT NULL,
    expires_on TEXT NOT NULL
);
CREATE INDEX csm_pulses_account ON csm_pulses(account_id, id);
