-- The probability table is learned from counts per colour and band: they are kept instead of
-- every back-tested case (600,000 rows a day at 100,000 accounts, written in one transaction
-- that held the database's write lock for seconds). The job fills them again on its next run.
DROP TABLE renewal_cases;
CREATE TABLE renewal_case_counts (
    colour TEXT,
    band TEXT NOT NULL,
    terms INTEGER NOT NULL,
    renewed INTEGER NOT NULL
);
DELETE FROM renewal_calibrations;
