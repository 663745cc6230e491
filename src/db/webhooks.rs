//! Partner webhooks: the endpoints a Teaching School Hub registers, and the deliveries of
//! its area's change feed to them.
//!
//! Each endpoint follows the change feed from a position of its own, as a partner polling
//! `/partners/me/changes` would (`db::change_feed`): the dispatcher locks endpoints behind
//! the feed's frontier (`FOR UPDATE SKIP LOCKED`), writes one delivery for each event they
//! want, and moves their positions on, in one transaction. An event is so handed to each
//! endpoint once and never skipped; a delivery is unique per endpoint and event besides.
//! Deliveries are then claimed and recorded as the outbox's messages are (`db::outbox`).

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::prelude::QueryableByName;
use diesel::sql_types::{
    Array, BigInt, Bytea, Double, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::change_feed::{FeedFilter, FeedPosition};
use crate::db::sql::SqlBuilder;
use crate::domain::webhook::SigningKey;
use crate::domain::{ChangeKind, DeliveryStatus, EndpointStatus};

/// An endpoint as its partner sees it (never its keys).
#[derive(Debug, Clone, QueryableByName)]
pub struct EndpointRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub teaching_school_hub_id: Uuid,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Array<Text>)]
    pub event_types: Vec<ChangeKind>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    pub local_authorities: Option<Vec<String>>,
    #[diesel(sql_type = Text)]
    pub status: EndpointStatus,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub failing_since: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub disabled_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub previous_secret_until: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

const ENDPOINT_COLUMNS: &str = "id, teaching_school_hub_id, url, event_types, local_authorities, status, \
    failing_since, disabled_at, previous_secret_until, created_at, updated_at";

/// What an endpoint is registered with, or changed to.
#[derive(Debug, Clone)]
pub struct EndpointSettings {
    pub url: String,
    pub event_types: Vec<ChangeKind>,
    pub local_authorities: Option<Vec<String>>,
}

fn kind_texts(kinds: &[ChangeKind]) -> Vec<&'static str> {
    kinds.iter().map(|kind| kind.as_str()).collect()
}

/// Registers an endpoint of the Teaching School Hub, following the feed from `from` on (the
/// frontier as it registers: it is handed what happens from now).
pub async fn insert(
    conn: &mut AsyncPgConnection,
    teaching_school_hub_id: Uuid,
    settings: &EndpointSettings,
    key: &SigningKey,
    from: FeedPosition,
) -> diesel::QueryResult<EndpointRow> {
    diesel::sql_query(format!(
        "INSERT INTO webhook_endpoints (id, teaching_school_hub_id, url, event_types, \
                                        local_authorities, secret, feed_xid, feed_event)
         VALUES ($1, $2, $3, $4, $5, $6, $7::xid8, $8)
         RETURNING {ENDPOINT_COLUMNS}"
    ))
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<SqlUuid, _>(teaching_school_hub_id)
    .bind::<Text, _>(&settings.url)
    .bind::<Array<Text>, _>(kind_texts(&settings.event_types))
    .bind::<Nullable<Array<Text>>, _>(settings.local_authorities.as_deref())
    .bind::<Bytea, _>(key.bytes())
    .bind::<Text, _>(from.xid.to_string())
    .bind::<BigInt, _>(from.id)
    .get_result(conn)
    .await
}

/// The Teaching School Hub's endpoints, oldest first, after the sort key `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    teaching_school_hub_id: Uuid,
    after: Option<&(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> diesel::QueryResult<Vec<EndpointRow>> {
    SqlBuilder::new(format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE teaching_school_hub_id = "
    ))
    .bind::<SqlUuid, _>(teaching_school_hub_id)
    .page_after("created_at, id", after, limit)
    .load(conn)
    .await
}

