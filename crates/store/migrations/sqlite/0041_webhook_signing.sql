-- A signed webhook's send keeps the name of the environment variable that holds its signing
-- secret (never the secret): the sender reads it at each post.
ALTER TABLE outreach_sends ADD COLUMN signing_env TEXT;
