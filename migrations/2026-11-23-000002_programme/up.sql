-- The programme: Network Collaborative Projects, people, LLME profiles, work groups and
-- their sessions.

CREATE TABLE projects (
    id                       uuid PRIMARY KEY,
    code                     text NOT NULL UNIQUE CHECK (code ~ '^[A-Z]{2,8}[0-9]{2}-[0-9]{1,3}$'),
    kind                     text NOT NULL CHECK (kind IN ('national', 'local', 'innovation')),
    title                    text NOT NULL CHECK (btrim(title) <> ''),
    academic_year            text NOT NULL CHECK (academic_year ~ '^[0-9]{4}/[0-9]{2}$'
        AND (left(academic_year, 4)::int + 1) % 100 = right(academic_year, 2)::int),
    phases                   text[] NOT NULL CHECK (cardinality(phases) > 0
        AND phases <@ ARRAY['early_years', 'primary', 'secondary', 'post_16']),
    outline                  text NOT NULL DEFAULT '',
    roles_allowed            text[] NOT NULL DEFAULT '{}' CHECK (roles_allowed <@ ARRAY['head_of_department',
        'prospective_head_of_department', 'senior_leader', 'maths_lead', 'teacher', 'early_years_practitioner', 'other']),
    roles_excluded           text[] NOT NULL DEFAULT '{}' CHECK (roles_excluded <@ ARRAY['head_of_department',
        'prospective_head_of_department', 'senior_leader', 'maths_lead', 'teacher', 'early_years_practitioner', 'other']),
    school_phases            text[] NOT NULL DEFAULT '{}' CHECK (school_phases <@ ARRAY['nursery', 'primary',
        'middle_deemed_primary', 'secondary', 'middle_deemed_secondary', 'sixteen_plus', 'all_through', 'not_applicable']),
    requires_completed_id    uuid REFERENCES projects (id),
    length                   text,
    cost_pence               integer NOT NULL DEFAULT 0 CHECK (cost_pence >= 0),
    non_attendance_fee_pence integer NOT NULL DEFAULT 0 CHECK (non_attendance_fee_pence >= 0),
    cancellation_notice_days integer NOT NULL DEFAULT 0 CHECK (cancellation_notice_days BETWEEN 0 AND 365),
    -- Share of sessions a school's participants must attend to count as participating;
    -- NULL means the default rule: present at one session at least.
    participation_min_percent smallint CHECK (participation_min_percent BETWEEN 1 AND 100),
    expectations             text NOT NULL DEFAULT '',
    follows_id               uuid REFERENCES projects (id),
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    -- Work groups carry their project's academic year; this key lets them reference both.
    UNIQUE (id, academic_year),
    CHECK (requires_completed_id <> id AND follows_id <> id)
);
CREATE INDEX projects_academic_year_idx ON projects (academic_year, code);
CREATE INDEX projects_kind_idx ON projects (kind, code);
CREATE INDEX projects_phases_idx ON projects USING gin (phases);
CREATE INDEX projects_title_trgm_idx ON projects USING gin (title gin_trgm_ops);

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    email          text NOT NULL CHECK (email LIKE '%_@_%'),
    name           text NOT NULL CHECK (btrim(name) <> ''),
    role           text NOT NULL CHECK (role IN ('admin', 'hub_manager', 'lead', 'participant', 'partner')),
    hub_id         uuid REFERENCES hubs (id),
    teaching_school_hub_id uuid REFERENCES teaching_school_hubs (id),
    school_urn     text REFERENCES schools (urn),
    role_in_school text CHECK (role_in_school IN ('head_of_department', 'prospective_head_of_department',
        'senior_leader', 'maths_lead', 'teacher', 'early_years_practitioner', 'other')),
    password_hash  text,
    -- Bumped on every change of role, hub or status, so tokens issued before it stop working.
    token_version  integer NOT NULL DEFAULT 0,
    calendar_token_hash bytea UNIQUE,
    disabled_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_hub_iff_hub_role CHECK ((role IN ('hub_manager', 'lead')) = (hub_id IS NOT NULL)),
    CONSTRAINT users_tsh_iff_partner CHECK ((role = 'partner') = (teaching_school_hub_id IS NOT NULL)),
    CONSTRAINT users_school_only_participants CHECK (role = 'participant'
        OR (school_urn IS NULL AND role_in_school IS NULL))
);
CREATE UNIQUE INDEX users_email_idx ON users (lower(email));
CREATE INDEX users_hub_idx ON users (hub_id, role);

