-- Health as configuration: every saved version of the scorecards, their assignment rules and
-- the at-risk playbook (JSON), the latest in force. Older versions stay, so the factors any
-- scorecard had on any day can be read back; none saved yet means the built-in defaults.
CREATE TABLE health_config_versions (
    id INTEGER PRIMARY KEY,
    config TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by INTEGER REFERENCES users(id),
    -- What changed from the version before ("scorecard Default, rules").
    summary TEXT NOT NULL
);

-- At-risk playbooks (seed 003): opened when an account turns to a configured colour, with
-- tasks for its owners; one open per account; closing one records the outcome.
CREATE TABLE health_playbooks (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    opened_at TEXT NOT NULL,
    colour TEXT NOT NULL,
    from_colour TEXT,
    score REAL,
    closed_at TEXT,
    closed_by INTEGER REFERENCES users(id),
    outcome TEXT,
    note TEXT
);
CREATE INDEX health_playbooks_account ON health_playbooks(account_id, id);
CREATE UNIQUE INDEX health_playbooks_one_open ON health_playbooks(account_id) WHERE closed_at IS NULL;

ALTER TABLE tasks ADD COLUMN playbook_id INTEGER REFERENCES health_playbooks(id);
CREATE INDEX tasks_playbook ON tasks(playbook_id) WHERE playbook_id IS NOT NULL;
