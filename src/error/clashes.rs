//! What a write that breaks a unique key, a unique index or an exclusion constraint of the
//! schema is told: a 409 in words the caller can act on, never the constraint's name or SQL.
//! Every such constraint the migrations create has its words here (`tests/api/constraints.rs`
//! compares the list with the database's catalogue), so a new one must be given them.

use diesel::result::DatabaseErrorInformation;

/// The answer to a clash with each constraint. `{column}` stands for the value the record
/// already holding the key has in that column of it, as PostgreSQL reports the clash
/// (`Key (slug)=(london-central-and-west) already exists.`); words whose value cannot be read
/// give way to `DUPLICATE`.
pub const MESSAGES: &[(&str, &str)] = &[
    ("account_tokens_pkey", NEW_KEY),
    ("account_tokens_token_hash_key", NEW_KEY),
    ("attendance_pkey", RACE),
    ("audit_log_pkey", NEW_KEY),
    (
        "enrolments_one_live_per_person_idx",
        "You already have an enrolment in this work group: withdraw it first to enrol again.",
    ),
    ("enrolments_pkey", NEW_KEY),
    ("enrolments_waitlist_position_unique", RACE),
    (
        "fee_liabilities_once_per_session",
        "A fee is already charged for this enrolment at this session: a session is charged once at most.",
    ),
    ("fee_liabilities_pkey", NEW_KEY),
    (
        "hub_local_authorities_current_idx",
        "Local authority {la_code} was given to a hub by another request at the same time: send the request again.",
    ),
    ("hub_local_authorities_pkey", NEW_KEY),
    (
        "hub_partnerships_pkey",
        "The Teaching School Hub is already a partner of this hub.",
    ),
    ("hubs_name_key", "A hub already has the name {name}."),
    ("hubs_pkey", NEW_KEY),
    ("hubs_slug_key", "A hub already has the slug {slug}."),
    (
        "idempotency_keys_pkey",
        "This Idempotency-Key is already in use: send a new key for a new request.",
    ),
    (
        "llme_profile_hubs_pkey",
        "The LLME profile already lists this hub.",
    ),
    (
        "llme_profiles_pkey",
        "Lead {user_id} already has an LLME profile: change it with PATCH /api/v1/leads/{user_id}.",
    ),
    (
        "local_authorities_la_number_key",
        "Another local authority has the LA number {la_number}.",
    ),
    (
        "local_authorities_pkey",
        "Local authority {gss_code} already exists.",
    ),
    (
        "outbox_messages_once",
        "This message was already written: it is sent once.",
    ),
    ("outbox_messages_pkey", NEW_KEY),
    ("partner_clients_client_id_key", NEW_KEY),
    ("partner_clients_pkey", NEW_KEY),
    (
        "projects_code_key",
        "A project with the code {code} already exists.",
    ),
    ("projects_id_academic_year_key", NEW_KEY),
    ("projects_pkey", NEW_KEY),
    ("rate_limit_windows_pkey", RACE),
    ("refresh_tokens_pkey", NEW_KEY),
    ("refresh_tokens_token_hash_key", NEW_KEY),
    // Confirming a contact does nothing when they are one (`ON CONFLICT DO NOTHING`).
    ("school_contacts_pkey", RACE),
    (
        "schools_pkey",
        "A school with the URN {urn} already exists: change it with PATCH.",
    ),
    (
        "sessions_no_overlap",
        "The session overlaps another session of this work group.",
    ),
    ("sessions_pkey", NEW_KEY),
    (
        "strategic_partners_hub_id_name_key",
        "The hub already has a strategic partner named {name}.",
    ),
    ("strategic_partners_pkey", NEW_KEY),
    (
        "teaching_school_hub_areas_pkey",
        "The Teaching School Hub's area already holds this local authority.",
    ),
    (
        "teaching_school_hubs_name_key",
        "A Teaching School Hub already has the name {name}.",
    ),
    ("teaching_school_hubs_pkey", NEW_KEY),
    (
        "teaching_school_hubs_slug_key",
        "A Teaching School Hub already has the slug {slug}.",
    ),
    (
        "users_email_idx",
        "An account already uses this email address.",
    ),
    ("users_pkey", NEW_KEY),
    (
        "webhook_deliveries_endpoint_id_event_id_key",
        "This change was already handed to the endpoint: each is delivered to it once.",
    ),
    ("webhook_deliveries_pkey", NEW_KEY),
    ("webhook_endpoints_pkey", NEW_KEY),
    ("work_group_events_pkey", NEW_KEY),
    (
        "work_group_leads_pkey",
        "The lead already leads this work group.",
    ),
    (
        "work_groups_academic_year_code_key",
        "A work group with the code {code} already exists in the academic year {academic_year}.",
    ),
    ("work_groups_pkey", NEW_KEY),
];

