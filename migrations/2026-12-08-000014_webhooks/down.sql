DELETE FROM outbox_messages WHERE kind = 'webhook_disabled';
ALTER TABLE outbox_messages DROP CONSTRAINT outbox_messages_kind_check;
ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_kind_check CHECK (kind IN (
    'interest_received', 'awaiting_review', 'accepted', 'declined', 'waitlisted',
    'promoted', 'withdrawn', 'session_changed', 'session_cancelled', 'work_group_cancelled',
    'fee_charged', 'session_reminder'));
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
