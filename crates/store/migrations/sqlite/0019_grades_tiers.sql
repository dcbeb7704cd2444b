-- Grades and tiers (seeds 000 and 001). The account carries its current grade and tier for
-- filters and sorts; every grading and every change of tier is kept, with who, when and why.
ALTER TABLE accounts ADD COLUMN grade TEXT;
-- The potential value a person entered, in minor units of the book's currency.
ALTER TABLE accounts ADD COLUMN potential_minor INTEGER;
ALTER TABLE accounts ADD COLUMN tier INTEGER;
ALTER TABLE accounts ADD COLUMN tier_decision_needed INTEGER NOT NULL DEFAULT 0;
-- A person's choice of tier in force: decision (of a cell between two tiers) or override.
ALTER TABLE accounts ADD COLUMN tier_choice TEXT;
ALTER TABLE accounts ADD COLUMN tier_reason TEXT;
CREATE INDEX accounts_grade ON accounts(grade, id);
CREATE INDEX accounts_tier ON accounts(tier, id);

CREATE TABLE account_gradings (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    grade TEXT NOT NULL,
    potential_minor INTEGER NOT NULL,
    -- The ARR when graded: the floor of the potential.
    arr_minor INTEGER NOT NULL,
    growth INTEGER NOT NULL,
    moment TEXT NOT NULL,
    reason TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    via TEXT NOT NULL,
    graded_at TEXT NOT NULL
);
CREATE INDEX account_gradings_account ON account_gradings(account_id, id);

CREATE TABLE account_tier_changes (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    tier INTEGER,
    decision_needed INTEGER NOT NULL,
    choice TEXT,
    reason TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    via TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX account_tier_changes_account ON account_tier_changes(account_id, id);

-- Prioritisation rules an admin sets (grade bounds, the tier grid), as JSON by key; absent
-- keys are the seeds' defaults.
CREATE TABLE prioritisation_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
