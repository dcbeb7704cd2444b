-- Product users seen in a group the book does not hold yet (a group call before the account
-- is created, the usual onboarding order): when an account with that external id appears, they
-- are tied to it, and their waiting messages without a group follow them.
CREATE TABLE waiting_users (
    user_key TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX waiting_users_group ON waiting_users(group_id);
