//! The outbox: messages the service owes people, written by the transaction of the change
//! they tell of (so one exists if and only if its change committed), then claimed and
//! delivered by every server process's worker (`notify`).
//!
//! A worker claims due messages with `FOR UPDATE SKIP LOCKED` in a transaction of its own,
//! delivers them, and records every outcome in one statement before it commits: processes
//! claiming at once take different messages, and a worker that dies before its commit leaves
//! its messages pending, to be claimed again at once and sent under the same id. Each message
//! is delivered at least once, and normally once; it is written once and updated once.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::prelude::QueryableByName;
use diesel::sql_types::{
    Array, BigInt, Bool, Double, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::sql::{SqlBuilder, reused};
use crate::domain::{EnrolmentStatus, MessageStatus, NoticeKind};
use crate::observability::metrics::{ChannelBacklog, OutboxBacklog};

/// Who a message goes to: people found from an enrolment or a work group as the change's own
/// transaction sees them.
#[derive(Debug, Clone, Copy)]
pub enum Recipients {
    /// The participant of an enrolment.
    Participant(Uuid),
    /// The leads of an enrolment's work group, about that enrolment.
    LeadsReviewing(Uuid),
    /// The participants of a work group's enrolments in these statuses, each about their own.
    Enrolled(Uuid, &'static [EnrolmentStatus]),
}

impl Recipients {
    /// Everyone holding a place in the work group.
    pub fn holding_places(work_group_id: Uuid) -> Self {
        Self::Enrolled(work_group_id, &[EnrolmentStatus::Accepted])
    }

    /// Everyone whose enrolment in the work group is still open: pending, on a place or
    /// waiting for one.
    pub fn still_enrolled(work_group_id: Uuid) -> Self {
        use EnrolmentStatus::{Accepted, Pending, Waitlisted};
        Self::Enrolled(work_group_id, &[Pending, Accepted, Waitlisted])
    }
}

/// Every message names the work group and the enrolment it concerns, as the change's own
/// transaction sees them; what else it tells is the writer's.
const TELL: &str = "\
INSERT INTO outbox_messages (id, kind, recipient_id, facts)
SELECT gen_random_uuid(), ";

/// The facts every message about an enrolment tells: its work group (`wg`, of `hub`) and the
/// enrolment (`e`), as `jsonb_build_object` arguments.
macro_rules! group_and_enrolment {
    () => {
        "'work_group', jsonb_build_object('id', wg.id, 'code', wg.code, 'title', wg.title, 'hub', hub.name),
         'enrolment', jsonb_build_object('id', e.id, 'status', e.status, 'waitlist_position', e.waitlist_position)"
    };
}

const TELL_FACTS: &str = concat!(", jsonb_build_object(", group_and_enrolment!(), ") || ");

const TELL_FROM: &str = "::jsonb
  FROM enrolments e
  JOIN work_groups wg ON wg.id = e.work_group_id
  JOIN hubs hub ON hub.id = wg.hub_id";

/// Writes one message of `kind` to each of `to`, telling `facts` (an object, whose keys win)
/// besides the work group and the enrolment. One statement, whatever the number of
/// recipients; takes the connection shared so it can be pipelined beside the change's own
/// statements. Answers how many messages were written.
pub async fn tell(
    mut conn: &AsyncPgConnection,
    kind: NoticeKind,
    to: &Recipients,
    facts: serde_json::Value,
) -> diesel::QueryResult<usize> {
    telling(kind, to, facts).execute(&mut conn).await
}

/// The statement `tell` runs. It reads the enrolments by the table's name, so as a `WITH`
/// query beside one named `enrolments` (an insert's, say) it tells of the rows that one
/// writes, in the same statement.
pub fn telling(kind: NoticeKind, to: &Recipients, facts: serde_json::Value) -> SqlBuilder {
    let (recipient, joined, filter) = match to {
        Recipients::Participant(_) => ("e.participant_id", "", " WHERE e.id = "),
        Recipients::LeadsReviewing(_) => (
            "lead.user_id",
            " JOIN work_group_leads lead ON lead.work_group_id = e.work_group_id",
            " WHERE e.id = ",
        ),
        Recipients::Enrolled(..) => ("e.participant_id", "", " WHERE e.work_group_id = "),
    };
    let query = SqlBuilder::new(TELL)
        .bind::<Text, _>(kind)
        .sql(", ")
        .sql(recipient)
        .sql(TELL_FACTS)
        .bind::<Jsonb, _>(facts)
        .sql(TELL_FROM)
        .sql(joined)
        .sql(filter);
    match to {
        Recipients::Participant(id) | Recipients::LeadsReviewing(id) => {
            query.bind::<SqlUuid, _>(*id)
        }
        Recipients::Enrolled(work_group_id, statuses) => query
            .bind::<SqlUuid, _>(*work_group_id)
            .sql(" AND e.status = ANY(")
            .bind::<Array<Text>, _>(statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>())
            .sql(")"),
    }
}

/// A reminder to each participant holding a place in a session starting within `lead` of
/// `now` (and not yet begun) of a group going ahead, unless they turned reminders off or
/// their account is disabled.
/// Each reminder is written once per session, participant and start time (a session moved
/// later is reminded of again), however often and by however many processes this runs.
const REMIND: &str = concat!(
    "INSERT INTO outbox_messages (id, kind, recipient_id, facts, once_key)
SELECT gen_random_uuid(), 'session_reminder', e.participant_id,
       jsonb_build_object(",
    group_and_enrolment!(),
    ",
         'session', jsonb_build_object('id', s.id, 'starts_at', s.starts_at, 'ends_at', s.ends_at,
                                       'mode', s.mode, 'venue_name', s.venue_name,
                                       'venue_address', s.venue_address, 'venue_postcode', s.venue_postcode)),
       concat_ws(':', 'reminder', s.id, e.id, extract(epoch FROM s.starts_at)::bigint)
  FROM sessions s
  JOIN work_groups wg ON wg.id = s.work_group_id
  JOIN hubs hub ON hub.id = wg.hub_id
  JOIN enrolments e ON e.work_group_id = wg.id AND e.status = 'accepted'
  JOIN users u ON u.id = e.participant_id AND u.session_reminders AND u.disabled_at IS NULL
 WHERE s.cancelled_at IS NULL AND wg.status IN ('open', 'full', 'closed', 'running')
   AND s.starts_at > $1 AND s.starts_at <= $1 + make_interval(secs => $2)
ON CONFLICT (once_key) WHERE once_key IS NOT NULL DO NOTHING"
);

/// Writes the reminders due by `now` (`REMIND`); answers how many were new.
pub async fn remind(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    lead: std::time::Duration,
) -> diesel::QueryResult<usize> {
    reused(
        diesel::sql_query(REMIND)
            .bind::<Timestamptz, _>(now)
            .bind::<Double, _>(lead.as_secs_f64()),
    )
    .execute(conn)
    .await
}

/// A message claimed for delivery, with its recipient as their account stands now.
#[derive(Debug, QueryableByName)]
pub struct ClaimedMessage {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: NoticeKind,
    #[diesel(sql_type = Jsonb)]
    pub facts: serde_json::Value,
    /// This attempt's number, 1 for the first.
    #[diesel(sql_type = Integer)]
    pub attempt: i32,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Bool)]
    pub disabled: bool,
    #[diesel(sql_type = Bool)]
    pub session_reminders: bool,
}

