-- Roster reads ask which students the reader serves: look that up by educator.
CREATE INDEX services_educator ON service_assignments(educator_id, term_id, student_id);
