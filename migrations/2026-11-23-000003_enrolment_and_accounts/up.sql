-- Enrolments, attendance and fees; credentials, idempotency and the audit trail; the change
-- feed partner sites follow.

CREATE TABLE enrolments (
    id                     uuid PRIMARY KEY,
    work_group_id          uuid NOT NULL REFERENCES work_groups (id),
    participant_id         uuid NOT NULL REFERENCES users (id),
    school_urn             text NOT NULL REFERENCES schools (urn),
    role_in_school         text NOT NULL CHECK (role_in_school IN ('head_of_department', 'prospective_head_of_department',
        'senior_leader', 'maths_lead', 'teacher', 'early_years_practitioner', 'other')),
    statement              text NOT NULL DEFAULT '',
    referred_by_id         uuid REFERENCES teaching_school_hubs (id),
    status                 text NOT NULL CHECK (status IN ('pending', 'accepted', 'waitlisted', 'declined',
                                                          'withdrawn', 'completed')),
    waitlist_position      integer CHECK (waitlist_position > 0),
    status_reason          text,
    decided_by             uuid REFERENCES users (id),
    accepted_at            timestamptz,
    withdrawn_at           timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT enrolments_position_iff_waitlisted CHECK ((status = 'waitlisted') = (waitlist_position IS NOT NULL)),
    -- Positions close up in one statement when a place frees, so uniqueness is checked at commit.
    CONSTRAINT enrolments_waitlist_position_unique UNIQUE (work_group_id, waitlist_position) DEFERRABLE INITIALLY DEFERRED
);
-- One live enrolment per person per work group.
CREATE UNIQUE INDEX enrolments_one_live_per_person_idx ON enrolments (work_group_id, participant_id)
    WHERE status IN ('pending', 'accepted', 'waitlisted', 'completed');
CREATE INDEX enrolments_work_group_idx ON enrolments (work_group_id, status, created_at, id);
CREATE INDEX enrolments_participant_idx ON enrolments (participant_id, created_at, id);
CREATE INDEX enrolments_school_idx ON enrolments (school_urn);
CREATE INDEX enrolments_referred_by_idx ON enrolments (referred_by_id) WHERE referred_by_id IS NOT NULL;

CREATE TABLE attendance (
    session_id   uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    enrolment_id uuid NOT NULL REFERENCES enrolments (id),
    status       text NOT NULL CHECK (status IN ('present', 'absent', 'apologies')),
    -- When apologies were given; the fee rule compares it with the notice period.
    apologies_at timestamptz,
    recorded_by  uuid REFERENCES users (id),
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, enrolment_id)
);
CREATE INDEX attendance_enrolment_idx ON attendance (enrolment_id);

-- Fees owed by schools under the project's non-attendance policy.
CREATE TABLE fee_liabilities (
    id            uuid PRIMARY KEY,
    enrolment_id  uuid NOT NULL REFERENCES enrolments (id),
    session_id    uuid NOT NULL REFERENCES sessions (id),
    school_urn    text NOT NULL REFERENCES schools (urn),
    reason        text NOT NULL CHECK (reason IN ('non_attendance', 'late_withdrawal')),
    amount_pence  integer NOT NULL CHECK (amount_pence >= 0),
    currency      text NOT NULL DEFAULT 'GBP' CHECK (currency = 'GBP'),
    waived_at     timestamptz,
    waived_by     uuid REFERENCES users (id),
    waiver_reason text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT fee_liabilities_once_per_session UNIQUE (enrolment_id, session_id),
    CONSTRAINT fee_liabilities_waiver_has_reason CHECK ((waived_at IS NULL) = (waiver_reason IS NULL))
);
CREATE INDEX fee_liabilities_school_idx ON fee_liabilities (school_urn, created_at);
CREATE INDEX fee_liabilities_session_idx ON fee_liabilities (session_id);

-- Integration credentials of partner Teaching School Hubs (client credentials grant).
CREATE TABLE partner_clients (
    id                     uuid PRIMARY KEY,
    teaching_school_hub_id uuid NOT NULL REFERENCES teaching_school_hubs (id),
    client_id              text NOT NULL UNIQUE,
    secret_hash            text NOT NULL,
    name                   text NOT NULL DEFAULT '',
    created_by             uuid REFERENCES users (id),
    created_at             timestamptz NOT NULL DEFAULT now(),
    rotated_at             timestamptz,
    revoked_at             timestamptz
);
CREATE INDEX partner_clients_tsh_idx ON partner_clients (teaching_school_hub_id);

-- Refresh tokens are stored hashed; a family is one login's chain of rotations.
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    CHECK (expires_at > issued_at)
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Idempotency-Key records: the first answer to a creating POST, replayed for retries.
CREATE TABLE idempotency_keys (
    caller          text NOT NULL,
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_method  text NOT NULL,
    request_path    text NOT NULL,
    request_hash    bytea NOT NULL,
    state           text NOT NULL DEFAULT 'in_progress' CHECK (state IN ('in_progress', 'completed')),
    response_status smallint,
    response_headers jsonb,
    response_body   bytea,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (caller, key),
    CHECK ((state = 'completed') = (response_status IS NOT NULL))
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    action      text NOT NULL CHECK (btrim(action) <> ''),
    object_type text NOT NULL,
    object_id   text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id, occurred_at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, occurred_at);

-- Changes of work groups that partner sites follow; `xid` lets readers hold back events of
-- transactions still in flight, so a cursor never skips one committed late.
CREATE TABLE work_group_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_group_id uuid NOT NULL REFERENCES work_groups (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('opened', 'updated', 'filled', 'reopened', 'closed', 'cancelled',
                                                'running', 'completed')),
    xid           xid8 NOT NULL DEFAULT pg_current_xact_id(),
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    details       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX work_group_events_work_group_idx ON work_group_events (work_group_id, id);
