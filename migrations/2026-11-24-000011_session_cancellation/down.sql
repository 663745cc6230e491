-- Without the columns a cancelled session would read as taking place, and could overlap its
-- replacement: it goes, with what the ledger holds against it (its attendance cascades).
DELETE FROM fee_liabilities
 WHERE session_id IN (SELECT id FROM sessions WHERE cancelled_at IS NOT NULL);
DELETE FROM sessions WHERE cancelled_at IS NOT NULL;

DROP TRIGGER sessions_refresh_work_group ON sessions;
CREATE TRIGGER sessions_refresh_work_group
    AFTER INSERT OR UPDATE OF work_group_id, starts_at, ends_at OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_refresh_work_group();

CREATE OR REPLACE FUNCTION work_groups_refresh_session_span(group_id uuid) RETURNS void LANGUAGE sql AS $$
    UPDATE work_groups w
       SET first_session_at = s.first_at, last_session_at = s.last_at, session_count = s.n
      FROM (SELECT min(starts_at) AS first_at, max(starts_at) AS last_at, count(*)::int AS n
              FROM sessions WHERE work_group_id = group_id) s
     WHERE w.id = group_id;
$$;

ALTER TABLE sessions DROP CONSTRAINT sessions_no_overlap;
ALTER TABLE sessions ADD CONSTRAINT sessions_no_overlap
    EXCLUDE USING gist (work_group_id WITH =, tstzrange(starts_at, ends_at) WITH &&);

CREATE OR REPLACE FUNCTION sessions_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.starts_at, NEW.ends_at, NEW.mode, NEW.venue_name, NEW.venue_address,
        NEW.venue_postcode, NEW.joining_link)
       IS DISTINCT FROM
       (OLD.starts_at, OLD.ends_at, OLD.mode, OLD.venue_name, OLD.venue_address,
        OLD.venue_postcode, OLD.joining_link) THEN
        NEW.revision := OLD.revision + 1;
    END IF;
    RETURN NEW;
END $$;

ALTER TABLE sessions
    DROP CONSTRAINT sessions_reason_only_when_cancelled,
    DROP COLUMN cancellation_reason,
    DROP COLUMN cancelled_at;
