-- Gradual reassignment (seed 003): a proposed schedule of account moves that a leader approves;
-- each move happens on its day and is audited.
CREATE TABLE reassignment_plans (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    from_user_id INTEGER NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    approved_by INTEGER REFERENCES users(id),
    approved_at TEXT
);
CREATE TABLE reassignment_moves (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES reassignment_plans(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    to_user_id INTEGER NOT NULL REFERENCES users(id),
    move_on TEXT NOT NULL,
    status TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX reassignment_moves_due ON reassignment_moves(status, move_on);
CREATE INDEX reassignment_moves_plan ON reassignment_moves(plan_id, move_on);
