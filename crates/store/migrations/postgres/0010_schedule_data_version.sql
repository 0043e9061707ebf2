-- Schedules, absences, published groupings and calendar feeds change what the team and
-- educator pages show (the published week, the days an approved re-plan changes, the groups of
-- each period, the calendar links), so they bump the school data's version like the tables of
-- migration 0007, and pages keep what they derive from them in memory at that version.
CREATE TRIGGER schedules_bumps AFTER INSERT OR UPDATE OR DELETE ON schedules FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER absences_bumps AFTER INSERT OR UPDATE OR DELETE ON absences FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER groupings_bumps AFTER INSERT OR UPDATE OR DELETE ON groupings FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
CREATE TRIGGER calendar_feeds_bumps AFTER INSERT OR UPDATE OR DELETE ON calendar_feeds FOR EACH STATEMENT EXECUTE FUNCTION bump_school_version();
