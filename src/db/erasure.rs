//! Erasure: a person's account becomes a pseudonymous tombstone. What identifies them goes:
//! name, email, password, school, what they wrote and what was written about them, their
//! messages, sign-ins and links. What the programme must keep stays against the account's
//! id, which nothing left identifies: enrolments (so reach counts hold), attendance, the fee
//! ledger, and who recorded, decided or waived what.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::prelude::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// What erasure does with the rows of a column that references an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnErasure {
    /// The rows are the person's alone and go.
    Deleted,
    /// The rows are the programme's records and stay, naming the tombstone; whatever text on
    /// them identifies the person is cleared by `SCRUB`.
    Kept,
}

/// A column that references `users (id)`, and what erasure does with its rows.
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    pub table: &'static str,
    pub column: &'static str,
    pub on_erasure: OnErasure,
}

const fn reference(table: &'static str, column: &'static str, on_erasure: OnErasure) -> Reference {
    Reference {
        table,
        column,
        on_erasure,
    }
}

/// Every column that references an account (a test holds it to the database's foreign keys,
/// and the subject access export to the same list).
pub const REFERENCES: &[Reference] = &[
    // A lead's public profile (its hubs go with it) and the groups they lead.
    reference("llme_profiles", "user_id", OnErasure::Deleted),
    reference("work_group_leads", "user_id", OnErasure::Deleted),
    reference("outbox_messages", "recipient_id", OnErasure::Deleted),
    reference("refresh_tokens", "user_id", OnErasure::Deleted),
    reference("account_tokens", "user_id", OnErasure::Deleted),
    // Speaking for a school.
    reference("school_contacts", "user_id", OnErasure::Deleted),
    // Counted in reach reports and charged in the fee ledger.
    reference("enrolments", "participant_id", OnErasure::Kept),
    // Who did what to other people's records.
    reference("enrolments", "decided_by", OnErasure::Kept),
    reference("attendance", "recorded_by", OnErasure::Kept),
    reference("fee_liabilities", "waived_by", OnErasure::Kept),
    reference("partner_clients", "created_by", OnErasure::Kept),
    reference("audit_log", "actor_id", OnErasure::Kept),
];

/// Why erasing a person should wait: what they still take part in.
#[derive(Debug, QueryableByName)]
pub struct Obligations {
    /// Places held in groups that have not finished (open, full, closed or running).
    #[diesel(sql_type = BigInt)]
    pub places: i64,
    /// Fees of their enrolments neither waived nor voided.
    #[diesel(sql_type = BigInt)]
    pub unwaived_fees: i64,
    #[diesel(sql_type = BigInt)]
    pub unwaived_pence: i64,
}

impl Obligations {
    pub fn any(&self) -> bool {
        self.places > 0 || self.unwaived_fees > 0
    }
}

const OBLIGATIONS: &str = "\
SELECT (SELECT count(*) FROM enrolments e JOIN work_groups wg ON wg.id = e.work_group_id
         WHERE e.participant_id = $1 AND e.status = 'accepted'
           AND wg.status IN ('open', 'full', 'closed', 'running')) AS places,
       count(f.id) AS unwaived_fees,
       COALESCE(sum(f.amount_pence), 0)::bigint AS unwaived_pence
  FROM enrolments e JOIN fee_liabilities f ON f.enrolment_id = e.id
 WHERE e.participant_id = $1 AND f.status = 'owed'";

