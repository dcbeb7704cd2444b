-- Owners a CRM file names who are not team members yet ("Sam Seller"): the account keeps the
-- name here, by function, until a team member with that name or email is added (or an admin
-- names who it is); then they own it.
CREATE TABLE pending_owners (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    function TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    PRIMARY KEY (account_id, function)
);
CREATE INDEX pending_owners_by_key ON pending_owners (name_key);
