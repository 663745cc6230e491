//! Fixed-window attempt counters in PostgreSQL, so every server process behind a load
//! balancer counts against the same limits.

use std::time::Duration;

use diesel::sql_types::{Array, Double, Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::sql::{NO_FLUSH_WAIT, SqlBuilder};

#[derive(Debug, diesel::prelude::QueryableByName)]
pub struct WindowRow {
    #[diesel(sql_type = Text)]
    pub key: String,
    /// Attempts in the current window, this one included.
    #[diesel(sql_type = Integer)]
    pub hits: i32,
    /// Whole seconds until the window ends (at least 1).
    #[diesel(sql_type = Integer)]
    pub seconds_left: i32,
}

/// Counts one attempt against each key, starting a new window for keys whose window has
/// passed. Keys are taken in sorted order, so concurrent calls lock rows in the same order
/// and cannot deadlock. The count commits without waiting for the WAL flush: one lost in a
/// crash only lets one more attempt through.
pub async fn hit(
    conn: &mut AsyncPgConnection,
    keys: &[String],
    window: Duration,
) -> diesel::QueryResult<Vec<WindowRow>> {
    let mut keys = keys.to_vec();
    keys.sort();
    keys.dedup();
    SqlBuilder::new(
        "INSERT INTO rate_limit_windows AS w (key, started_at, hits) \
         SELECT key, now(), 1 FROM unnest(",
    )
    .bind::<Array<Text>, _>(keys)
    .sql("::text[]) AS key CROSS JOIN ")
    .sql(NO_FLUSH_WAIT)
    .sql(
        " ORDER BY key \
         ON CONFLICT (key) DO UPDATE SET \
           started_at = CASE WHEN w.started_at <= now() - make_interval(secs => ",
    )
    .bind::<Double, _>(window.as_secs_f64())
    .sql(
        ") THEN now() ELSE w.started_at END, \
           hits = CASE WHEN w.started_at <= now() - make_interval(secs => ",
    )
    .bind::<Double, _>(window.as_secs_f64())
    .sql(
        ") THEN 1 ELSE w.hits + 1 END \
         RETURNING w.key, w.hits, \
           greatest(1, ceil(extract(epoch FROM w.started_at + make_interval(secs => ",
    )
    .bind::<Double, _>(window.as_secs_f64())
    .sql(") - now())))::integer AS seconds_left")
    .load(conn)
    .await
}

/// Forgets windows that started more than `age` ago (long over: windows last minutes).
pub async fn forget_before(
    conn: &mut AsyncPgConnection,
    age: Duration,
) -> diesel::QueryResult<usize> {
    SqlBuilder::new(
        "DELETE FROM rate_limit_windows WHERE started_at < now() - make_interval(secs => ",
    )
    .bind::<Double, _>(age.as_secs_f64())
    .sql(")")
    .execute(conn)
    .await
}
