-- The metrics move out of account_health into a table of their own. A re-score rewrites every
-- account's score and colour; with the metrics (some 700 bytes of JSON) in the same row, each
-- update rewrote them too, most of a full re-score's time. account_health keeps the score,
-- the colour and the scorecard: a narrow row.
CREATE TABLE health_metrics (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    computed_at TEXT NOT NULL,
    metrics TEXT NOT NULL
);
INSERT INTO health_metrics (account_id, computed_at, metrics)
    SELECT account_id, computed_at, metrics FROM account_health;
ALTER TABLE account_health DROP COLUMN metrics;
ALTER TABLE account_health DROP COLUMN computed_at;
