-- An account imported without a lifecycle gets one from its contract terms (onboarding in its
-- first weeks, then ongoing; churned when no term runs), kept up to date each day. 1 marks a
-- lifecycle worked out that way; a person's or a file's own choice (0) is never overwritten.
ALTER TABLE accounts ADD COLUMN lifecycle_from_data INTEGER NOT NULL DEFAULT 0;