-- A Local Leader of Maths Education's public face.
CREATE TABLE llme_profiles (
    user_id          uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    display_name     text NOT NULL CHECK (btrim(display_name) <> ''),
    phases           text[] NOT NULL DEFAULT '{}' CHECK (phases <@ ARRAY['early_years', 'primary', 'secondary', 'post_16']),
    specialisms      text[] NOT NULL DEFAULT '{}',
    bio              text NOT NULL DEFAULT '',
    -- Membership of the hub's LLME community (a professional learning community).
    community_member boolean NOT NULL DEFAULT true,
    published        boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llme_profiles_name_idx ON llme_profiles (display_name, user_id) WHERE published;
CREATE INDEX llme_profiles_phases_idx ON llme_profiles USING gin (phases);
CREATE INDEX llme_profiles_name_trgm_idx ON llme_profiles USING gin (display_name gin_trgm_ops);

-- The hubs an LLME works with (one or more).
CREATE TABLE llme_profile_hubs (
    user_id uuid NOT NULL REFERENCES llme_profiles (user_id) ON DELETE CASCADE,
    hub_id  uuid NOT NULL REFERENCES hubs (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, hub_id)
);
CREATE INDEX llme_profile_hubs_hub_idx ON llme_profile_hubs (hub_id);

CREATE TABLE work_groups (
    id                  uuid PRIMARY KEY,
    hub_id              uuid NOT NULL REFERENCES hubs (id),
    project_id          uuid NOT NULL,
    academic_year       text NOT NULL,
    code                text NOT NULL CHECK (code ~ '^[A-Z0-9]+(-[A-Z0-9]+)*$'),
    title               text NOT NULL CHECK (btrim(title) <> ''),
    phase               text NOT NULL CHECK (phase IN ('early_years', 'primary', 'secondary', 'post_16')),
    mode                text NOT NULL CHECK (mode IN ('face_to_face', 'online', 'blended')),
    capacity            integer CHECK (capacity >= 0),
    -- Places taken, kept by the enrolment engine in the same transaction as the enrolment.
    accepted_count      integer NOT NULL DEFAULT 0 CHECK (accepted_count >= 0),
    admission           text NOT NULL CHECK (admission IN ('automatic', 'review')),
    eoi_deadline        timestamptz,
    status              text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'full', 'closed',
                                                                      'running', 'completed', 'cancelled')),
    cancellation_reason text,
    venue_name          text,
    venue_address       text,
    venue_postcode      text,
    description         text NOT NULL DEFAULT '',
    -- Kept by a trigger on sessions, so the catalogue can filter and sort on dates.
    first_session_at    timestamptz,
    last_session_at     timestamptz,
    session_count       integer NOT NULL DEFAULT 0 CHECK (session_count >= 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (project_id, academic_year) REFERENCES projects (id, academic_year) ON UPDATE CASCADE,
    UNIQUE (academic_year, code),
    CONSTRAINT work_groups_never_overbooked CHECK (accepted_count <= coalesce(capacity, 0)),
    CONSTRAINT work_groups_published_have_places_and_deadline CHECK (status IN ('draft', 'cancelled')
        OR (capacity IS NOT NULL AND eoi_deadline IS NOT NULL)),
    CONSTRAINT work_groups_cancelled_have_reason CHECK ((status = 'cancelled') = (cancellation_reason IS NOT NULL))
);
CREATE INDEX work_groups_hub_idx ON work_groups (hub_id, status, code, id);
-- A hub's public catalogue in page order, whatever the status (drafts are never public).
CREATE INDEX work_groups_hub_public_idx ON work_groups (hub_id, code, id) WHERE status <> 'draft';
CREATE INDEX work_groups_project_idx ON work_groups (project_id, code, id);
CREATE INDEX work_groups_status_idx ON work_groups (status, code, id);
CREATE INDEX work_groups_academic_year_idx ON work_groups (academic_year, code, id);
CREATE INDEX work_groups_phase_idx ON work_groups (phase, code, id);
CREATE INDEX work_groups_mode_idx ON work_groups (mode, code, id);
CREATE INDEX work_groups_first_session_idx ON work_groups (first_session_at);
CREATE INDEX work_groups_last_session_idx ON work_groups (last_session_at);
CREATE INDEX work_groups_code_idx ON work_groups (code, id);
CREATE INDEX work_groups_title_trgm_idx ON work_groups USING gin (title gin_trgm_ops);

CREATE TABLE work_group_leads (
    work_group_id uuid NOT NULL REFERENCES work_groups (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id),
    role          text NOT NULL CHECK (role IN ('work_group_lead', 'cohort_lead')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (work_group_id, user_id)
);
CREATE INDEX work_group_leads_user_idx ON work_group_leads (user_id);

CREATE TABLE sessions (
    id             uuid PRIMARY KEY,
    work_group_id  uuid NOT NULL REFERENCES work_groups (id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('workshop', 'school_based_task')),
    mode           text NOT NULL CHECK (mode IN ('face_to_face', 'online')),
    starts_at      timestamptz NOT NULL,
    ends_at        timestamptz NOT NULL,
    venue_name     text,
    venue_address  text,
    venue_postcode text,
    -- Private to the group's leads, its hub's managers, admins and accepted participants.
    joining_link   text,
    notes          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sessions_end_after_start CHECK (ends_at > starts_at),
    CONSTRAINT sessions_no_overlap EXCLUDE USING gist (work_group_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
);
CREATE INDEX sessions_work_group_idx ON sessions (work_group_id, starts_at, id);
CREATE INDEX sessions_starts_at_idx ON sessions (starts_at, id);
CREATE INDEX sessions_ends_at_idx ON sessions (ends_at);

CREATE FUNCTION work_groups_refresh_session_span(group_id uuid) RETURNS void LANGUAGE sql AS $$
    UPDATE work_groups w
       SET first_session_at = s.first_at, last_session_at = s.last_at, session_count = s.n
      FROM (SELECT min(starts_at) AS first_at, max(starts_at) AS last_at, count(*)::int AS n
              FROM sessions WHERE work_group_id = group_id) s
     WHERE w.id = group_id;
$$;

CREATE FUNCTION sessions_refresh_work_group() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM work_groups_refresh_session_span(OLD.work_group_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.work_group_id <> OLD.work_group_id) THEN
        PERFORM work_groups_refresh_session_span(NEW.work_group_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER sessions_refresh_work_group
    AFTER INSERT OR UPDATE OF work_group_id, starts_at, ends_at OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_refresh_work_group();
