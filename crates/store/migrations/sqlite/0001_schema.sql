-- The team-based school. Append-only: change the schema in a new migration.
-- Flags are INTEGER 0/1 and times are unix milliseconds, identical in both backends.
CREATE TABLE districts (
    id INTEGER PRIMARY KEY,
    sourced_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);
CREATE TABLE schools (
    id INTEGER PRIMARY KEY,
    sourced_id TEXT NOT NULL UNIQUE,
    district_id INTEGER NOT NULL REFERENCES districts(id),
    name TEXT NOT NULL,
    grade_low INTEGER NOT NULL,
    grade_high INTEGER NOT NULL,
    current_term_id INTEGER
);
CREATE TABLE terms (
    id INTEGER PRIMARY KEY,
    sourced_id TEXT NOT NULL UNIQUE,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    parent_id INTEGER REFERENCES terms(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL
);
CREATE TABLE grid_days (
    school_id INTEGER NOT NULL REFERENCES schools(id),
    day INTEGER NOT NULL,
    PRIMARY KEY (school_id, day)
);
CREATE TABLE grid_periods (
    school_id INTEGER NOT NULL REFERENCES schools(id),
    idx INTEGER NOT NULL,
    name TEXT NOT NULL,
    start_minute INTEGER NOT NULL,
    end_minute INTEGER NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (school_id, idx)
);
CREATE TABLE educators (
    id INTEGER PRIMARY KEY,
    sourced_id TEXT NOT NULL UNIQUE,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    email TEXT,
    role_type TEXT NOT NULL,
    employment TEXT NOT NULL,
    fte_milli INTEGER NOT NULL,
    years_experience INTEGER NOT NULL,
    availability TEXT NOT NULL
);
CREATE INDEX educators_school ON educators(school_id);
CREATE TABLE educator_expertise (
    educator_id INTEGER NOT NULL REFERENCES educators(id),
    subject TEXT NOT NULL,
    level INTEGER NOT NULL,
    PRIMARY KEY (educator_id, subject)
);
CREATE TABLE educator_competencies (
    educator_id INTEGER NOT NULL REFERENCES educators(id),
    code TEXT NOT NULL,
    level INTEGER NOT NULL,
    evidence TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (educator_id, code)
);
CREATE TABLE students (
    id INTEGER PRIMARY KEY,
    sourced_id TEXT NOT NULL UNIQUE,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    grade INTEGER NOT NULL,
    interests TEXT NOT NULL,
    strengths TEXT NOT NULL
);
CREATE INDEX students_school ON students(school_id);
-- Sensitive fields live apart, so that a query that does not ask for them cannot leak them.
CREATE TABLE student_sensitive (
    student_id INTEGER PRIMARY KEY REFERENCES students(id),
    iep INTEGER NOT NULL,
    plan_504 INTEGER NOT NULL,
    english_learner INTEGER NOT NULL,
    ell_proficiency INTEGER,
    health TEXT,
    services TEXT NOT NULL,
    birth_date TEXT,
    gender TEXT,
    race_ethnicity TEXT,
    home_language TEXT,
    free_reduced_lunch INTEGER NOT NULL
);
CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    sourced_id TEXT NOT NULL UNIQUE,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    term_id INTEGER NOT NULL REFERENCES terms(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL
);
CREATE INDEX teams_school ON teams(school_id, term_id);
CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams(id),
    educator_id INTEGER NOT NULL REFERENCES educators(id),
    member_role TEXT NOT NULL,
    PRIMARY KEY (team_id, educator_id)
);
CREATE INDEX team_members_educator ON team_members(educator_id);
-- One core roster per student per term: the primary key is the rule.
CREATE TABLE roster_entries (
    term_id INTEGER NOT NULL REFERENCES terms(id),
    student_id INTEGER NOT NULL REFERENCES students(id),
    team_id INTEGER NOT NULL REFERENCES teams(id),
    PRIMARY KEY (term_id, student_id)
);
CREATE INDEX roster_team ON roster_entries(team_id);
CREATE TABLE service_assignments (
    educator_id INTEGER NOT NULL REFERENCES educators(id),
    student_id INTEGER NOT NULL REFERENCES students(id),
    term_id INTEGER NOT NULL REFERENCES terms(id),
    service TEXT NOT NULL,
    PRIMARY KEY (educator_id, student_id, term_id, service)
);
CREATE INDEX services_student ON service_assignments(student_id, term_id);
CREATE TABLE spaces (
    id INTEGER PRIMARY KEY,
    sourced_id TEXT NOT NULL UNIQUE,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    parent_id INTEGER REFERENCES spaces(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    capacity INTEGER NOT NULL
);
CREATE TABLE space_bookings (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces(id),
    term_id INTEGER NOT NULL REFERENCES terms(id),
    day INTEGER NOT NULL,
    period_idx INTEGER NOT NULL,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    headcount INTEGER NOT NULL,
    purpose TEXT NOT NULL
);
CREATE INDEX bookings_slot ON space_bookings(space_id, term_id, day, period_idx);
CREATE INDEX bookings_team ON space_bookings(team_id);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    system_role TEXT NOT NULL,
    school_id INTEGER REFERENCES schools(id),
    educator_id INTEGER UNIQUE REFERENCES educators(id),
    created_at INTEGER NOT NULL
);
-- Session ids and API tokens are stored as SHA-256 digests, never in the clear.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    user_id INTEGER,
    actor TEXT NOT NULL,
    school_id INTEGER,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id INTEGER,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_school ON audit_log(school_id, at);
