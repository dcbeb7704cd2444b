-- 1 marks a version recorded from Sherpa's built-in defaults rather than saved by a person: a
-- book on the built-in scorecards follows a new release's defaults as a new version (its day
-- marked on health trends); a book whose team saved its own is never changed under it.
ALTER TABLE health_config_versions ADD COLUMN builtin BIGINT NOT NULL DEFAULT 0;
ALTER TABLE engagement_config_versions ADD COLUMN builtin BIGINT NOT NULL DEFAULT 0;
