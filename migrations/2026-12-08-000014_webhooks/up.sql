-- Partner Teaching School Hubs' webhook endpoints: the change feed of their area, pushed.
-- Each endpoint follows the feed from its own position, as a partner polling it would, so
-- that an event committed is handed to every endpoint wanting it exactly once, in feed order,
-- and an endpoint paused or disabled picks up where it stopped.
CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY,
    teaching_school_hub_id uuid NOT NULL REFERENCES teaching_school_hubs (id) ON DELETE CASCADE,
    url text NOT NULL CHECK (length(url) <= 2000),
    event_types text[] NOT NULL CHECK (
        cardinality(event_types) > 0
        AND event_types <@ ARRAY['opened', 'updated', 'filled', 'reopened', 'closed',
                                 'cancelled', 'running', 'completed']),
    -- NULL: the whole area.
    local_authorities text[] CHECK (cardinality(local_authorities) > 0),
    -- Signing keys must be read to sign with, so they are kept as they are, not hashed.
    secret bytea NOT NULL,
    previous_secret bytea,
    previous_secret_until timestamptz,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'disabled')),
    -- Since when every attempt has failed; NULL after any success.
    failing_since timestamptz,
    disabled_at timestamptz,
    -- The feed position this endpoint has been handed events up to.
    feed_xid xid8 NOT NULL,
    feed_event bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'disabled') = (disabled_at IS NOT NULL)),
    CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL))
);

CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (teaching_school_hub_id, created_at);
CREATE INDEX webhook_endpoints_active ON webhook_endpoints (feed_xid, feed_event) WHERE status = 'active';

-- One delivery of one event to one endpoint; its id is the `webhook-id` every attempt sends.
CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY,
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id bigint NOT NULL REFERENCES work_group_events (id),
    event_type text NOT NULL,
    -- The body sent, byte for byte the same on every attempt.
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    response_status integer,
    response_excerpt text CHECK (length(response_excerpt) <= 256),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    UNIQUE (endpoint_id, event_id),
    CHECK ((status = 'pending') = (finished_at IS NULL))
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (finished_at) WHERE status = 'dead';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);

-- The partner's people are told when an endpoint of theirs is disabled.
ALTER TABLE outbox_messages DROP CONSTRAINT outbox_messages_kind_check;
ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_kind_check CHECK (kind IN (
    'interest_received', 'awaiting_review', 'accepted', 'declined', 'waitlisted',
    'promoted', 'withdrawn', 'session_changed', 'session_cancelled', 'work_group_cancelled',
    'fee_charged', 'session_reminder', 'webhook_disabled'));