const CLAIM: &str = "\
SELECT m.id, m.kind, m.facts, m.attempts + 1 AS attempt, u.email, u.name,
       u.disabled_at IS NOT NULL AS disabled, u.session_reminders
  FROM outbox_messages m JOIN users u ON u.id = m.recipient_id
 WHERE m.status = 'pending' AND m.next_attempt_at <= $1
 ORDER BY m.next_attempt_at
 LIMIT $2
 FOR UPDATE OF m SKIP LOCKED";

/// Claims up to `limit` messages due by `now`, locked until the transaction ends (call it in
/// one): no other claim takes them meanwhile.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> diesel::QueryResult<Vec<ClaimedMessage>> {
    reused(
        diesel::sql_query(CLAIM)
            .bind::<Timestamptz, _>(now)
            .bind::<BigInt, _>(limit),
    )
    .load(conn)
    .await
}

/// How an attempt at a claimed message ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Delivered,
    /// Not to be sent, and why.
    Suppressed(&'static str),
    /// Failed; tried again after the wait.
    RetryIn(std::time::Duration, String),
    /// Failed for the last time.
    Dead(String),
}

/// Records the outcome of each claimed message's attempt, in one statement.
pub async fn record(
    conn: &mut AsyncPgConnection,
    attempts: &[(&ClaimedMessage, Outcome)],
) -> diesel::QueryResult<()> {
    let mut ids = Vec::with_capacity(attempts.len());
    let mut numbers = Vec::with_capacity(attempts.len());
    let mut statuses = Vec::with_capacity(attempts.len());
    let mut errors = Vec::with_capacity(attempts.len());
    let mut waits = Vec::with_capacity(attempts.len());
    for (message, outcome) in attempts {
        let (status, error, wait) = match outcome {
            Outcome::Delivered => (MessageStatus::Delivered, None, 0.0),
            Outcome::Suppressed(why) => (MessageStatus::Suppressed, Some((*why).to_owned()), 0.0),
            Outcome::RetryIn(wait, error) => (
                MessageStatus::Pending,
                Some(error.clone()),
                wait.as_secs_f64(),
            ),
            Outcome::Dead(error) => (MessageStatus::Dead, Some(error.clone()), 0.0),
        };
        ids.push(message.id);
        numbers.push(message.attempt);
        statuses.push(status.as_str());
        errors.push(error);
        waits.push(wait);
    }
    reused(
        diesel::sql_query(
            "UPDATE outbox_messages m
                SET attempts = o.attempt, status = o.status, last_error = o.error,
                    next_attempt_at = CASE WHEN o.status = 'pending'
                                           THEN now() + make_interval(secs => o.wait)
                                           ELSE m.next_attempt_at END,
                    finished_at = CASE WHEN o.status = 'pending' THEN NULL ELSE now() END
               FROM unnest($1, $2, $3, $4, $5) AS o(id, attempt, status, error, wait)
              WHERE m.id = o.id",
        )
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<Integer>, _>(numbers)
        .bind::<Array<Text>, _>(statuses)
        .bind::<Array<Nullable<Text>>, _>(errors)
        .bind::<Array<Double>, _>(waits),
    )
    .execute(conn)
    .await
    .map(drop)
}

