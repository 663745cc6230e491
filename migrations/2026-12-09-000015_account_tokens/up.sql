-- Single-use tokens that let a person set their password: a reset they asked for, or an
-- admin's invitation. Only each token's SHA-256 is kept. The token itself is derived from the
-- row's id under a key of the server's when its message is written (auth::account_tokens),
-- so neither this table nor the outbox holds anything that sets a password.
CREATE TABLE account_tokens (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('password_reset', 'invitation')),
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX account_tokens_user ON account_tokens (user_id);

ALTER TABLE outbox_messages DROP CONSTRAINT outbox_messages_kind_check;
ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_kind_check CHECK (kind IN (
    'interest_received', 'awaiting_review', 'accepted', 'declined', 'waitlisted',
    'promoted', 'withdrawn', 'session_changed', 'session_cancelled', 'work_group_cancelled',
    'fee_charged', 'session_reminder', 'webhook_disabled', 'password_reset', 'invitation'));

-- A new password ends every session of the account but the one the transaction names in
-- `mathshub.kept_session` (a refresh token family): a person changing their own password
-- stays signed in where they did it. Disabling an account still ends every session.
CREATE OR REPLACE FUNCTION users_revoke_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE refresh_tokens SET revoked_at = now()
     WHERE user_id = NEW.id AND revoked_at IS NULL
       AND (NEW.disabled_at IS NOT NULL
            OR family_id IS DISTINCT FROM nullif(current_setting('mathshub.kept_session', true), '')::uuid);
    RETURN NULL;
END $$;
