-- Issue 12. Each audit entry lists the students it read or changed (",12,57," — so "who saw
-- this student" is answered for roster reads too); sessions end after idle time; API tokens
-- expire and can be revoked; failed sign-ins are counted in the database (they survive
-- restarts and are shared by every instance), under digests of their keys; devices that signed
-- in before are remembered, so nobody can lock someone else out; plans' accommodations.
ALTER TABLE audit_log ADD COLUMN students TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_user ON audit_log(user_id, id);
CREATE INDEX audit_action ON audit_log(action, id);
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_user ON sessions(user_id);
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE api_tokens ADD COLUMN revoked_at INTEGER;
UPDATE api_tokens SET expires_at = created_at + 7776000000 WHERE expires_at IS NULL;
CREATE TABLE login_throttle (
    key_hash TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL
);
CREATE TABLE login_devices (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
ALTER TABLE student_sensitive ADD COLUMN accommodations TEXT NOT NULL DEFAULT '[]';
