-- OneRoster 1.2 (issue 15). A school keeps its own copy of each academic session it uses
-- (terms are per school), remembering the session's sourcedId; classes and enrollments are kept
-- as the student information system sent them (who teaches whom); team proposals wait for a
-- leader; each import is recorded with what it changed.
ALTER TABLE terms ADD COLUMN session_sourced_id TEXT;
CREATE UNIQUE INDEX terms_session ON terms(school_id, session_sourced_id);
CREATE TABLE classes (
    id INTEGER PRIMARY KEY,
    sourced_id TEXT NOT NULL UNIQUE,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    title TEXT NOT NULL,
    class_type TEXT NOT NULL,
    course_sourced_id TEXT NOT NULL,
    course_title TEXT NOT NULL,
    terms TEXT NOT NULL,
    grades TEXT NOT NULL,
    subjects TEXT NOT NULL,
    periods TEXT NOT NULL
);
CREATE INDEX classes_school ON classes(school_id);
CREATE TABLE enrollments (
    id INTEGER PRIMARY KEY,
    sourced_id TEXT NOT NULL UNIQUE,
    class_id INTEGER NOT NULL REFERENCES classes(id),
    user_sourced_id TEXT NOT NULL,
    role TEXT NOT NULL,
    is_primary INTEGER NOT NULL
);
CREATE INDEX enrollments_class ON enrollments(class_id);
CREATE TABLE team_proposals (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    term_id INTEGER NOT NULL REFERENCES terms(id),
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    team_id INTEGER REFERENCES teams(id)
);
CREATE INDEX team_proposals_school ON team_proposals(school_id, status);
CREATE TABLE roster_imports (
    id INTEGER PRIMARY KEY,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    summary TEXT NOT NULL
);
-- A bundle uploaded on the set-up or import page, kept between its review and its import.
CREATE TABLE roster_uploads (
    id INTEGER PRIMARY KEY,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    name TEXT NOT NULL,
    bytes BLOB NOT NULL,
    status TEXT NOT NULL,
    summary TEXT NOT NULL,
    applied_at INTEGER
);
