-- Staffing plans are for one term (the next by default) and applied once reviewed: who applied
-- them, and the reason a leader gave for applying a plan that breaks a hard rule.
ALTER TABLE staffing_plans ADD COLUMN term_id INTEGER REFERENCES terms(id);
ALTER TABLE staffing_plans ADD COLUMN applied_by INTEGER REFERENCES users(id);
ALTER TABLE staffing_plans ADD COLUMN override_reason TEXT;
-- A grouping may be for one period of the week (the team schedule shows it there).
ALTER TABLE groupings ADD COLUMN day INTEGER;
ALTER TABLE groupings ADD COLUMN period INTEGER;
