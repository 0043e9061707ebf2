-- Sign-in links (issue 15): an account made by an import has no password; a leader makes a
-- one-time link with which its holder chooses one (the same link resets a forgotten password).
-- Only the link's SHA-256 digest is kept, with when it stops working.
ALTER TABLE users ADD COLUMN link_hash TEXT;
ALTER TABLE users ADD COLUMN link_expires_at BIGINT;
CREATE UNIQUE INDEX users_link_hash ON users (link_hash);
