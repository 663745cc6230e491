//! Diesel's view of the tables the migrations in `migrations/` create. Kept by hand in step
//! with the SQL; `tests/api/schema.rs` checks the columns here against the migrated database.

diesel::table! {
    local_authorities (gss_code) {
        gss_code -> Text,
        la_number -> Nullable<Text>,
        name -> Text,
        kind -> Text,
        parent_gss_code -> Nullable<Text>,
        region -> Text,
        retired_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    schools (urn) {
        urn -> Text,
        name -> Text,
        phase -> Text,
        la_code -> Text,
        district_code -> Nullable<Text>,
        postcode -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    hubs (id) {
        id -> Uuid,
        slug -> Text,
        name -> Text,
        region -> Text,
        lead_school_name -> Nullable<Text>,
        lead_school_urn -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        website -> Nullable<Text>,
        retired_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    hub_local_authorities (id) {
        id -> Int8,
        hub_id -> Uuid,
        la_code -> Text,
        covered_from -> Timestamptz,
        covered_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    strategic_partners (id) {
        id -> Uuid,
        hub_id -> Uuid,
        name -> Text,
        kind -> Text,
        school_urn -> Nullable<Text>,
        website -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    teaching_school_hubs (id) {
        id -> Uuid,
        slug -> Text,
        name -> Text,
        lead_school_name -> Nullable<Text>,
        lead_school_urn -> Nullable<Text>,
        website -> Nullable<Text>,
        retired_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    teaching_school_hub_areas (teaching_school_hub_id, la_code) {
        teaching_school_hub_id -> Uuid,
        la_code -> Text,
    }
}

diesel::table! {
    hub_partnerships (hub_id, teaching_school_hub_id) {
        hub_id -> Uuid,
        teaching_school_hub_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    projects (id) {
        id -> Uuid,
        code -> Text,
        kind -> Text,
        title -> Text,
        academic_year -> Text,
        phases -> Array<Text>,
        outline -> Text,
        roles_allowed -> Array<Text>,
        roles_excluded -> Array<Text>,
        school_phases -> Array<Text>,
        requires_completed_id -> Nullable<Uuid>,
        length -> Nullable<Text>,
        cost_pence -> Int4,
        non_attendance_fee_pence -> Int4,
        cancellation_notice_days -> Int4,
        participation_min_percent -> Nullable<Int2>,
        expectations -> Text,
        follows_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        session_days -> Int2,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        name -> Text,
        role -> Text,
        hub_id -> Nullable<Uuid>,
        teaching_school_hub_id -> Nullable<Uuid>,
        school_urn -> Nullable<Text>,
        role_in_school -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        token_version -> Int4,
        disabled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        calendar_token_version -> Int4,
        session_reminders -> Bool,
        erased_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    llme_profiles (user_id) {
        user_id -> Uuid,
        display_name -> Text,
        phases -> Array<Text>,
        specialisms -> Array<Text>,
        bio -> Text,
        community_member -> Bool,
        published -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        roles_held -> Array<Text>,
        community_member_since -> Nullable<Int2>,
    }
}

diesel::table! {
    llme_profile_hubs (user_id, hub_id) {
        user_id -> Uuid,
        hub_id -> Uuid,
    }
}

diesel::table! {
    work_groups (id) {
        id -> Uuid,
        hub_id -> Uuid,
        project_id -> Uuid,
        academic_year -> Text,
        code -> Text,
        title -> Text,
        phase -> Text,
        mode -> Text,
        capacity -> Nullable<Int4>,
        accepted_count -> Int4,
        admission -> Text,
        eoi_deadline -> Nullable<Timestamptz>,
        status -> Text,
        cancellation_reason -> Nullable<Text>,
        venue_name -> Nullable<Text>,
        venue_address -> Nullable<Text>,
        venue_postcode -> Nullable<Text>,
        description -> Text,
        first_session_at -> Nullable<Timestamptz>,
        last_session_at -> Nullable<Timestamptz>,
        session_count -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        abandoned -> Bool,
        /// Generated: `status <> 'draft' AND NOT abandoned`.
        is_public -> Bool,
        requires_senior_leader_agreement -> Bool,
    }
}

diesel::table! {
    work_group_leads (work_group_id, user_id) {
        work_group_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        work_group_id -> Uuid,
        kind -> Text,
        mode -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        venue_name -> Nullable<Text>,
        venue_address -> Nullable<Text>,
        venue_postcode -> Nullable<Text>,
        joining_link -> Nullable<Text>,
        notes -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        revision -> Int4,
        cancelled_at -> Nullable<Timestamptz>,
        cancellation_reason -> Nullable<Text>,
    }
}

diesel::table! {
    enrolments (id) {
        id -> Uuid,
        work_group_id -> Uuid,
        participant_id -> Uuid,
        school_urn -> Text,
        role_in_school -> Text,
        statement -> Text,
        referred_by_id -> Nullable<Uuid>,
        status -> Text,
        waitlist_position -> Nullable<Int4>,
        status_reason -> Nullable<Text>,
        decided_by -> Nullable<Uuid>,
        accepted_at -> Nullable<Timestamptz>,
        withdrawn_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        present_count -> Int4,
        senior_leader_name -> Nullable<Text>,
        senior_leader_role -> Nullable<Text>,
        senior_leader_agreed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    attendance (session_id, enrolment_id) {
        session_id -> Uuid,
        enrolment_id -> Uuid,
        status -> Text,
        apologies_at -> Nullable<Timestamptz>,
        recorded_by -> Nullable<Uuid>,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    fee_liabilities (id) {
        id -> Uuid,
        enrolment_id -> Uuid,
        session_id -> Uuid,
        school_urn -> Text,
        reason -> Text,
        amount_pence -> Int4,
        currency -> Text,
        waived_at -> Nullable<Timestamptz>,
        waived_by -> Nullable<Uuid>,
        waiver_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        voided_at -> Nullable<Timestamptz>,
        paid_at -> Nullable<Timestamptz>,
        payment_reference -> Nullable<Text>,
        status -> Text,
    }
}

diesel::table! {
    partner_clients (id) {
        id -> Uuid,
        teaching_school_hub_id -> Uuid,
        client_id -> Text,
        secret_hash -> Text,
        name -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        rotated_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        token_version -> Int4,
    }
}

diesel::table! {
    rate_limit_windows (key) {
        key -> Text,
        started_at -> Timestamptz,
        hits -> Int4,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        family_id -> Uuid,
        token_hash -> Bytea,
        issued_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    idempotency_keys (caller, key) {
        caller -> Text,
        key -> Text,
        request_method -> Text,
        request_path -> Text,
        request_hash -> Bytea,
        response_status -> Int2,
        response_headers -> Jsonb,
        response_body -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        object_type -> Text,
        object_id -> Text,
        details -> Jsonb,
    }
}

diesel::table! {
    account_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        purpose -> Text,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// `xid` and `feed_xid` (xid8) are read through SQL fragments: diesel has no type for them.
    work_group_events (id) {
        id -> Int8,
        work_group_id -> Uuid,
        kind -> Text,
        occurred_at -> Timestamptz,
        details -> Jsonb,
    }
}

diesel::table! {
    outbox_messages (id) {
        id -> Uuid,
        kind -> Text,
        recipient_id -> Uuid,
        facts -> Jsonb,
        once_key -> Nullable<Text>,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(hub_local_authorities -> hubs (hub_id));
diesel::joinable!(hub_local_authorities -> local_authorities (la_code));
diesel::joinable!(strategic_partners -> hubs (hub_id));
diesel::table! {
    webhook_endpoints (id) {
        id -> Uuid,
        teaching_school_hub_id -> Uuid,
        url -> Text,
        event_types -> Array<Text>,
        local_authorities -> Nullable<Array<Text>>,
        secret -> Bytea,
        previous_secret -> Nullable<Bytea>,
        previous_secret_until -> Nullable<Timestamptz>,
        status -> Text,
        failing_since -> Nullable<Timestamptz>,
        disabled_at -> Nullable<Timestamptz>,
        feed_event -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        endpoint_id -> Uuid,
        event_id -> Int8,
        event_type -> Text,
        payload -> Jsonb,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        response_status -> Nullable<Int4>,
        response_excerpt -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    school_contacts (user_id) {
        user_id -> Uuid,
        school_urn -> Text,
        confirmed_at -> Timestamptz,
    }
}

diesel::joinable!(teaching_school_hub_areas -> teaching_school_hubs (teaching_school_hub_id));
diesel::joinable!(teaching_school_hub_areas -> local_authorities (la_code));
diesel::joinable!(hub_partnerships -> hubs (hub_id));
diesel::joinable!(hub_partnerships -> teaching_school_hubs (teaching_school_hub_id));
diesel::joinable!(llme_profiles -> users (user_id));
diesel::joinable!(llme_profile_hubs -> hubs (hub_id));
diesel::joinable!(llme_profile_hubs -> llme_profiles (user_id));
diesel::joinable!(work_groups -> hubs (hub_id));
diesel::joinable!(work_groups -> projects (project_id));
diesel::joinable!(work_group_leads -> work_groups (work_group_id));
diesel::joinable!(work_group_leads -> users (user_id));
diesel::joinable!(sessions -> work_groups (work_group_id));
diesel::joinable!(enrolments -> work_groups (work_group_id));
diesel::joinable!(enrolments -> schools (school_urn));
diesel::joinable!(attendance -> sessions (session_id));
diesel::joinable!(attendance -> enrolments (enrolment_id));
diesel::joinable!(fee_liabilities -> sessions (session_id));
diesel::joinable!(partner_clients -> teaching_school_hubs (teaching_school_hub_id));
diesel::joinable!(account_tokens -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(work_group_events -> work_groups (work_group_id));
diesel::joinable!(outbox_messages -> users (recipient_id));
diesel::joinable!(webhook_endpoints -> teaching_school_hubs (teaching_school_hub_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> work_group_events (event_id));
diesel::joinable!(school_contacts -> users (user_id));
diesel::joinable!(school_contacts -> schools (school_urn));

diesel::allow_tables_to_appear_in_same_query!(
    account_tokens,
    local_authorities,
    schools,
    hubs,
    hub_local_authorities,
    strategic_partners,
    teaching_school_hubs,
    teaching_school_hub_areas,
    hub_partnerships,
    projects,
    users,
    llme_profiles,
    llme_profile_hubs,
    work_groups,
    work_group_leads,
    sessions,
    enrolments,
    attendance,
    fee_liabilities,
    partner_clients,
    refresh_tokens,
    idempotency_keys,
    audit_log,
    work_group_events,
    rate_limit_windows,
    outbox_messages,
    webhook_endpoints,
    school_contacts,
    webhook_deliveries,
);
