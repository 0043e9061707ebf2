-- Formative assessment results (issue 5), kept as history: one row per result.
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    student_id INTEGER NOT NULL REFERENCES students(id),
    skill TEXT NOT NULL,
    taken_on TEXT NOT NULL,
    -- Mastery on 0–100: the score, or the mastery level × 25.
    mastery INTEGER NOT NULL,
    score_hundredths INTEGER,
    mastery_level INTEGER,
    source TEXT NOT NULL,
    file TEXT NOT NULL,
    imported_at INTEGER NOT NULL
);
CREATE INDEX assessments_student ON assessments(student_id, skill, taken_on);
-- Students' ranked choices among the activities or projects their team offers.
CREATE TABLE student_choices (
    student_id INTEGER NOT NULL REFERENCES students(id),
    option_code TEXT NOT NULL,
    choice_rank INTEGER NOT NULL,
    PRIMARY KEY (student_id, option_code)
);
-- Groupings a team proposed (drafts) and published, with the input they came from.
CREATE TABLE groupings (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    block TEXT NOT NULL,
    focus TEXT NOT NULL,
    strategy TEXT NOT NULL,
    input TEXT NOT NULL,
    grouping TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    published_at INTEGER
);
CREATE INDEX groupings_team ON groupings(team_id, published_at);
