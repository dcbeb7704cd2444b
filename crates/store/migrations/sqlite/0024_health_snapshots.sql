-- Health history (seed 003): a snapshot per account per day and at every colour change, with
-- each factor as scored then, so that "what changed" can be told. The account carries its
-- latest score and colour for lists.
CREATE TABLE health_snapshots (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    taken_on TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    score REAL,
    colour TEXT,
    scorecard TEXT NOT NULL,
    -- Each factor's metric, value, points, weight and contribution, as JSON.
    factors TEXT NOT NULL,
    -- daily or colour_change
    reason TEXT NOT NULL
);
CREATE INDEX health_snapshots_account ON health_snapshots(account_id, id);
ALTER TABLE accounts ADD COLUMN health_score REAL;
ALTER TABLE accounts ADD COLUMN health_colour TEXT;
