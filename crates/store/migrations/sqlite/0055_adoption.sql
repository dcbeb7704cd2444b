-- The adoption matrix: which offerings entitle which features and the functions they serve,
-- as configuration with every version kept; and each account's whitespace (features it pays
-- for and did not use in 30 days), kept with its phase so that the matrix sorts by it.
CREATE TABLE adoption_config_versions (
    id INTEGER PRIMARY KEY,
    config TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by BIGINT REFERENCES users(id),
    summary TEXT NOT NULL DEFAULT '',
    builtin BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE account_adoption (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    -- NULL while the account's usage is not known.
    whitespace BIGINT,
    computed_at TEXT NOT NULL
);
CREATE INDEX account_adoption_whitespace ON account_adoption(whitespace, account_id);
