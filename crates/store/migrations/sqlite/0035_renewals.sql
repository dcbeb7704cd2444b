-- The renewal pipeline. A contract's notice period (days before the end by which the customer
-- must cancel): the date the team must beat. The CSM's call on a renewal (commit, likely,
-- at_risk, lost) with a note, every change kept; the latest is the call.
ALTER TABLE contracts ADD COLUMN notice_days BIGINT;

CREATE TABLE renewal_calls (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,
    call TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    user_id BIGINT REFERENCES users(id),
    made_at TEXT NOT NULL
);
CREATE INDEX renewal_calls_contract ON renewal_calls(contract_id, id);
