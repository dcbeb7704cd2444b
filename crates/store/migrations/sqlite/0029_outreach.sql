-- Low-touch automation (seeds 000 and 002): each email or webhook post a moment's action
-- makes, written in the transaction that fires the moment (the record before), claimed by
-- one sender at a time, and marked sent after delivery (the record after). A send found
-- claimed past its lease was interrupted, and is sent again with the same Message-ID so the
-- receiver can tell. Dry runs, skipped recipients and failures are kept and shown.
CREATE TABLE outreach_sends (
    id INTEGER PRIMARY KEY,
    firing_id INTEGER NOT NULL REFERENCES engagement_firings(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    recipient TEXT NOT NULL,
    recipient_name TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at TEXT NOT NULL,
    claimed_by TEXT,
    claimed_until TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE UNIQUE INDEX outreach_sends_once ON outreach_sends(firing_id, channel, recipient);
CREATE INDEX outreach_sends_due ON outreach_sends(status, next_attempt_at);
CREATE INDEX outreach_sends_account ON outreach_sends(account_id, id);

-- Addresses that asked for no more automated email; kept in lower case.
CREATE TABLE unsubscribes (
    email TEXT PRIMARY KEY,
    unsubscribed_at TEXT NOT NULL,
    how TEXT NOT NULL
);
