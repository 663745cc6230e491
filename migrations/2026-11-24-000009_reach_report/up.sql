-- The reach report reads one academic year of one hub (or of every hub) from its
-- work groups down, through these indexes and one kept count, rather than scanning or
-- counting the enrolments and attendance of every year on each request.

-- The sessions each enrolment was recorded present at: the standing that completion and
-- the reach report judge participation on, kept by a trigger on attendance so it is read
-- with the enrolment instead of counted per request.
ALTER TABLE enrolments
    ADD COLUMN present_count integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT enrolments_present_count_not_negative CHECK (present_count >= 0);
UPDATE enrolments e SET present_count = a.present
  FROM (SELECT enrolment_id, count(*)::integer AS present FROM attendance
         WHERE status = 'present' GROUP BY enrolment_id) a
 WHERE a.enrolment_id = e.id;

CREATE FUNCTION attendance_count_present() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status = OLD.status AND NEW.enrolment_id = OLD.enrolment_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'present' THEN
        UPDATE enrolments SET present_count = present_count - 1 WHERE id = OLD.enrolment_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'present' THEN
        UPDATE enrolments SET present_count = present_count + 1 WHERE id = NEW.enrolment_id;
    END IF;
    RETURN NULL;
END $$;
-- Removing a session removes its attendance (ON DELETE CASCADE), which counts down too.
CREATE TRIGGER attendance_count_present
    AFTER INSERT OR UPDATE OF status, enrolment_id OR DELETE ON attendance
    FOR EACH ROW EXECUTE FUNCTION attendance_count_present();

-- The work groups of an academic year, of one hub or of all.
CREATE INDEX work_groups_year_hub_idx ON work_groups (academic_year, hub_id);

-- Enrolments that hold or held a place (signed up), carrying what the report counts by, so
-- they are read from the index.
CREATE INDEX enrolments_signed_up_idx ON enrolments (work_group_id)
    INCLUDE (school_urn, participant_id, referred_by_id, present_count)
    WHERE accepted_at IS NOT NULL;

-- The same by school, for a partner's report, which starts from the schools of its area.
CREATE INDEX enrolments_signed_up_by_school_idx ON enrolments (school_urn)
    INCLUDE (work_group_id, participant_id, referred_by_id, present_count)
    WHERE accepted_at IS NOT NULL;

-- The open schools of an authority, and of a district in a partner's area: the denominators
-- of the share of schools reached.
CREATE INDEX schools_open_la_idx ON schools (la_code) WHERE status = 'open';
CREATE INDEX schools_open_district_idx ON schools (district_code) WHERE status = 'open';
