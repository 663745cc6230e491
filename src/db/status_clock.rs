//! Moves work groups on as time passes: closed once the expression-of-interest deadline is
//! over, running from the first session, completed after the last (cancelled sessions do
//! not count: they do not take place), by the rules of `domain::lifecycle::by_time`. Every
//! server process ticks; each move is made under the group's row lock and only if still due,
//! so processes ticking at once move each group once, and a session moved meanwhile is seen.
//! Completing a group completes, in the same transaction, the enrolments whose attendance
//! meets the project's rule (`db::completion`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::sql_types::{Nullable, Text, Timestamptz, Uuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::db::sql::SqlBuilder;
use crate::db::{DbPool, audit, completion, work_group_writes};
use crate::domain::WorkGroupStatus;
use crate::domain::lifecycle::{self, Timeline};
use crate::error::ApiError;

#[derive(diesel::QueryableByName)]
struct Candidate {
    #[diesel(sql_type = Uuid)]
    id: uuid::Uuid,
}

#[derive(diesel::QueryableByName)]
struct TimelineRow {
    #[diesel(sql_type = Text)]
    status: WorkGroupStatus,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    eoi_deadline: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    first_session_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_session_ends_at: Option<DateTime<Utc>>,
}

/// Moves every group whose time has come; answers how many moved.
pub async fn tick(pool: &DbPool) -> Result<usize, ApiError> {
    tick_at(pool, Utc::now()).await
}

/// Moves every group whose time has come by `now`; answers how many moved.
pub async fn tick_at(pool: &DbPool, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let mut conn = pool.get().await?;
    // Published groups with a deadline or a first session passed: a superset of those due.
    let candidates: Vec<Candidate> = SqlBuilder::new(
        "SELECT id FROM work_groups \
          WHERE status IN ('open', 'full', 'closed', 'running') \
            AND (eoi_deadline <= ",
    )
    .bind::<Timestamptz, _>(now)
    .sql(" OR first_session_at <= ")
    .bind::<Timestamptz, _>(now)
    .sql(") ORDER BY id")
    .load(&mut conn)
    .await?;
    let mut moved = 0;
    for candidate in candidates {
        if move_if_due(&mut conn, candidate.id, now).await? {
            moved += 1;
        }
    }
    Ok(moved)
}

/// Ticks every `period` for as long as the server runs.
pub async fn tick_every(pool: DbPool, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    loop {
        ticks.tick().await;
        match tick(&pool).await {
            Ok(0) => {}
            Ok(moved) => log::info!("status clock: {moved} work group(s) moved on"),
            Err(error) => log::warn!("status clock failed (retried next time): {error}"),
        }
    }
}

/// Moves one group if, under its lock, its time has come; audited (with no actor) and added
/// to the change feed.
async fn move_if_due(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let row: Option<TimelineRow> = SqlBuilder::new(
            "SELECT status, eoi_deadline, first_session_at, \
                    (SELECT max(ends_at) FROM sessions \
                      WHERE work_group_id = wg.id AND cancelled_at IS NULL) AS last_session_ends_at \
               FROM work_groups wg WHERE id = ",
        )
        .bind::<Uuid, _>(id)
        .sql(" FOR NO KEY UPDATE")
        .get_result(conn)
        .await
        .optional()?;
        let Some(row) = row else {
            return Ok(false);
        };
        let timeline = Timeline {
            status: row.status,
            eoi_deadline: row.eoi_deadline,
            first_session_at: row.first_session_at,
            last_session_ends_at: row.last_session_ends_at,
        };
        let Some(change) = lifecycle::by_time(&timeline, now) else {
            return Ok(false);
        };
        work_group_writes::set_status(conn, id, change.after, None).await?;
        if change.completes() {
            completion::settle(conn, id, None).await?;
        }
        audit::record(
            conn,
            None,
            "work_group.status_changed",
            "work_group",
            &id.to_string(),
            serde_json::json!({"before": change.before, "after": change.after, "reason": "time"}),
        )
        .await?;
        if let Some(kind) = change.event {
            let details = serde_json::json!({"status": change.after});
            work_group_writes::record_event(conn, id, kind, details).await?;
        }
        Ok(true)
    })
    .await
}
