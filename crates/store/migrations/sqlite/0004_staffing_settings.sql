-- A district's staffing catalog and policy (issue 4), as JSON: what the staffing designer
-- uses for the district's schools instead of the defaults.
CREATE TABLE staffing_settings (
    district_id INTEGER PRIMARY KEY REFERENCES districts(id),
    settings TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users(id)
);
