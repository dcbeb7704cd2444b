-- Usage data in. Raw Segment messages, in ingest order (the id), deduplicated on messageId.
-- An event whose account is not (yet) in the book keeps its group id and a NULL account: it is
-- "unmapped" until the account exists. AUTOINCREMENT keeps ids growing after a prune, so the
-- events cursor never sees an id twice.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    account_id BIGINT,
    group_id TEXT,
    user_key TEXT NOT NULL,
    name TEXT,
    occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX events_account ON events(account_id, id);
CREATE INDEX events_unmapped ON events(group_id) WHERE account_id IS NULL;

-- Who a product user is: the account they last acted for, and the contact their email names.
CREATE TABLE product_users (
    user_key TEXT PRIMARY KEY,
    account_id BIGINT,
    contact_id BIGINT,
    updated_at TEXT NOT NULL
);

-- Daily rollups per account and UTC day, kept at ingest and kept forever.
CREATE TABLE usage_days (
    account_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    events BIGINT NOT NULL,
    page_views BIGINT NOT NULL,
    PRIMARY KEY (account_id, day)
);
CREATE TABLE usage_names (
    account_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    events BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, name)
);
CREATE TABLE usage_users (
    account_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    user_key TEXT NOT NULL,
    PRIMARY KEY (account_id, day, user_key)
);

-- Event names as product features (by default each event is its own feature).
CREATE TABLE feature_catalog (
    event_name TEXT PRIMARY KEY,
    feature TEXT NOT NULL,
    high_value BIGINT NOT NULL DEFAULT 0
);

-- Intake counters (accepted, duplicate, rejected, unmapped) and the latest rejections.
CREATE TABLE intake_counts (
    outcome TEXT PRIMARY KEY,
    n BIGINT NOT NULL
);
CREATE TABLE intake_rejections (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    sample TEXT NOT NULL
);
