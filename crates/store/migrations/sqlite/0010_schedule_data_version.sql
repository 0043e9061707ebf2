-- Schedules, absences, published groupings and calendar feeds change what the team and
-- educator pages show (the published week, the days an approved re-plan changes, the groups of
-- each period, the calendar links), so they bump the school data's version like the tables of
-- migration 0007, and pages keep what they derive from them in memory at that version.
CREATE TRIGGER schedules_insert_bumps AFTER INSERT ON schedules BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'school'; END;
CREATE TRIGGER schedules_update_bumps AFTER UPDATE ON schedules BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'school'; END;
CREATE TRIGGER schedules_delete_bumps AFTER DELETE ON schedules BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'school'; END;
CREATE TRIGGER absences_insert_bumps AFTER INSERT ON absences BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'school'; END;
CREATE TRIGGER absences_update_bumps AFTER UPDATE ON absences BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'school'; END;
CREATE TRIGGER absences_delete_bumps AFTER DELETE ON absences BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'school'; END;
CREATE TRIGGER groupings_insert_bumps AFTER INSERT ON groupings BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'school'; END;
CREATE TRIGGER groupings_update_bumps AFTER UPDATE ON groupings BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'school'; END;
CREATE TRIGGER groupings_delete_bumps AFTER DELETE ON groupings BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'school'; END;
CREATE TRIGGER calendar_feeds_insert_bumps AFTER INSERT ON calendar_feeds BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'school'; END;
CREATE TRIGGER calendar_feeds_update_bumps AFTER UPDATE ON calendar_feeds BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'school'; END;
CREATE TRIGGER calendar_feeds_delete_bumps AFTER DELETE ON calendar_feeds BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'school'; END;
