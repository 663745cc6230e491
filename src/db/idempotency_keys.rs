//! `Idempotency-Key` records: which creating request a caller's key stands for, and its
//! answer once it succeeded. Claims are single statements, so every server process sharing the
//! database agrees on who runs a request and what a retry gets.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bytea, Double, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::idempotency_keys;
use crate::db::sql::{NO_FLUSH_WAIT, SqlBuilder, reused};

/// How long a key is remembered (SPEC: at least 24 hours).
pub const KEEP_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a request may hold its key before a retry may take it over: longer than any
/// request runs (statement and pool timeouts are seconds), so only a request whose process
/// died is taken over.
pub const IN_FLIGHT_FOR: Duration = Duration::from_secs(120);

/// One request, as its key is matched against: a key sent again with another request is
/// refused rather than replayed.
pub struct Request<'a> {
    pub caller: &'a str,
    pub key: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    /// SHA-256 of the method, path and body.
    pub fingerprint: &'a [u8],
}

/// What a key is doing when a request claims it.
#[derive(Debug)]
pub enum Claim {
    /// The key is this request's: run it, then `complete` or `release` with this token.
    Claimed(ClaimToken),
    /// The key stands for another request (another path, method or body).
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
    /// The first request with this key succeeded: its answer, to send again.
    Replay(StoredAnswer),
}

/// Which claim of a key a request holds, so a request whose key was taken over (after
/// `IN_FLIGHT_FOR`) cannot overwrite its successor's record.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct ClaimToken {
    #[diesel(sql_type = Timestamptz)]
    claimed_at: DateTime<Utc>,
}

/// A successful answer, kept to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnswer {
    pub status: u16,
    /// Headers worth replaying (content type, location, entity tag), as name and value.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
struct KeyRow {
    request_method: String,
    request_path: String,
    request_hash: Vec<u8>,
    response_status: Option<i16>,
    response_headers: Option<serde_json::Value>,
    response_body: Option<Vec<u8>>,
}

/// Claims `request.key` for this request: a new key, one expired, or one whose request died
/// in flight becomes this request's; otherwise the key's record says what to answer.
pub async fn claim(mut conn: &AsyncPgConnection, request: &Request<'_>) -> QueryResult<Claim> {
    // A claimed key can be released (its request failed) between the two statements below:
    // then claiming again succeeds, so a second round always decides.
    for _ in 0..2 {
        if let Some(token) = take(conn, request).await? {
            return Ok(Claim::Claimed(token));
        }
        let row: Option<KeyRow> = idempotency_keys::table
            .find((request.caller, request.key))
            .select(KeyRow::as_select())
            .first(&mut conn)
            .await
            .optional()?;
        if let Some(row) = row {
            return Ok(judge(row, request));
        }
    }
    Ok(Claim::InFlight)
}

/// Inserts the key, or takes over an expired or abandoned record of it; `None` when the key
/// is held by a live record. The claim commits without waiting for the WAL flush: a crash can
/// lose it only before the request's own transaction commits, which flushes it too.
async fn take(
    mut conn: &AsyncPgConnection,
    request: &Request<'_>,
) -> QueryResult<Option<ClaimToken>> {
    SqlBuilder::new(
        "INSERT INTO idempotency_keys AS k \
           (caller, key, request_method, request_path, request_hash, created_at, expires_at) \
         SELECT ",
    )
    .bind::<Text, _>(request.caller.to_owned())
    .sql(", ")
    .bind::<Text, _>(request.key.to_owned())
    .sql(", ")
    .bind::<Text, _>(request.method.to_owned())
    .sql(", ")
    .bind::<Text, _>(request.path.to_owned())
    .sql(", ")
    .bind::<Bytea, _>(request.fingerprint.to_vec())
    .sql(", clock_timestamp(), now() + make_interval(secs => ")
    .bind::<Double, _>(KEEP_FOR.as_secs_f64())
    .sql(") FROM ")
    .sql(NO_FLUSH_WAIT)
    .sql(
        " ON CONFLICT (caller, key) DO UPDATE SET \
           request_method = EXCLUDED.request_method, request_path = EXCLUDED.request_path, \
           request_hash = EXCLUDED.request_hash, state = 'in_progress', response_status = NULL, \
           response_headers = NULL, response_body = NULL, \
           created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at \
         WHERE k.expires_at <= now() \
            OR (k.state = 'in_progress' AND k.created_at < now() - make_interval(secs => ",
    )
    .bind::<Double, _>(IN_FLIGHT_FOR.as_secs_f64())
    .sql(")) RETURNING k.created_at AS claimed_at")
    .get_result(&mut conn)
    .await
    .optional()
}

fn judge(row: KeyRow, request: &Request<'_>) -> Claim {
    if row.request_method != request.method
        || row.request_path != request.path
        || row.request_hash != request.fingerprint
    {
        return Claim::Mismatch;
    }
    match (row.response_status, row.response_body) {
        (Some(status), Some(body)) => Claim::Replay(StoredAnswer {
            status: u16::try_from(status).unwrap_or(500),
            headers: row
                .response_headers
                .and_then(|headers| serde_json::from_value(headers).ok())
                .unwrap_or_default(),
            body,
        }),
        _ => Claim::InFlight,
    }
}

/// Records the answer of the request holding `token`, to replay for retries.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    caller: &str,
    key: &str,
    token: ClaimToken,
    answer: &StoredAnswer,
) -> QueryResult<()> {
    // Runs after every creating POST: prepared once per connection.
    reused(
        diesel::update(
            idempotency_keys::table
                .find((caller, key))
                .filter(idempotency_keys::created_at.eq(token.claimed_at)),
        )
        .set((
            idempotency_keys::state.eq("completed"),
            idempotency_keys::response_status.eq(i16::try_from(answer.status).unwrap_or(500)),
            idempotency_keys::response_headers.eq(serde_json::json!(answer.headers)),
            idempotency_keys::response_body.eq(&answer.body),
        )),
    )
    .execute(conn)
    .await
    .map(drop)
}

/// Forgets the key held by `token`: its request created nothing, so a retry (perhaps with a
/// corrected body) runs afresh.
pub async fn release(
    conn: &mut AsyncPgConnection,
    caller: &str,
    key: &str,
    token: ClaimToken,
) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .find((caller, key))
            .filter(idempotency_keys::created_at.eq(token.claimed_at)),
    )
    .execute(conn)
    .await
    .map(drop)
}

/// Forgets keys that expired (housekeeping).
pub async fn forget_expired(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table.filter(idempotency_keys::expires_at.le(diesel::dsl::now)),
    )
    .execute(conn)
    .await
}
