-- Calendar feeds (RFC 5545): what makes an event's SEQUENCE move, and what a personal feed's
-- secret URL is derived from.

-- A session's revision, the SEQUENCE of its calendar event: bumped whenever what a calendar
-- shows of it changes (time, place, mode or joining link), whichever path changes it. The
-- group's cancellation adds one more in the feed itself (a cancelled group never changes again).
ALTER TABLE sessions ADD COLUMN revision integer NOT NULL DEFAULT 0 CHECK (revision >= 0);

CREATE FUNCTION sessions_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER sessions_revision
    BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_bump_revision();

-- A personal feed's URL carries an HMAC of the account's id and this version, never stored:
-- resetting the URL bumps the version, which kills the old one. (It replaces the unused hash
-- column: nothing needs storing to check a MAC.)
ALTER TABLE users DROP COLUMN calendar_token_hash;
ALTER TABLE users ADD COLUMN calendar_token_version integer NOT NULL DEFAULT 0;

-- Disabling an account kills its calendar URL for good, as it ends its sessions: enabling it
-- again does not revive a URL that may have leaked.
CREATE FUNCTION users_bump_calendar_token_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.calendar_token_version := OLD.calendar_token_version + 1;
    RETURN NEW;
END $$;

CREATE TRIGGER users_calendar_token_version
    BEFORE UPDATE OF disabled_at ON users
    FOR EACH ROW
    WHEN (NEW.disabled_at IS NOT NULL AND OLD.disabled_at IS NULL)
    EXECUTE FUNCTION users_bump_calendar_token_version();