/// A clash with a constraint no entry speaks for, or whose words could not be completed.
pub const DUPLICATE: &str = "This would duplicate a record that already exists.";
/// A key the server draws at random (or in sequence) for a new record, already taken.
const NEW_KEY: &str = "The key drawn for the new record is already taken: send the request again.";
/// A key the server keeps consistent under concurrency, met by another request at once.
const RACE: &str =
    "Another request changed the same records at the same time: send the request again.";

/// The 409's detail for a clash PostgreSQL reported with `info`.
pub fn message(info: &dyn DatabaseErrorInformation) -> String {
    let Some(constraint) = info.constraint_name() else {
        return DUPLICATE.into();
    };
    let Some(words) = words_for(constraint) else {
        log::warn!("no words for a clash with the constraint {constraint}: answered {DUPLICATE:?}");
        return DUPLICATE.into();
    };
    complete(
        words,
        info.details().and_then(key_values).unwrap_or_default(),
    )
    .unwrap_or_else(|| DUPLICATE.into())
}

/// The words for a clash with `constraint`, if it has its own.
pub fn words_for(constraint: &str) -> Option<&'static str> {
    MESSAGES
        .iter()
        .find(|(name, _)| *name == constraint)
        .map(|(_, words)| *words)
}

/// The columns of the key and the values it holds, from PostgreSQL's detail of a unique
/// violation: `Key (academic_year, code)=(2021/22, LCW21-15-01) already exists.` Values are
/// not quoted, so a value with `, ` in it is only read right in the key's last column.
fn key_values(detail: &str) -> Option<Vec<(&str, &str)>> {
    let (columns, rest) = detail.strip_prefix("Key (")?.split_once(")=(")?;
    let values = rest.strip_suffix(") already exists.")?;
    let columns: Vec<&str> = columns.split(", ").collect();
    let values: Vec<&str> = values.splitn(columns.len(), ", ").collect();
    (values.len() == columns.len()).then(|| columns.into_iter().zip(values).collect())
}

/// `words` with each `{column}` replaced by its value; `None` when one has none.
fn complete(words: &str, values: Vec<(&str, &str)>) -> Option<String> {
    let mut completed = String::with_capacity(words.len());
    let mut rest = words;
    while let Some((before, after)) = rest.split_once('{') {
        let (column, after) = after.split_once('}')?;
        let (_, value) = values.iter().find(|(name, _)| *name == column)?;
        completed.push_str(before);
        completed.push_str(value);
        rest = after;
    }
    completed.push_str(rest);
    Some(completed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_s_values_are_read_from_postgresql_s_detail() {
        assert_eq!(
            key_values("Key (slug)=(london-central-and-west) already exists."),
            Some(vec![("slug", "london-central-and-west")])
        );
        assert_eq!(
            key_values(
                "Key (hub_id, name)=(0193a0c4-5e2b-7c3d-8f4a-1b2c3d4e5f60, Smith, Jones and Partners) already exists."
            ),
            Some(vec![
                ("hub_id", "0193a0c4-5e2b-7c3d-8f4a-1b2c3d4e5f60"),
                ("name", "Smith, Jones and Partners")
            ])
        );
        assert_eq!(
            key_values("Key (lower(email))=(a@b.example) already exists."),
            Some(vec![("lower(email)", "a@b.example")])
        );
        assert_eq!(key_values("Failing row contains (1, 2)."), None);
    }

    #[test]
    fn words_are_completed_with_the_key_s_values_or_not_at_all() {
        let values = vec![("academic_year", "2021/22"), ("code", "LCW21-15-01")];
        assert_eq!(
            complete(
                words_for("work_groups_academic_year_code_key").unwrap(),
                values
            )
            .as_deref(),
            Some(
                "A work group with the code LCW21-15-01 already exists in the academic year 2021/22."
            )
        );
        assert_eq!(complete("Key {missing}.", vec![("code", "x")]), None);
        assert_eq!(
            complete("No value.", Vec::new()).as_deref(),
            Some("No value.")
        );
    }

    #[test]
    fn each_constraint_is_listed_once() {
        let mut names: Vec<&str> = MESSAGES.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), MESSAGES.len());
    }
}