/// The Teaching School Hub's endpoint `id`, locked for a change when `for_update`.
pub async fn find(
    conn: &mut AsyncPgConnection,
    teaching_school_hub_id: Uuid,
    id: Uuid,
    for_update: bool,
) -> diesel::QueryResult<Option<EndpointRow>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    diesel::sql_query(format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints \
          WHERE teaching_school_hub_id = $1 AND id = $2{lock}"
    ))
    .bind::<SqlUuid, _>(teaching_school_hub_id)
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()
}

/// Changes an endpoint's settings and status. Resuming (to `active`) clears the failures
/// that disabled it, so that it is judged afresh.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    settings: &EndpointSettings,
    status: EndpointStatus,
) -> diesel::QueryResult<EndpointRow> {
    diesel::sql_query(format!(
        "UPDATE webhook_endpoints
            SET url = $2, event_types = $3, local_authorities = $4, status = $5,
                disabled_at = CASE WHEN $5 = 'disabled' THEN disabled_at END,
                failing_since = CASE WHEN $5 = 'active' AND status <> 'active' THEN NULL
                                     ELSE failing_since END,
                updated_at = now()
          WHERE id = $1
          RETURNING {ENDPOINT_COLUMNS}"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(&settings.url)
    .bind::<Array<Text>, _>(kind_texts(&settings.event_types))
    .bind::<Nullable<Array<Text>>, _>(settings.local_authorities.as_deref())
    .bind::<Text, _>(status)
    .get_result(conn)
    .await
}

/// The authorities of `codes` outside the Teaching School Hub's area.
pub async fn outside_area(
    conn: &mut AsyncPgConnection,
    teaching_school_hub_id: Uuid,
    codes: &[String],
) -> diesel::QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Code {
        #[diesel(sql_type = Text)]
        code: String,
    }
    let outside: Vec<Code> = diesel::sql_query(
        "SELECT code FROM unnest($2::text[]) AS code
          WHERE NOT EXISTS (SELECT 1 FROM teaching_school_hub_areas
                             WHERE teaching_school_hub_id = $1 AND la_code = code)",
    )
    .bind::<SqlUuid, _>(teaching_school_hub_id)
    .bind::<Array<Text>, _>(codes)
    .load(conn)
    .await?;
    Ok(outside.into_iter().map(|row| row.code).collect())
}

/// Deletes the Teaching School Hub's endpoint and its deliveries; whether there was one.
pub async fn delete(
    conn: &mut AsyncPgConnection,
    teaching_school_hub_id: Uuid,
    id: Uuid,
) -> diesel::QueryResult<bool> {
    diesel::sql_query("DELETE FROM webhook_endpoints WHERE teaching_school_hub_id = $1 AND id = $2")
        .bind::<SqlUuid, _>(teaching_school_hub_id)
        .bind::<SqlUuid, _>(id)
        .execute(conn)
        .await
        .map(|deleted| deleted == 1)
}

/// Signs with `key` from now on, and with the key it replaces for `grace` more.
pub async fn rotate(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    key: &SigningKey,
    grace: std::time::Duration,
) -> diesel::QueryResult<EndpointRow> {
    diesel::sql_query(format!(
        "UPDATE webhook_endpoints
            SET previous_secret = secret, secret = $2,
                previous_secret_until = now() + make_interval(secs => $3), updated_at = now()
          WHERE id = $1
          RETURNING {ENDPOINT_COLUMNS}"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Bytea, _>(key.bytes())
    .bind::<Double, _>(grace.as_secs_f64())
    .get_result(conn)
    .await
}

/// An active endpoint behind the feed's frontier, locked while its events are handed out.
#[derive(Debug, QueryableByName)]
pub struct FollowingEndpoint {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub teaching_school_hub_id: Uuid,
    #[diesel(sql_type = Array<Text>)]
    pub event_types: Vec<ChangeKind>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    pub local_authorities: Option<Vec<String>>,
    #[diesel(sql_type = Text)]
    pub position_xid: String,
    #[diesel(sql_type = BigInt)]
    pub feed_event: i64,
}

impl FollowingEndpoint {
    pub fn position(&self) -> Result<FeedPosition, diesel::result::Error> {
        let xid = self
            .position_xid
            .parse()
            .map_err(|error| diesel::result::Error::DeserializationError(Box::new(error)))?;
        Ok(FeedPosition {
            xid,
            id: self.feed_event,
        })
    }

    pub fn filter(&self) -> FeedFilter {
        FeedFilter {
            kinds: Some(self.event_types.clone()),
            local_authorities: self.local_authorities.clone(),
        }
    }
}

/// Up to `limit` active endpoints whose position is before `frontier`, locked; those another
/// dispatcher holds are skipped.
pub async fn behind(
    conn: &mut AsyncPgConnection,
    frontier: FeedPosition,
    limit: i64,
) -> diesel::QueryResult<Vec<FollowingEndpoint>> {
    diesel::sql_query(
        "SELECT id, teaching_school_hub_id, event_types, local_authorities,
                feed_xid::text AS position_xid, feed_event
           FROM webhook_endpoints
          WHERE status = 'active' AND (feed_xid, feed_event) < ($1::xid8, $2)
          ORDER BY feed_xid, feed_event
          LIMIT $3
          FOR UPDATE SKIP LOCKED",
    )
    .bind::<Text, _>(frontier.xid.to_string())
    .bind::<BigInt, _>(frontier.id)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// An event to hand to an endpoint: its id, type and the body every attempt sends.
#[derive(Debug)]
pub struct Handed {
    pub event_id: i64,
    pub event_type: ChangeKind,
    pub payload: serde_json::Value,
}

/// Writes a delivery of each event to the endpoint and moves its position on to `to`.
pub async fn hand_over(
    conn: &mut AsyncPgConnection,
    endpoint_id: Uuid,
    events: Vec<Handed>,
    to: FeedPosition,
) -> diesel::QueryResult<()> {
    if !events.is_empty() {
        let mut ids = Vec::with_capacity(events.len());
        let mut event_ids = Vec::with_capacity(events.len());
        let mut types = Vec::with_capacity(events.len());
        let mut payloads = Vec::with_capacity(events.len());
        for event in events {
            ids.push(Uuid::now_v7());
            event_ids.push(event.event_id);
            types.push(event.event_type.as_str());
            payloads.push(event.payload);
        }
        diesel::sql_query(
            "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload)
             SELECT d.id, $1, d.event_id, d.event_type, d.payload
               FROM unnest($2, $3, $4, $5) AS d(id, event_id, event_type, payload)
             ON CONFLICT (endpoint_id, event_id) DO NOTHING",
        )
        .bind::<SqlUuid, _>(endpoint_id)
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<BigInt>, _>(event_ids)
        .bind::<Array<Text>, _>(types)
        .bind::<Array<Jsonb>, _>(payloads)
        .execute(conn)
        .await?;
    }
    diesel::sql_query(
        "UPDATE webhook_endpoints SET feed_xid = $2::xid8, feed_event = $3 WHERE id = $1",
    )
    .bind::<SqlUuid, _>(endpoint_id)
    .bind::<Text, _>(to.xid.to_string())
    .bind::<BigInt, _>(to.id)
    .execute(conn)
    .await
    .map(drop)
}

/// A delivery claimed for an attempt, with its endpoint's address and keys as they stand.
#[derive(Debug, QueryableByName)]
pub struct ClaimedDelivery {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub endpoint_id: Uuid,
    /// This attempt's number, 1 for the first.
    #[diesel(sql_type = Integer)]
    pub attempt: i32,
    /// The payload as sent, the same text on every attempt.
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Bytea)]
    pub secret: Vec<u8>,
    /// The key a rotation replaced, while it is still honoured.
    #[diesel(sql_type = Nullable<Bytea>)]
    pub previous_secret: Option<Vec<u8>>,
}

/// Claims up to `limit` deliveries due by `now` to active endpoints, locked until the
/// transaction ends (call it in one).
pub async fn claim(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> diesel::QueryResult<Vec<ClaimedDelivery>> {
    diesel::sql_query(
        "SELECT d.id, d.endpoint_id, d.attempts + 1 AS attempt, d.payload::text AS body, e.url,
                e.secret,
                CASE WHEN e.previous_secret_until > $1 THEN e.previous_secret END AS previous_secret
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND e.status = 'active'
          ORDER BY d.next_attempt_at
          LIMIT $2
          FOR UPDATE OF d SKIP LOCKED",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// How an attempt at a delivery ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempted {
    pub status: DeliveryStatus,
    /// The endpoint's answer, when it answered.
    pub response_status: Option<i32>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    /// For a delivery still pending: when to try again.
    pub retry_in: std::time::Duration,
}

/// Records each claimed delivery's attempt, and its endpoint's run of failures (ended by a
/// success, begun by a first failure); then disables the endpoints that have failed for
/// `disable_after` and tells their partners' people (`tell_disabled`). Answers how many
/// endpoints were disabled.
pub async fn record(
    conn: &mut AsyncPgConnection,
    attempts: &[(&ClaimedDelivery, Attempted)],
    disable_after: std::time::Duration,
) -> diesel::QueryResult<usize> {
    let mut ids = Vec::with_capacity(attempts.len());
    let mut endpoints = Vec::with_capacity(attempts.len());
    let mut numbers = Vec::with_capacity(attempts.len());
    let mut statuses = Vec::with_capacity(attempts.len());
    let mut codes = Vec::with_capacity(attempts.len());
    let mut excerpts = Vec::with_capacity(attempts.len());
    let mut errors = Vec::with_capacity(attempts.len());
    let mut waits = Vec::with_capacity(attempts.len());
    for (delivery, attempted) in attempts {
        ids.push(delivery.id);
        endpoints.push(delivery.endpoint_id);
        numbers.push(delivery.attempt);
        statuses.push(attempted.status.as_str());
        codes.push(attempted.response_status);
        excerpts.push(attempted.response_excerpt.clone());
        errors.push(attempted.error.clone());
        waits.push(attempted.retry_in.as_secs_f64());
    }
    diesel::sql_query(
        "WITH attempted AS (
           UPDATE webhook_deliveries d
              SET attempts = a.attempt, status = a.status, response_status = a.code,
                  response_excerpt = a.excerpt, last_error = a.error,
                  next_attempt_at = CASE WHEN a.status = 'pending'
                                         THEN now() + make_interval(secs => a.wait)
                                         ELSE d.next_attempt_at END,
                  finished_at = CASE WHEN a.status = 'pending' THEN NULL ELSE now() END
             FROM unnest($1, $2, $3, $4, $5, $6, $7, $8)
                  AS a(id, endpoint_id, attempt, status, code, excerpt, error, wait)
            WHERE d.id = a.id
           RETURNING a.endpoint_id, a.status = 'delivered' AS delivered)
         UPDATE webhook_endpoints e
            SET failing_since = CASE WHEN run.any_delivered THEN NULL
                                     ELSE coalesce(e.failing_since, now()) END
           FROM (SELECT endpoint_id, bool_or(delivered) AS any_delivered
                   FROM attempted GROUP BY endpoint_id) AS run
          WHERE e.id = run.endpoint_id",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<SqlUuid>, _>(&endpoints)
    .bind::<Array<Integer>, _>(numbers)
    .bind::<Array<Text>, _>(statuses)
    .bind::<Array<Nullable<Integer>>, _>(codes)
    .bind::<Array<Nullable<Text>>, _>(excerpts)
    .bind::<Array<Nullable<Text>>, _>(errors)
    .bind::<Array<Double>, _>(waits)
    .execute(conn)
    .await?;
    diesel::sql_query(TELL_DISABLED)
        .bind::<Array<SqlUuid>, _>(&endpoints)
        .bind::<Double, _>(disable_after.as_secs_f64())
        .execute(conn)
        .await
}

/// Disables the endpoints of `$1` that have failed for `$2` seconds and writes a
/// `webhook_disabled` message to each of their partner's people (its active partner
/// accounts, or else every active admin): one a person for each endpoint disabled.
const TELL_DISABLED: &str = "\
WITH disabled AS (
  UPDATE webhook_endpoints
     SET status = 'disabled', disabled_at = now(), updated_at = now()
   WHERE id = ANY($1) AND status = 'active'
     AND failing_since <= now() - make_interval(secs => $2)
  RETURNING id, teaching_school_hub_id, url, failing_since),
partner_people AS (
  SELECT u.id, u.teaching_school_hub_id FROM users u
   WHERE u.role = 'partner' AND u.disabled_at IS NULL
     AND u.teaching_school_hub_id IN (SELECT teaching_school_hub_id FROM disabled)),
told AS (
  SELECT d.*, p.id AS recipient_id FROM disabled d
    JOIN partner_people p ON p.teaching_school_hub_id = d.teaching_school_hub_id
  UNION ALL
  SELECT d.*, admin.id FROM disabled d
    JOIN users admin ON admin.role = 'admin' AND admin.disabled_at IS NULL
   WHERE NOT EXISTS (SELECT 1 FROM partner_people p
                      WHERE p.teaching_school_hub_id = d.teaching_school_hub_id))
INSERT INTO outbox_messages (id, kind, recipient_id, facts)
SELECT gen_random_uuid(), 'webhook_disabled', told.recipient_id,
       jsonb_build_object('endpoint', jsonb_build_object(
         'id', told.id, 'url', told.url, 'failing_since', told.failing_since,
         'teaching_school_hub', tsh.name))
  FROM told JOIN teaching_school_hubs tsh ON tsh.id = told.teaching_school_hub_id";

/// A delivery as its partner sees it.
#[derive(Debug, QueryableByName)]
pub struct DeliveryRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = BigInt)]
    pub event_id: i64,
    #[diesel(sql_type = Text)]
    pub event_type: ChangeKind,
    #[diesel(sql_type = Text)]
    pub status: DeliveryStatus,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    pub next_attempt_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub response_status: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub response_excerpt: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_error: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub finished_at: Option<DateTime<Utc>>,
}

