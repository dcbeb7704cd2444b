-- Revenue settings as code (which MEDDICC elements are used, the competitors tracked), every
-- version kept; each saved MEDDICC qualification of a renewal, every version kept; and the
-- competitors mentioned on an account, each with its day and a note.
CREATE TABLE revenue_config_versions (
    id INTEGER PRIMARY KEY,
    config TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by BIGINT REFERENCES users(id),
    summary TEXT NOT NULL DEFAULT '',
    builtin BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE renewal_qualifications (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    saved_at TEXT NOT NULL
);
CREATE INDEX renewal_qualifications_contract ON renewal_qualifications(contract_id, id);

CREATE TABLE competitor_mentions (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    competitor TEXT NOT NULL,
    mentioned_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    user_id BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX competitor_mentions_account ON competitor_mentions(account_id, mentioned_on);
