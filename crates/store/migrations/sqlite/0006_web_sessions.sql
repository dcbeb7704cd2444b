-- Web sign-in. A session is known by the SHA-256 of its cookie value, so a copy of the
-- database cannot be used to sign in; the CSRF token is per session.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);
CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);

-- A person's named filter set on the portfolio, kept as the page's query string.
CREATE TABLE saved_views (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, name)
);

-- (AUTOINCREMENT: a deleted id is never given again, so a stale form cannot reach a new row.)
-- An uploaded file waiting for its uploader to confirm the import after the preview.
CREATE TABLE import_uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at TEXT NOT NULL
);

-- The account an audit entry concerns (the account itself, or its contact, term, activity or
-- task), so the audit log filters by account.
ALTER TABLE audit_log ADD COLUMN account_id BIGINT;
UPDATE audit_log SET account_id = CAST(entity_id AS BIGINT) WHERE entity = 'account';
CREATE INDEX audit_account ON audit_log(account_id, id);
