-- The school data's version: every change to what the pages show of a school (its structure,
-- people, rosters, services, bookings, student records, accounts) bumps it, by trigger — so
-- that a change by any instance, or by anything outside Ensemble, is seen. The store reads it
-- with each request's session or token and keeps what it read at that version in memory.
-- The audit log, sessions, tokens, throttle counts and plans do not bump it.
CREATE TABLE data_versions (name TEXT PRIMARY KEY, version BIGINT NOT NULL);
INSERT INTO data_versions (name, version) VALUES ('school', 0);
CREATE FUNCTION bump_school_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'school'; RETURN NULL; END $$;
CREATE TRIGGER districts_bumps AFTER INSERT OR UPDATE OR DELETE ON districts FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER schools_bumps AFTER INSERT OR UPDATE OR DELETE ON schools FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER terms_bumps AFTER INSERT OR UPDATE OR DELETE ON terms FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER grid_days_bumps AFTER INSERT OR UPDATE OR DELETE ON grid_days FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER grid_periods_bumps AFTER INSERT OR UPDATE OR DELETE ON grid_periods FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER educators_bumps AFTER INSERT OR UPDATE OR DELETE ON educators FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER educator_expertise_bumps AFTER INSERT OR UPDATE OR DELETE ON educator_expertise FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER educator_competencies_bumps AFTER INSERT OR UPDATE OR DELETE ON educator_competencies FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER students_bumps AFTER INSERT OR UPDATE OR DELETE ON students FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER student_sensitive_bumps AFTER INSERT OR UPDATE OR DELETE ON student_sensitive FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER student_choices_bumps AFTER INSERT OR UPDATE OR DELETE ON student_choices FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER teams_bumps AFTER INSERT OR UPDATE OR DELETE ON teams FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER team_members_bumps AFTER INSERT OR UPDATE OR DELETE ON team_members FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER roster_entries_bumps AFTER INSERT OR UPDATE OR DELETE ON roster_entries FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER service_assignments_bumps AFTER INSERT OR UPDATE OR DELETE ON service_assignments FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER spaces_bumps AFTER INSERT OR UPDATE OR DELETE ON spaces FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER space_bookings_bumps AFTER INSERT OR UPDATE OR DELETE ON space_bookings FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER users_bumps AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
