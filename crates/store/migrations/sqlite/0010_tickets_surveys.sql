-- The customer's voice: help-desk tickets and survey answers, per account.
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    external_id TEXT UNIQUE,
    subject TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    resolved_at TEXT,
    escalated BIGINT NOT NULL DEFAULT 0,
    csat BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX tickets_account ON tickets(account_id, opened_at);

CREATE TABLE surveys (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contact_id BIGINT REFERENCES contacts(id) ON DELETE SET NULL,
    external_id TEXT UNIQUE,
    kind TEXT NOT NULL,
    score BIGINT,
    intent TEXT,
    comment TEXT,
    answered_on TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX surveys_account ON surveys(account_id, answered_on);
