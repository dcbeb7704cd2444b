-- The health back-test as last computed, one per horizon: a job computes it (it reads every
-- term's history and fits regressions), pages and the API read it. `config_version` is the
-- health configuration version it judged (0: the built-in defaults), so a result computed
-- before the scorecard changed is never shown as the current one.
CREATE TABLE health_backtests (
    horizon_days INTEGER PRIMARY KEY,
    config_version INTEGER NOT NULL,
    computed_at TEXT NOT NULL,
    body TEXT NOT NULL
);
