-- A single session can be cancelled: it stays in its group's lists and calendar
-- feeds, marked cancelled with its reason, but no longer counts as one of the group's
-- meetings.
ALTER TABLE sessions
    ADD COLUMN cancelled_at timestamptz,
    ADD COLUMN cancellation_reason text,
    ADD CONSTRAINT sessions_reason_only_when_cancelled
        CHECK (cancellation_reason IS NULL OR cancelled_at IS NOT NULL);

-- Cancelling changes what a calendar shows (STATUS:CANCELLED): its SEQUENCE moves on.
CREATE OR REPLACE FUNCTION sessions_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.starts_at, NEW.ends_at, NEW.mode, NEW.venue_name, NEW.venue_address,
        NEW.venue_postcode, NEW.joining_link, NEW.cancelled_at)
       IS DISTINCT FROM
       (OLD.starts_at, OLD.ends_at, OLD.mode, OLD.venue_name, OLD.venue_address,
        OLD.venue_postcode, OLD.joining_link, OLD.cancelled_at) THEN
        NEW.revision := OLD.revision + 1;
    END IF;
    RETURN NEW;
END $$;

-- A cancelled session no longer holds its slot: a replacement may be booked in it.
ALTER TABLE sessions DROP CONSTRAINT sessions_no_overlap;
ALTER TABLE sessions ADD CONSTRAINT sessions_no_overlap
    EXCLUDE USING gist (work_group_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (cancelled_at IS NULL);

-- A group's first and last session and its count of sessions are those that take place:
-- opening, the status clock and the participation rule read them.
CREATE OR REPLACE FUNCTION work_groups_refresh_session_span(group_id uuid) RETURNS void LANGUAGE sql AS $$
    UPDATE work_groups w
       SET first_session_at = s.first_at, last_session_at = s.last_at, session_count = s.n
      FROM (SELECT min(starts_at) AS first_at, max(starts_at) AS last_at, count(*)::int AS n
              FROM sessions WHERE work_group_id = group_id AND cancelled_at IS NULL) s
     WHERE w.id = group_id;
$$;

DROP TRIGGER sessions_refresh_work_group ON sessions;
CREATE TRIGGER sessions_refresh_work_group
    AFTER INSERT OR UPDATE OF work_group_id, starts_at, ends_at, cancelled_at OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_refresh_work_group();
