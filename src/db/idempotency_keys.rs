//! `Idempotency-Key` records: which request a caller's key stands for, and its answer. A key
//! is recorded with its answer in the transaction that makes the change it answers, and held
//! while that transaction runs by a transaction-scoped advisory lock, so every server process
//! sharing the database agrees on who runs a request, and a record exists exactly when its
//! change was committed.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Bytea, Double, Jsonb, SmallInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::idempotency_keys;
use crate::db::sql::reused;

/// How long a key is remembered (SPEC: at least 24 hours).
pub const KEEP_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// One request, as its key is matched against: a key sent again with another request is
/// refused rather than replayed.
pub struct Request<'a> {
    pub caller: &'a str,
    pub key: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    /// SHA-256 of the body.
    pub fingerprint: &'a [u8],
}

/// What a key is doing when a request holds it.
#[derive(Debug)]
pub enum Held {
    /// The key is this request's until its transaction ends: run it, and `record` its answer.
    Free,
    /// The key stands for another request (another path, method or body).
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
    /// The first request with this key succeeded: its answer, to send again.
    Replay(StoredAnswer),
}

/// A successful answer, kept to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnswer {
    pub status: u16,
    /// Headers worth replaying (the location of what was created), as name and value.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
struct KeyRow {
    request_method: String,
    request_path: String,
    request_hash: Vec<u8>,
    response_status: i16,
    response_headers: serde_json::Value,
    response_body: Vec<u8>,
}

#[derive(QueryableByName)]
struct Lock {
    #[diesel(sql_type = Bool)]
    held: bool,
}

/// Holds `request.key` for the rest of the transaction on `conn` (which must be in one), and
/// says what the key's record, if any, means for this request. Must run before the request
/// changes anything, so that a replay or a refusal changes nothing.
pub async fn hold(conn: &AsyncPgConnection, request: &Request<'_>) -> QueryResult<Held> {
    // Two statements, pipelined into one round trip: PostgreSQL runs them in turn, so the
    // read's snapshot is taken after the lock is held and sees the record a request that
    // held the lock before committed (in one statement it could miss it).
    let (lock, row) = tokio::join!(take_lock(conn, request), live_record(conn, request));
    if !lock? {
        return Ok(Held::InFlight);
    }
    Ok(row?.map_or(Held::Free, |row| judge(row, request)))
}

/// Takes the key's lock for the transaction, or says it is taken. The lock's space is the
/// table's own OID (the two-key form, apart from the single-key locks elsewhere). It is never
/// waited for: a request that finds it taken answers 409 at once. It goes with the
/// transaction, so a request whose process dies frees its key.
async fn take_lock(mut conn: &AsyncPgConnection, request: &Request<'_>) -> QueryResult<bool> {
    let lock: Lock = reused(
        diesel::sql_query(
            "SELECT pg_try_advisory_xact_lock('idempotency_keys'::regclass::oid::integer, \
                                              hashtext($1 || ' ' || $2)) AS held",
        )
        .bind::<Text, _>(request.caller)
        .bind::<Text, _>(request.key),
    )
    .get_result(&mut conn)
    .await?;
    Ok(lock.held)
}

/// The key's record, unless it has expired.
async fn live_record(
    mut conn: &AsyncPgConnection,
    request: &Request<'_>,
) -> QueryResult<Option<KeyRow>> {
    idempotency_keys::table
        .find((request.caller, request.key))
        .filter(idempotency_keys::expires_at.gt(diesel::dsl::now))
        .select(KeyRow::as_select())
        .first(&mut conn)
        .await
        .optional()
}

fn judge(row: KeyRow, request: &Request<'_>) -> Held {
    if row.request_method != request.method
        || row.request_path != request.path
        || row.request_hash != request.fingerprint
    {
        return Held::Mismatch;
    }
    Held::Replay(StoredAnswer {
        status: u16::try_from(row.response_status).unwrap_or(500),
        headers: serde_json::from_value(row.response_headers).unwrap_or_default(),
        body: row.response_body,
    })
}

/// Records the answer of the request holding its key (`hold` answered `Free`), in the
/// request's own transaction; replaces a record of the key that has expired.
pub async fn record(
    conn: &mut AsyncPgConnection,
    request: &Request<'_>,
    answer: &StoredAnswer,
) -> QueryResult<()> {
    reused(
        diesel::sql_query(
            "INSERT INTO idempotency_keys AS k \
               (caller, key, request_method, request_path, request_hash, response_status, \
                response_headers, response_body, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), now() + make_interval(secs => $9)) \
             ON CONFLICT (caller, key) DO UPDATE SET \
               request_method = EXCLUDED.request_method, request_path = EXCLUDED.request_path, \
               request_hash = EXCLUDED.request_hash, response_status = EXCLUDED.response_status, \
               response_headers = EXCLUDED.response_headers, response_body = EXCLUDED.response_body, \
               created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at \
             WHERE k.expires_at <= now()",
        )
        .bind::<Text, _>(request.caller)
        .bind::<Text, _>(request.key)
        .bind::<Text, _>(request.method)
        .bind::<Text, _>(request.path)
        .bind::<Bytea, _>(request.fingerprint)
        .bind::<SmallInt, _>(i16::try_from(answer.status).unwrap_or(500))
        .bind::<Jsonb, _>(serde_json::json!(answer.headers))
        .bind::<Bytea, _>(&answer.body)
        .bind::<Double, _>(KEEP_FOR.as_secs_f64()),
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
