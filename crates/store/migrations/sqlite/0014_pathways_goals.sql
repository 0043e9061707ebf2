-- Pathways and team goals (issue 16): a district's own pathways (JSON; the defaults when it has none), and
-- where each educator stood on each pathway in each school year (the year it starts), for the
-- district's chart of how educators moved.
CREATE TABLE district_pathways (
    district_id INTEGER PRIMARY KEY REFERENCES districts(id),
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE pathway_standings (
    educator_id INTEGER NOT NULL REFERENCES educators(id),
    school_year INTEGER NOT NULL,
    pathway TEXT NOT NULL,
    step INTEGER,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (educator_id, school_year, pathway)
);
-- Team goals (issue 16): a core team's goals for its students, measured from its formative data.
CREATE TABLE team_goals (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id),
    closed_at INTEGER
);
CREATE INDEX team_goals_team ON team_goals(team_id);
