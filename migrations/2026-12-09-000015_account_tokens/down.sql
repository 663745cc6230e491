CREATE OR REPLACE FUNCTION users_revoke_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = NEW.id AND revoked_at IS NULL;
    RETURN NULL;
END $$;
DELETE FROM outbox_messages WHERE kind IN ('password_reset', 'invitation');
ALTER TABLE outbox_messages DROP CONSTRAINT outbox_messages_kind_check;
ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_kind_check CHECK (kind IN (
    'interest_received', 'awaiting_review', 'accepted', 'declined', 'waitlisted',
    'promoted', 'withdrawn', 'session_changed', 'session_cancelled', 'work_group_cancelled',
    'fee_charged', 'session_reminder', 'webhook_disabled'));
DROP TABLE account_tokens;
