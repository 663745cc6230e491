//! The change feed partner sites follow: the events of the work groups of the hubs serving a
//! Teaching School Hub's area, read after a position up to a frontier that no event still to
//! come can fall behind, so that a reader polling while groups change neither skips nor
//! repeats an event.
//!
//! Why a frontier: an event's id is taken when it is inserted but becomes visible when its
//! transaction commits, so reading "after the last id" would skip a lower id committed late.
//! Events are ordered by (`feed_xid`, id) instead, where `feed_xid` is at least the inserting
//! transaction's id (migration `2026-11-24-000010_signposting`). Every transaction below a
//! snapshot's `xmin` has ended, and every transaction still running or yet to start has an id
//! at or above it: so the events whose `feed_xid` is below `xmin` are final, and any event to
//! come sorts after them all. The frontier is the last of them; a position is a clean cut.
//!
//! A group's events keep the order of its changes: they are inserted under the group's row
//! lock, and `feed_xid` carries the group's previous event's forward when it is higher (a
//! transaction's own id would not do: one waiting for the lock gets its id when woken and may
//! still lose the lock to one that came later).

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::prelude::QueryableByName;
use diesel::sql_types::{
    Array, BigInt, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::json::Json;
use crate::domain::{ChangeKind, WorkGroupStatus};

/// A place in the feed: just after the event with this `feed_xid` and id.
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
    /// `feed_xid` as text, Diesel having no type for `xid8`. Named apart from the column: an
    /// output name would take its place in `ORDER BY`, sorting "999" after "1000".
    #[diesel(sql_type = Text)]
    pub position_xid: String,
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
        position(&self.position_xid, self.id)
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
    /// After the last event read or, when fewer than asked were left, the frontier: the
    /// events up to it are none of this reader's business.
    pub next: FeedPosition,
}

/// The frontier: the last event whose `feed_xid` is below every transaction still running.
const FRONTIER: &str = "\
SELECT feed_xid::text AS position_xid, id FROM work_group_events
 WHERE feed_xid < pg_snapshot_xmin(pg_current_snapshot())
 ORDER BY feed_xid DESC, id DESC
 LIMIT 1";

/// At most `$6` events after (`$2`, `$3`) up to the frontier (`$4`, `$5`), of the public groups
/// of the hubs serving any authority of the Teaching School Hub's (`$1`) area now (an event of
/// a group no longer public, such as a draft abandoned before it opened, stays in the table
/// for the cursors naming it, but is not handed out); only of the kinds `$7` and the
/// authorities `$8` of the area, where they are given.
const EVENTS: &str = "\
SELECT e.id, e.feed_xid::text AS position_xid, e.kind, e.occurred_at, e.details, wg.id AS work_group_id,
       wg.code, wg.title, hub.slug AS hub_slug, hub.name AS hub_name, wg.status, wg.capacity,
       wg.accepted_count
  FROM work_group_events e
  JOIN work_groups wg ON wg.id = e.work_group_id
  JOIN hubs hub ON hub.id = wg.hub_id
 WHERE (e.feed_xid, e.id) > ($2::xid8, $3) AND (e.feed_xid, e.id) <= ($4::xid8, $5)
   AND wg.is_public
   AND wg.hub_id IN (SELECT cover.hub_id
                       FROM teaching_school_hub_areas area
                       JOIN local_authorities la ON la.gss_code = area.la_code
                       JOIN hub_local_authorities cover
                         ON cover.la_code = coalesce(la.parent_gss_code, la.gss_code)
                        AND cover.covered_until IS NULL
                      WHERE area.teaching_school_hub_id = $1
                        AND ($8::text[] IS NULL OR area.la_code = ANY($8)))
   AND ($7::text[] IS NULL OR e.kind = ANY($7))
 ORDER BY e.feed_xid, e.id
 LIMIT $6";

#[derive(Debug, QueryableByName)]
struct PositionRow {
    #[diesel(sql_type = Text)]
    position_xid: String,
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Which of an area's events a reader wants: `None` for all.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    pub kinds: Option<Vec<ChangeKind>>,
    pub local_authorities: Option<Vec<String>>,
}

/// Up to `limit` events of the area after `after`. The frontier is read first: everything up
/// to it is final, so the events read next (on a newer snapshot) are just as it saw them.
pub async fn page(
    conn: &mut AsyncPgConnection,
    teaching_school_hub_id: Uuid,
    after: FeedPosition,
    limit: i64,
) -> diesel::QueryResult<FeedPage> {
    let upto = frontier(conn).await?.max(after);
    read(
        conn,
        teaching_school_hub_id,
        &FeedFilter::default(),
        (after, upto),
        limit,
    )
    .await
}

/// The last position no event still to come can fall behind (the start, before any event).
pub async fn frontier(conn: &mut AsyncPgConnection) -> diesel::QueryResult<FeedPosition> {
    match diesel::sql_query(FRONTIER)
        .get_result::<PositionRow>(conn)
        .await
        .optional()?
    {
        Some(row) => position(&row.position_xid, row.id),
        None => Ok(FeedPosition::START),
    }
}

/// Up to `limit` of the area's events wanted by `filter` after the first position of
/// `between` and up to its second, a frontier read before.
pub async fn read(
    conn: &mut AsyncPgConnection,
    teaching_school_hub_id: Uuid,
    filter: &FeedFilter,
    (after, upto): (FeedPosition, FeedPosition),
    limit: i64,
) -> diesel::QueryResult<FeedPage> {
    let kinds = filter
        .kinds
        .as_ref()
        .map(|kinds| kinds.iter().map(|kind| kind.as_str()).collect::<Vec<_>>());
    let events: Vec<FeedEventRow> = diesel::sql_query(EVENTS)
        .bind::<SqlUuid, _>(teaching_school_hub_id)
        .bind::<Text, _>(after.xid.to_string())
        .bind::<BigInt, _>(after.id)
        .bind::<Text, _>(upto.xid.to_string())
        .bind::<BigInt, _>(upto.id)
        .bind::<BigInt, _>(limit)
        .bind::<Nullable<Array<Text>>, _>(kinds)
        .bind::<Nullable<Array<Text>>, _>(filter.local_authorities.as_deref())
        .load(conn)
        .await?;
    let next = match events.last() {
        Some(last) if events.len() as i64 == limit => last.position()?,
        _ => upto,
    };
    Ok(FeedPage { events, next })
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
        "SELECT EXISTS (SELECT 1 FROM work_group_events WHERE id = $1 AND feed_xid = $2::xid8) AS found",
    )
    .bind::<BigInt, _>(position.id)
    .bind::<Text, _>(position.xid.to_string())
    .get_result(conn)
    .await?;
    Ok(found.found)
}

fn position(feed_xid: &str, id: i64) -> Result<FeedPosition, diesel::result::Error> {
    let xid = feed_xid
        .parse()
        .map_err(|error| diesel::result::Error::DeserializationError(Box::new(error)))?;
    Ok(FeedPosition { xid, id })
}