const DELIVERY_COLUMNS: &str = "id, event_id, event_type, status, attempts, next_attempt_at, \
    response_status, response_excerpt, last_error, created_at, finished_at";

/// One page of an endpoint's deliveries, newest first, after the sort key `after`.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    endpoint_id: Uuid,
    status: Option<DeliveryStatus>,
    after: Option<&(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> diesel::QueryResult<Vec<DeliveryRow>> {
    let mut query = SqlBuilder::new(format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = "
    ))
    .bind::<SqlUuid, _>(endpoint_id);
    if let Some(status) = status {
        query = query.sql(" AND status = ").bind::<Text, _>(status);
    }
    query
        .newest_page_after("created_at, id", after, limit)
        .load(conn)
        .await
}

/// Puts a delivery of the endpoint back in line to be sent now under its id, its attempts
/// counted afresh; the delivery as it then stands, or `None` when the endpoint has none
/// such.
pub async fn redeliver(
    conn: &mut AsyncPgConnection,
    endpoint_id: Uuid,
    id: Uuid,
) -> diesel::QueryResult<Option<DeliveryRow>> {
    diesel::sql_query(format!(
        "UPDATE webhook_deliveries
            SET status = 'pending', attempts = 0, next_attempt_at = now(), finished_at = NULL
          WHERE endpoint_id = $1 AND id = $2
          RETURNING {DELIVERY_COLUMNS}"
    ))
    .bind::<SqlUuid, _>(endpoint_id)
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()
}
