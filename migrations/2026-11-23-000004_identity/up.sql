-- Identity and access: what makes a token stop working at once, and the counters behind
-- the rate limits of the login and token endpoints.

-- Tokens carry the version they were issued under; any change that must cut access (role,
-- hub, Teaching School Hub, password, disabling) bumps it, so older tokens are refused on
-- their next request. Done here so every path (API, CLI, SQL by hand) gets it.
CREATE FUNCTION users_bump_token_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role IS DISTINCT FROM OLD.role
       OR NEW.hub_id IS DISTINCT FROM OLD.hub_id
       OR NEW.teaching_school_hub_id IS DISTINCT FROM OLD.teaching_school_hub_id
       OR NEW.password_hash IS DISTINCT FROM OLD.password_hash
       OR NEW.disabled_at IS DISTINCT FROM OLD.disabled_at THEN
        NEW.token_version := OLD.token_version + 1;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER users_token_version
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION users_bump_token_version();

-- A new password or a disabled account also ends every signed-in session.
CREATE FUNCTION users_revoke_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = NEW.id AND revoked_at IS NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER users_revoke_sessions
    AFTER UPDATE OF password_hash, disabled_at ON users
    FOR EACH ROW
    WHEN (NEW.password_hash IS DISTINCT FROM OLD.password_hash
          OR (NEW.disabled_at IS NOT NULL AND OLD.disabled_at IS NULL))
    EXECUTE FUNCTION users_revoke_sessions();

ALTER TABLE partner_clients ADD COLUMN token_version integer NOT NULL DEFAULT 0;

CREATE FUNCTION partner_clients_bump_token_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.secret_hash IS DISTINCT FROM OLD.secret_hash
       OR NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
        NEW.token_version := OLD.token_version + 1;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER partner_clients_token_version
    BEFORE UPDATE ON partner_clients
    FOR EACH ROW EXECUTE FUNCTION partner_clients_bump_token_version();

-- Fixed-window counters shared by every server process. Unlogged: losing them in a crash
-- only forgets recent attempts.
CREATE UNLOGGED TABLE rate_limit_windows (
    key        text PRIMARY KEY,
    started_at timestamptz NOT NULL,
    hits       integer NOT NULL CHECK (hits > 0)
);
CREATE INDEX rate_limit_windows_started_idx ON rate_limit_windows (started_at);
