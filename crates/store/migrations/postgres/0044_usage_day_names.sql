-- The event names used on each day, across the book: what the feature catalogue of a day is
-- made of (see the SQLite migration of the same number).
CREATE TABLE usage_day_names (
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (day, name)
);
INSERT INTO usage_day_names (day, name) SELECT DISTINCT day, name FROM usage_names;
