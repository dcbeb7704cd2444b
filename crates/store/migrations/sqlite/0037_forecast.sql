-- The renewal forecast. Each back-tested term's colour at each band of months before it ended
-- (what the probability table is learned from), replaced whenever the job computes them, with
-- the forecast accuracy computed from them. Plans and re-plans, each a dated snapshot never
-- changed after it is made, with the renewals a renewal plan expected; the actual of each
-- closed period, recorded once; and why each period differed from the plan, every note kept.
CREATE TABLE renewal_cases (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    term_end TEXT NOT NULL,
    band TEXT NOT NULL,
    colour TEXT,
    renewed INTEGER NOT NULL
);
CREATE INDEX renewal_cases_band ON renewal_cases(band, colour);

CREATE TABLE renewal_calibrations (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    config_version INTEGER NOT NULL,
    computed_at TEXT NOT NULL,
    accuracy TEXT NOT NULL
);

CREATE TABLE forecast_plans (
    id INTEGER PRIMARY KEY,
    series TEXT NOT NULL,
    grain TEXT NOT NULL,
    kind TEXT NOT NULL,
    plan_id INTEGER REFERENCES forecast_plans(id),
    made_at TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX forecast_plans_series ON forecast_plans(series, grain, id);

CREATE TABLE forecast_plan_values (
    plan_id INTEGER NOT NULL REFERENCES forecast_plans(id),
    period_start TEXT NOT NULL,
    measure TEXT NOT NULL,
    amount TEXT NOT NULL,
    PRIMARY KEY (plan_id, period_start, measure)
);

CREATE TABLE forecast_plan_renewals (
    plan_id INTEGER NOT NULL REFERENCES forecast_plans(id),
    contract_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    period_start TEXT NOT NULL,
    colour TEXT,
    band TEXT NOT NULL,
    probability TEXT,
    arr TEXT NOT NULL
);
CREATE INDEX forecast_plan_renewals_plan ON forecast_plan_renewals(plan_id);

CREATE TABLE forecast_actuals (
    series TEXT NOT NULL,
    grain TEXT NOT NULL,
    period_start TEXT NOT NULL,
    measure TEXT NOT NULL,
    amount TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (series, grain, period_start, measure)
);

CREATE TABLE forecast_variances (
    id INTEGER PRIMARY KEY,
    series TEXT NOT NULL,
    grain TEXT NOT NULL,
    period_start TEXT NOT NULL,
    why TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    written_at TEXT NOT NULL
);
CREATE INDEX forecast_variances_period ON forecast_variances(series, grain, period_start, id);
