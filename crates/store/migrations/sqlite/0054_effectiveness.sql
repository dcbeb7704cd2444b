-- Who used each event name, and when last: per account, name and user. A feature's users in
-- the last 30 days are counted from it (effectiveness behaviours, the adoption matrix). One
-- row a user and name, not a history: the daily rollups keep the history of counts.
CREATE TABLE usage_name_users (
    account_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    user_key TEXT NOT NULL,
    last_day TEXT NOT NULL,
    PRIMARY KEY (account_id, name, user_key)
) WITHOUT ROWID;

-- A book that already had usage when this began counts a feature's users only once 30 days
-- of them are known: before that, fewer users than there were would be shown.
CREATE TABLE usage_name_users_since (day TEXT NOT NULL);
INSERT INTO usage_name_users_since (day)
SELECT date('now') WHERE EXISTS (SELECT 1 FROM usage_days);

-- Each feature's users in 30 days and the seats, as last worked out with the metrics (JSON;
-- NULL when the account's usage is not known).
ALTER TABLE health_metrics ADD COLUMN feature_use TEXT;

-- Effectiveness models as configuration, every version kept.
CREATE TABLE effectiveness_config_versions (
    id INTEGER PRIMARY KEY,
    config TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by BIGINT REFERENCES users(id),
    summary TEXT NOT NULL DEFAULT '',
    builtin BIGINT NOT NULL DEFAULT 0
);

-- Each account's phase as last assessed, by the model its rule gives it.
CREATE TABLE account_effectiveness (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    phase BIGINT NOT NULL,
    assessed TEXT NOT NULL,
    assessed_at TEXT NOT NULL
);
CREATE INDEX account_effectiveness_phase ON account_effectiveness(model, phase);

-- The phase history: the baseline (the first assessment by a model: day 1, or the day the
-- model first applied) with every behaviour's value, then each change of phase.
CREATE TABLE effectiveness_history (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    phase BIGINT NOT NULL,
    taken_on TEXT NOT NULL,
    -- baseline or change
    reason TEXT NOT NULL,
    assessed TEXT NOT NULL
);
CREATE INDEX effectiveness_history_account ON effectiveness_history(account_id, model, id);
