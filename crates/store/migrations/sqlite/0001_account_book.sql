-- The account book. Times are fixed-width RFC 3339 text (UTC), dates YYYY-MM-DD text, money
-- integer minor units beside an ISO currency, flags 0/1: the same values on both engines.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    function TEXT NOT NULL,
    role TEXT NOT NULL,
    manager_id INTEGER REFERENCES users(id),
    active INTEGER NOT NULL DEFAULT 1,
    password_hash TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX users_name_key ON users(name_key);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);

CREATE TABLE custom_fields (
    key TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    domain TEXT UNIQUE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    industry TEXT,
    country TEXT,
    employees INTEGER,
    parent_id INTEGER REFERENCES accounts(id),
    lifecycle TEXT,
    customer_since TEXT,
    csm_id INTEGER REFERENCES users(id),
    ae_id INTEGER REFERENCES users(id),
    cd_id INTEGER REFERENCES users(id),
    sponsor_id INTEGER REFERENCES users(id),
    custom TEXT NOT NULL DEFAULT '{}',
    arr_minor INTEGER NOT NULL DEFAULT 0,
    renewal_date TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX accounts_name_key ON accounts(name_key, id);
CREATE INDEX accounts_arr ON accounts(arr_minor, id);
CREATE INDEX accounts_renewal ON accounts(renewal_date, id);
CREATE INDEX accounts_csm ON accounts(csm_id);
CREATE INDEX accounts_ae ON accounts(ae_id);
CREATE INDEX accounts_cd ON accounts(cd_id);
CREATE INDEX accounts_sponsor ON accounts(sponsor_id);
CREATE INDEX accounts_parent ON accounts(parent_id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    external_id TEXT UNIQUE,
    name TEXT NOT NULL,
    email TEXT,
    title TEXT,
    roles TEXT NOT NULL DEFAULT '',
    departed_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX contacts_account ON contacts(account_id, id);
CREATE INDEX contacts_email ON contacts(email);

CREATE TABLE contracts (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    external_id TEXT UNIQUE,
    products TEXT NOT NULL DEFAULT '',
    arr_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    seats INTEGER,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    churn_reason TEXT,
    terms TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX contracts_account ON contracts(account_id, start_date);
CREATE INDEX contracts_end ON contracts(end_date);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    external_id TEXT UNIQUE,
    kind TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    summary TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX activities_account ON activities(account_id, occurred_at);

CREATE TABLE activity_attendees (
    activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    PRIMARY KEY (activity_id, contact_id)
);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    owner_id INTEGER REFERENCES users(id),
    due_on TEXT,
    priority TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    dedup_key TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX tasks_owner ON tasks(owner_id, status, due_on);
CREATE INDEX tasks_account ON tasks(account_id, status);
-- One rule never opens two open tasks for one account.
CREATE UNIQUE INDEX tasks_open_dedup ON tasks(account_id, dedup_key) WHERE status = 'open' AND dedup_key IS NOT NULL;

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    run_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    locked_by TEXT,
    locked_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX jobs_ready ON jobs(status, run_at, id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    via TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id, id);
CREATE INDEX audit_user ON audit_log(user_id, id);
CREATE INDEX audit_at ON audit_log(at);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
