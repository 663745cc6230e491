//! The change feed partner sites follow: the events of the work groups of the hubs serving a
//! Teaching School Hub's area, read after a position and never past a transaction still in
//! flight, so that a reader polling while groups change neither skips nor repeats an event.
//!
//! Why (xid, id) and the snapshot's xmin: an event's id is taken when it is inserted, but it
//! becomes visible when its transaction commits, so a lower id can appear after a higher one
//! was read. Every transaction whose id (`xid`) is below the snapshot's `xmin` has ended, so
//! the events below it are final: none will ever join them. Reading only those, in (xid, id)
//! order, anything that becomes final later has an xid at or above the `xmin` of every earlier
//! read and so sorts after every event handed out: a position (xid, id) is a clean cut.
//!
//! For one work group, (xid, id) order is the order its changes were made: every transaction
//! that records an event takes the group's row lock before any other write, and PostgreSQL
//! gives a transaction its xid at its first write (here, taking that lock), so a later change
//! of the group has a later xid. `work_group_writes::record_event` says so to its callers.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::prelude::QueryableByName;
use diesel::sql_types::{BigInt, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::json::Json;
use crate::domain::{ChangeKind, WorkGroupStatus};

/// A place in the feed: just after the event with this transaction id and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FeedPosition {
    pub xid: u64,
    pub id: i64,
}

impl FeedPosition {
    /// Before every event.
    pub const START: Self = Self { xid: 0, id: 0 };
}

/// An event with the work group it concerns, as the group stands now.
#[derive(Debug, QueryableByName)]
pub struct FeedEventRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// `xid8` as text: Diesel has no type for it.
    #[diesel(sql_type = Text)]
    pub xid: String,
    #[diesel(sql_type = Text)]
    pub kind: ChangeKind,
    #[diesel(sql_type = Timestamptz)]
    pub occurred_at: DateTime<Utc>,
    #[diesel(sql_type = Jsonb)]
    pub details: Json<EventDetailsRow>,
    #[diesel(sql_type = SqlUuid)]
    pub work_group_id: Uuid,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub hub_slug: String,
    #[diesel(sql_type = Text)]
    pub hub_name: String,
    #[diesel(sql_type = Text)]
    pub status: WorkGroupStatus,
    #[diesel(sql_type = Nullable<Integer>)]
    pub capacity: Option<i32>,
    #[diesel(sql_type = Integer)]
    pub accepted_count: i32,
}

impl FeedEventRow {
    pub fn position(&self) -> Result<FeedPosition, diesel::result::Error> {
        Ok(FeedPosition {
            xid: parse_xid(&self.xid)?,
            id: self.id,
        })
    }
}

/// What the writers record in an event's details (`record_event`). Only these keys are read,
/// so nothing else a writer might add there reaches partners.
#[derive(Debug, Default, serde::Deserialize)]
pub struct EventDetailsRow {
    pub status: Option<WorkGroupStatus>,
    pub places_left: Option<i32>,
    pub reason: Option<String>,
    pub session_id: Option<Uuid>,
    pub change: Option<String>,
}

/// One read of the feed: events after the position, and the position to read on from.
#[derive(Debug)]
pub struct FeedPage {
    pub events: Vec<FeedEventRow>,
    /// After the last event read, or, when fewer than asked were left, after the last final
    /// event of any area: the events between are none of this reader's business.
    pub next: FeedPosition,
}

/// The hubs serving any authority of the Teaching School Hub's area now.
const AREA_HUBS: &str = "\
SELECT cover.hub_id
  FROM teaching_school_hub_areas area
  JOIN local_authorities la ON la.gss_code = area.la_code
  JOIN hub_local_authorities cover
    ON cover.la_code = coalesce(la.parent_gss_code, la.gss_code) AND cover.covered_until IS NULL
 WHERE area.teaching_school_hub_id = $1";

/// Final events after (`$2`, `$3`) of the groups of the area's hubs, at most `$4`.
fn events_query() -> String {
    format!(
        "\
SELECT e.id, e.xid::text AS xid, e.kind, e.occurred_at, e.details, wg.id AS work_group_id, wg.code,
       wg.title, hub.slug AS hub_slug, hub.name AS hub_name, wg.status, wg.capacity, wg.accepted_count
  FROM work_group_events e
  JOIN work_groups wg ON wg.id = e.work_group_id
  JOIN hubs hub ON hub.id = wg.hub_id
 WHERE e.xid < pg_snapshot_xmin(pg_current_snapshot())
   AND (e.xid, e.id) > ($2::xid8, $3)
   AND wg.hub_id IN ({AREA_HUBS})
 ORDER BY e.xid, e.id
 LIMIT $4"
    )
}

#[derive(Debug, QueryableByName)]
struct PositionRow {
    #[diesel(sql_type = Text)]
    xid: String,
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The last final event of the whole feed, if any.
const LAST_FINAL: &str = "\
SELECT xid::text AS xid, id FROM work_group_events
 WHERE xid < pg_snapshot_xmin(pg_current_snapshot())
 ORDER BY xid DESC, id DESC
 LIMIT 1";

/// Up to `limit` events of the area after `after`. Both reads share one snapshot (repeatable
/// read), so the position read on from covers exactly what the page saw as final.
pub async fn page(
    conn: &mut AsyncPgConnection,
    teaching_school_hub_id: Uuid,
    after: FeedPosition,
    limit: i64,
) -> diesel::QueryResult<FeedPage> {
    let events_sql = events_query();
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |conn| {
            let events: Vec<FeedEventRow> = diesel::sql_query(&events_sql)
                .bind::<SqlUuid, _>(teaching_school_hub_id)
                .bind::<Text, _>(after.xid.to_string())
                .bind::<BigInt, _>(after.id)
                .bind::<BigInt, _>(limit)
                .load(conn)
                .await?;
            let next = match events.last() {
                Some(last) if events.len() as i64 == limit => last.position()?,
                _ => {
                    let last_final: Option<PositionRow> =
                        diesel::sql_query(LAST_FINAL).get_result(conn).await.optional()?;
                    match last_final {
                        Some(row) => after.max(FeedPosition {
                            xid: parse_xid(&row.xid)?,
                            id: row.id,
                        }),
                        None => after,
                    }
                }
            };
            Ok(FeedPage { events, next })
        })
        .await
}

/// Whether an event stands at this position (the start always does): positions come from
/// cursors, which name the event they follow.
pub async fn is_position(
    conn: &mut AsyncPgConnection,
    position: FeedPosition,
) -> diesel::QueryResult<bool> {
    if position == FeedPosition::START {
        return Ok(true);
    }
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let found: Found = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM work_group_events WHERE id = $1 AND xid = $2::xid8) AS found",
    )
    .bind::<BigInt, _>(position.id)
    .bind::<Text, _>(position.xid.to_string())
    .get_result(conn)
    .await?;
    Ok(found.found)
}

fn parse_xid(text: &str) -> Result<u64, diesel::result::Error> {
    text.parse()
        .map_err(|error| diesel::result::Error::DeserializationError(Box::new(error)))
}