pub async fn obligations(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Obligations> {
    diesel::sql_query(OBLIGATIONS)
        .bind::<SqlUuid, _>(id)
        .get_result(conn)
        .await
}

/// How an erasure went.
#[derive(Debug)]
pub enum Erasure {
    /// Erased now.
    Erased(DateTime<Utc>),
    /// Erased before, at this time: nothing changed.
    AlreadyErased(DateTime<Utc>),
    /// Not erased: the person still takes part.
    Obliged(Obligations),
}

/// Erases the account `id` in this transaction, audited as `actor`'s with `details`, unless
/// it still has obligations and not `force`; `None` when there is no such account. The
/// account is locked first, so that two erasures of it run one after the other.
pub async fn erase_account(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    force: bool,
    actor: Option<Uuid>,
    details: serde_json::Value,
) -> diesel::QueryResult<Option<Erasure>> {
    let Some(locked) = lock(conn, id).await? else {
        return Ok(None);
    };
    if let Some(erased_at) = locked.erased_at {
        // Run again all the same: it is idempotent, and mends an erasure of an older release.
        erase(conn, id).await?;
        return Ok(Some(Erasure::AlreadyErased(erased_at)));
    }
    let obligations = obligations(conn, id).await?;
    if obligations.any() && !force {
        return Ok(Some(Erasure::Obliged(obligations)));
    }
    let erased_at = erase(conn, id).await?;
    crate::db::audit::record(conn, actor, "user.erased", "user", &id.to_string(), details).await?;
    Ok(Some(Erasure::Erased(erased_at)))
}

#[derive(Debug, QueryableByName)]
struct Locked {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    erased_at: Option<DateTime<Utc>>,
}

async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<Option<Locked>> {
    diesel::sql_query("SELECT erased_at FROM users WHERE id = $1 FOR UPDATE")
        .bind::<SqlUuid, _>(id)
        .get_result(conn)
        .await
        .optional()
}

/// What replaces a waiver's reason on a fee of an erased or pseudonymised person: the reason
/// may name them, and a waived fee must keep one.
pub const ERASED_REASON: &str = "Erased with the participant's personal data.";

/// Clears what identifies the person on the records that stay, and makes the account a
/// disabled tombstone (its password gone, so every token and session of it ends at once).
/// Answers when the account was erased: the first erasure's time, however often it runs.
const SCRUB: &str = "\
WITH account AS (SELECT id, email FROM users WHERE id = $1),
mine AS (SELECT id FROM enrolments WHERE participant_id = $1),
fees AS (SELECT f.id FROM fee_liabilities f JOIN mine ON mine.id = f.enrolment_id),
statements AS (
  UPDATE enrolments SET statement = '', status_reason = NULL, senior_leader_name = NULL,
                        senior_leader_role = NULL, senior_leader_agreed_at = NULL
   WHERE participant_id = $1
     AND (statement <> '' OR status_reason IS NOT NULL OR senior_leader_name IS NOT NULL)),
waivers AS (
  UPDATE fee_liabilities SET waiver_reason = $2
   WHERE id IN (SELECT id FROM fees) AND waiver_reason IS DISTINCT FROM $2
     AND waiver_reason IS NOT NULL),
audited AS (
  UPDATE audit_log SET details = '{}'
   WHERE details <> '{}'
     AND ((object_type = 'user' AND object_id = $1::text)
          OR (object_type = 'enrolment' AND object_id IN (SELECT id::text FROM mine))
          OR (object_type = 'fee' AND object_id IN (SELECT id::text FROM fees)))),
answers AS (
  DELETE FROM idempotency_keys
   WHERE caller = $1::text
      OR position(convert_to($1::text, 'UTF8') IN response_body) > 0
      OR position(convert_to((SELECT email FROM account), 'UTF8') IN response_body) > 0)
UPDATE users
   SET email = 'erased-' || id || '@erased.invalid', name = 'Erased person',
       password_hash = NULL, school_urn = NULL, role_in_school = NULL,
       session_reminders = false, disabled_at = COALESCE(disabled_at, now()),
       erased_at = COALESCE(erased_at, now()),
       updated_at = CASE WHEN erased_at IS NULL THEN now() ELSE updated_at END
 WHERE id = $1
RETURNING erased_at";

#[derive(QueryableByName)]
struct Erased {
    #[diesel(sql_type = Timestamptz)]
    erased_at: DateTime<Utc>,
}

/// Erases the account `id` (locked by `lock` in this transaction); when it was erased.
async fn erase(conn: &mut AsyncPgConnection, id: Uuid) -> diesel::QueryResult<DateTime<Utc>> {
    for Reference { table, column, .. } in REFERENCES
        .iter()
        .filter(|reference| reference.on_erasure == OnErasure::Deleted)
    {
        diesel::sql_query(format!("DELETE FROM {table} WHERE {column} = $1"))
            .bind::<SqlUuid, _>(id)
            .execute(conn)
            .await?;
    }
    diesel::sql_query(SCRUB)
        .bind::<SqlUuid, _>(id)
        .bind::<Text, _>(ERASED_REASON)
        .get_result::<Erased>(conn)
        .await
        .map(|erased| erased.erased_at)
}
