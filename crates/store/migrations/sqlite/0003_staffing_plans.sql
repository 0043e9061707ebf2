-- Staffing plans a school leader built (issue 4): the plan file as JSON, kept as drafts until
-- saved as the school's teams.
CREATE TABLE staffing_plans (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    saved_at INTEGER,
    plan TEXT NOT NULL
);
CREATE INDEX staffing_plans_school ON staffing_plans(school_id);
