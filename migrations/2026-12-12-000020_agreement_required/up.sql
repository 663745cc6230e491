-- A group may confirm places only for teachers whose school's senior leader agreed to release
-- them for the year's sessions.
ALTER TABLE work_groups ADD COLUMN requires_senior_leader_agreement boolean NOT NULL DEFAULT false;
