-- Each person's time zone (an IANA name): their "today", what is overdue and due today for
-- them. NULL follows the team's time zone, the one the cadences' periods start in.
ALTER TABLE users ADD COLUMN time_zone TEXT;
