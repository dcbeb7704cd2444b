-- Who was active, as one row per account, user and month with a bit per day (bit 0 = the 1st):
-- a year of a daily user is 12 rows instead of 365, and an intake transaction updates one row
-- per user it saw instead of inserting one per user and day. Active users on a day are the rows
-- with that day's bit; seats in use are the rows with any bit in the 30-day window.
CREATE TABLE usage_user_months (
    account_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    user_key TEXT NOT NULL,
    days BIGINT NOT NULL,
    PRIMARY KEY (account_id, month, user_key)
);
-- Each (account, day, user) row was unique, so the sum of their bits is their union.
INSERT INTO usage_user_months (account_id, month, user_key, days)
SELECT account_id, SUBSTR(day, 1, 7), user_key,
       SUM(CAST(1 AS BIGINT) << (CAST(SUBSTR(day, 9, 2) AS INTEGER) - 1))
FROM usage_users GROUP BY account_id, SUBSTR(day, 1, 7), user_key;
DROP TABLE usage_users;
