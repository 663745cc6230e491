-- The messages the service owes people, each written in the transaction of the change it
-- tells of, so that it exists if and only if the change committed. Delivery workers claim due
-- messages with FOR UPDATE SKIP LOCKED in a transaction that records their outcomes before it
-- commits: a worker that dies mid-delivery leaves them pending, to be sent again under the
-- same id (at least once; a receiver drops duplicates by the id).
CREATE TABLE outbox_messages (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN (
        'interest_received', 'awaiting_review', 'accepted', 'declined', 'waitlisted',
        'promoted', 'withdrawn', 'session_changed', 'session_cancelled', 'work_group_cancelled',
        'fee_charged', 'session_reminder')),
    recipient_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- What the message tells, as it stood when the change committed.
    facts jsonb NOT NULL,
    -- Set where one fact must yield one message however often it is noticed (a reminder).
    once_key text,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'suppressed', 'dead')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    CHECK ((status = 'pending') = (finished_at IS NULL))
);

CREATE INDEX outbox_messages_due ON outbox_messages (next_attempt_at) WHERE status = 'pending';
-- Partial, so the messages without a key (nearly all) cost no entry.
CREATE UNIQUE INDEX outbox_messages_once ON outbox_messages (once_key) WHERE once_key IS NOT NULL;
CREATE INDEX outbox_messages_recipient ON outbox_messages (recipient_id, created_at);
CREATE INDEX outbox_messages_dead ON outbox_messages (finished_at) WHERE status = 'dead';

-- Reminders before sessions are the one kind of message a participant may turn off.
ALTER TABLE users ADD COLUMN session_reminders boolean NOT NULL DEFAULT true;
