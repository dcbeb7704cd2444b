-- Success plans (account plans). One live plan per account, its content (success in the
-- customer's words, value drivers, objectives, steps, blockers) as JSON, with the dates its
-- rhythm runs on; every version ever saved is kept beside it, with what changed in words.
CREATE TABLE success_plans (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    template TEXT,
    started_on TEXT NOT NULL,
    refreshed_on TEXT NOT NULL,
    updated_on TEXT NOT NULL
);

CREATE TABLE success_plan_versions (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    -- start, update or refresh
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    template TEXT,
    changes TEXT NOT NULL,
    made_on TEXT NOT NULL,
    made_at TEXT NOT NULL,
    made_by INTEGER REFERENCES users(id)
);
CREATE UNIQUE INDEX success_plan_versions_once ON success_plan_versions(account_id, version);

-- Each objective's values over time, kept by the objective's key so that they follow it from
-- version to version. source: entry, import, metric or event. value: a decimal as text.
CREATE TABLE objective_values (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    objective TEXT NOT NULL,
    value TEXT NOT NULL,
    measured_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users(id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX objective_values_account ON objective_values(account_id, objective, measured_on);

-- Each change of an objective's status, as the engagement sweep first saw it: the event the
-- models' "objective slipping" moment reacts to, and the history of when targets were reached.
CREATE TABLE objective_turns (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    objective TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    from_status TEXT,
    turned_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- The objective's owner as the plan names it (user:ID, contact:ID or a function).
    owner TEXT,
    first_value INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX objective_turns_account ON objective_turns(account_id, objective, id);

-- The task each step opened: finishing either finishes both.
CREATE TABLE plan_step_tasks (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    PRIMARY KEY (account_id, step)
);
CREATE UNIQUE INDEX plan_step_tasks_task ON plan_step_tasks(task_id);

-- Read-only links to a plan for the customer: the secret kept only as its hash.
CREATE TABLE plan_shares (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    expires_on TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX plan_shares_account ON plan_shares(account_id);

-- The plans configuration (dimensions, the label library, templates) in force, as JSON:
-- none saved means the built-in one.
CREATE TABLE plans_config_versions (
    id INTEGER PRIMARY KEY,
    config TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by INTEGER REFERENCES users(id)
);
