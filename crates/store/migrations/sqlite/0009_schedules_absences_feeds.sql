-- Generated team schedules (issue 14): per school and term, versions as drafts, one published
-- at a time; the body is the schedule document (docs/schedule.md).
ALTER TABLE schools ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE schools ADD COLUMN planning_minutes_daily INTEGER NOT NULL DEFAULT 45;
CREATE TABLE schedules (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    term_id INTEGER NOT NULL REFERENCES terms(id),
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    findings INTEGER NOT NULL,
    soft_hundredths INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    published_by INTEGER REFERENCES users(id),
    published_at INTEGER
);
CREATE INDEX schedules_school ON schedules(school_id, term_id, status);
-- An educator's absence: whole day (periods empty) or some periods; planned or not; the
-- reason's category is for leaders. Its re-plan of the day, once approved, overrides the
-- published schedule on that date.
CREATE TABLE absences (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    educator_id INTEGER NOT NULL REFERENCES educators(id),
    absence_date TEXT NOT NULL,
    periods TEXT NOT NULL,
    planned INTEGER NOT NULL,
    reason TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users(id),
    recorded_at INTEGER NOT NULL,
    schedule_id INTEGER REFERENCES schedules(id),
    replan TEXT,
    status TEXT NOT NULL,
    approved_by INTEGER REFERENCES users(id),
    approved_at INTEGER
);
CREATE INDEX absences_school ON absences(school_id, absence_date);
-- Secret calendar feed URLs: the token's SHA-256 digest only.
CREATE TABLE calendar_feeds (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    kind TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    token_digest TEXT NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX calendar_feeds_subject ON calendar_feeds(kind, subject_id);
