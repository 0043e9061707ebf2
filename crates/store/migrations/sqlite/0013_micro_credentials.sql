-- Micro-credentials (issue 16): the district's catalog (each entry as JSON), educators'
-- submissions with their evidence and the assessor's decision, the credentials issued (Open
-- Badges 3.0, signed), and each district's Ed25519 signing key (its secret seed, and its did:key).
CREATE TABLE micro_credentials (
    id INTEGER PRIMARY KEY,
    district_id INTEGER NOT NULL REFERENCES districts(id),
    code TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX micro_credentials_code ON micro_credentials(district_id, code);
CREATE TABLE credential_submissions (
    id INTEGER PRIMARY KEY,
    micro_credential_id INTEGER NOT NULL REFERENCES micro_credentials(id),
    educator_id INTEGER NOT NULL REFERENCES educators(id),
    status TEXT NOT NULL,
    evidence TEXT NOT NULL,
    links TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    scores TEXT,
    feedback TEXT,
    decided_at INTEGER,
    decided_by INTEGER REFERENCES users(id)
);
CREATE INDEX credential_submissions_educator ON credential_submissions(educator_id);
CREATE UNIQUE INDEX credential_submissions_waiting ON credential_submissions(micro_credential_id, educator_id) WHERE status = 'submitted';
CREATE TABLE issued_credentials (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL UNIQUE REFERENCES credential_submissions(id),
    educator_id INTEGER NOT NULL REFERENCES educators(id),
    credential TEXT NOT NULL,
    issued_at INTEGER NOT NULL
);
CREATE INDEX issued_credentials_educator ON issued_credentials(educator_id);
CREATE TABLE district_keys (
    district_id INTEGER PRIMARY KEY REFERENCES districts(id),
    seed TEXT NOT NULL,
    did TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