#[derive(QueryableByName)]
struct BacklogRow {
    #[diesel(sql_type = BigInt)]
    email_pending: i64,
    #[diesel(sql_type = Double)]
    email_oldest_pending_seconds: f64,
    #[diesel(sql_type = BigInt)]
    email_dead: i64,
    #[diesel(sql_type = BigInt)]
    webhook_pending: i64,
    #[diesel(sql_type = Double)]
    webhook_oldest_pending_seconds: f64,
    #[diesel(sql_type = BigInt)]
    webhook_dead: i64,
}

/// The outbox as `/metrics` shows it, mail and webhook deliveries alike. Every count is read
/// from a partial index.
pub async fn backlog(conn: &mut AsyncPgConnection) -> diesel::QueryResult<OutboxBacklog> {
    let row: BacklogRow = diesel::sql_query(
        "SELECT (SELECT count(*) FROM outbox_messages WHERE status = 'pending') AS email_pending,
                coalesce((SELECT extract(epoch FROM now() - min(created_at))::float8
                            FROM outbox_messages WHERE status = 'pending'), 0)
                  AS email_oldest_pending_seconds,
                (SELECT count(*) FROM outbox_messages WHERE status = 'dead') AS email_dead,
                (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS webhook_pending,
                coalesce((SELECT extract(epoch FROM now() - min(created_at))::float8
                            FROM webhook_deliveries WHERE status = 'pending'), 0)
                  AS webhook_oldest_pending_seconds,
                (SELECT count(*) FROM webhook_deliveries WHERE status = 'dead') AS webhook_dead",
    )
    .get_result(conn)
    .await?;
    Ok(OutboxBacklog {
        email: ChannelBacklog {
            pending: row.email_pending,
            oldest_pending_seconds: row.email_oldest_pending_seconds,
            dead: row.email_dead,
        },
        webhook: ChannelBacklog {
            pending: row.webhook_pending,
            oldest_pending_seconds: row.webhook_oldest_pending_seconds,
            dead: row.webhook_dead,
        },
    })
}

/// A message as admins see it: to whom, what, and how its delivery went (never its text,
/// which holds the recipient's personal data).
#[derive(Debug, QueryableByName)]
pub struct MessageRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: NoticeKind,
    #[diesel(sql_type = SqlUuid)]
    pub recipient_id: Uuid,
    #[diesel(sql_type = Text)]
    pub status: MessageStatus,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub next_attempt_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_error: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub finished_at: Option<DateTime<Utc>>,
}

/// The columns of a `MessageRow`, for a `SELECT` and a `RETURNING` alike.
macro_rules! message_fields {
    () => {
        "id, kind, recipient_id, status, attempts, next_attempt_at, last_error, created_at, \
         finished_at"
    };
}

const MESSAGE_COLUMNS: &str = concat!("SELECT ", message_fields!(), " FROM outbox_messages");

/// Which messages a list holds.
#[derive(Debug, Default)]
pub struct MessageFilter {
    pub status: Option<MessageStatus>,
    pub recipient: Option<Uuid>,
}

/// One page of messages, newest first (ids are random, so `created_at` then `id` orders
/// them), after the sort key `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &MessageFilter,
    after: Option<&(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> diesel::QueryResult<Vec<MessageRow>> {
    let mut query = SqlBuilder::new(MESSAGE_COLUMNS).sql(" WHERE true");
    if let Some(status) = filter.status {
        query = query.sql(" AND status = ").bind::<Text, _>(status);
    }
    if let Some(recipient) = filter.recipient {
        query = query
            .sql(" AND recipient_id = ")
            .bind::<SqlUuid, _>(recipient);
    }
    query
        .newest_page_after("created_at, id", after, limit)
        .load(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Option<MessageRow>> {
    SqlBuilder::new(MESSAGE_COLUMNS)
        .sql(" WHERE id = ")
        .bind::<SqlUuid, _>(id)
        .get_result(conn)
        .await
        .optional()
}

/// Puts a dead message back in line for delivery now, with its attempts counted afresh: the
/// message as it now stands, or `None` when it was not dead (and is left as it is).
pub async fn retry(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Option<MessageRow>> {
    diesel::sql_query(concat!(
        "UPDATE outbox_messages
            SET status = 'pending', attempts = 0, next_attempt_at = now(), finished_at = NULL
          WHERE id = $1 AND status = 'dead'
      RETURNING ",
        message_fields!()
    ))
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()
}
