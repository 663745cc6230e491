ALTER TABLE users DROP COLUMN session_reminders;
DROP TABLE outbox_messages;
