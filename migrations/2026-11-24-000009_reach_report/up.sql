-- The reach report (issue 6) reads one academic year of one hub (or of every hub) from its
-- work groups down, through these indexes, rather than scanning the enrolments and the
-- attendance of every year.

-- The work groups of an academic year, of one hub or of all.
CREATE INDEX work_groups_year_hub_idx ON work_groups (academic_year, hub_id);

-- Enrolments that hold or held a place (signed up), carrying what the report counts by, so
-- they are read from the index.
CREATE INDEX enrolments_signed_up_idx ON enrolments (work_group_id)
    INCLUDE (id, school_urn, participant_id, referred_by_id)
    WHERE accepted_at IS NOT NULL;

-- The sessions an enrolment was present at, counted from the index (the participation rule,
-- which completion reads too).
CREATE INDEX attendance_present_idx ON attendance (enrolment_id) WHERE status = 'present';

-- The open schools of an authority, and of a district in a partner's area: the denominators
-- of the share of schools reached.
CREATE INDEX schools_open_la_idx ON schools (la_code) WHERE status = 'open';
CREATE INDEX schools_open_district_idx ON schools (district_code) WHERE status = 'open';
