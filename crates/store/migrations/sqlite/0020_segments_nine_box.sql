-- Pareto segments (seed 002) and the 9-box (seed 001). The account carries the segment the
-- leader last applied and its 9-box placement of the latest quarter, for filters and sorts.
ALTER TABLE accounts ADD COLUMN segment INTEGER;
CREATE INDEX accounts_segment ON accounts(segment, id);
ALTER TABLE accounts ADD COLUMN box_quarter TEXT;
ALTER TABLE accounts ADD COLUMN box_relationship INTEGER;
ALTER TABLE accounts ADD COLUMN box_upsell INTEGER;
CREATE INDEX accounts_box ON accounts(box_relationship, box_upsell, id);

-- Each time the leader applied a Pareto cut: the shares, names and floors then in force.
CREATE TABLE segment_applications (
    id INTEGER PRIMARY KEY,
    shares TEXT NOT NULL,
    names TEXT NOT NULL,
    -- The floor MRR of each segment, in minor units of the book's currency.
    floors TEXT NOT NULL,
    accounts INTEGER NOT NULL,
    user_id INTEGER REFERENCES users(id),
    via TEXT NOT NULL,
    applied_at TEXT NOT NULL
);

-- One placement per account per quarter ("2026-Q4"); placing again in the quarter replaces it
-- (the audit log keeps the earlier one).
CREATE TABLE nine_box_placements (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    quarter TEXT NOT NULL,
    relationship INTEGER NOT NULL,
    upsell INTEGER NOT NULL,
    note TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    via TEXT NOT NULL,
    placed_at TEXT NOT NULL,
    UNIQUE (account_id, quarter)
);
CREATE INDEX nine_box_placements_quarter ON nine_box_placements(quarter, account_id);
