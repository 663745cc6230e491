//! `/partners/me/changes`: the change feed a partner site follows to stay in step with the
//! work groups of its area (the groups of the hubs serving any authority of it) without
//! reading everything again: each change once, in order, after an opaque cursor that never
//! skips or repeats one, however the groups change meanwhile (`db::change_feed` says why).

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::refs::HubRef;
use crate::api::signposting::TAG;
use crate::auth::Caller;
use crate::auth::policy::own_area;
use crate::db::DbPool;
use crate::db::change_feed::{self as queries, EventDetailsRow, FeedEventRow, FeedPosition};
use crate::domain::lifecycle;
use crate::domain::{ChangeKind, LondonTime, ParseError, WorkGroupStatus};
use crate::error::ApiError;
use crate::http::extract::cursor::{CursorKey, document_pattern};
use crate::http::extract::deferred::Deferred;
use crate::http::extract::paging::{
    DEFAULT_LIMIT, FieldErrors, Filters, QueryParameters, parse_limit,
};

/// A work group a change concerns, as it stands now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedWorkGroup {
    pub id: Uuid,
    #[schema(example = "LNE26-94-01")]
    pub code: String,
    #[schema(example = "Years 5–8 Continuity")]
    pub title: String,
    pub hub: HubRef,
    pub status: WorkGroupStatus,
    #[schema(example = 23)]
    pub places_left: Option<i32>,
}

/// What the change was, as recorded when it happened; fields a change does not concern are
/// `null`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeDetails {
    /// The group's status after the change.
    pub status: Option<WorkGroupStatus>,
    /// Places left after a change of places.
    #[schema(example = 23)]
    pub places_left: Option<i32>,
    /// Why the group was cancelled.
    pub reason: Option<String>,
    /// The session a change of sessions concerns (it may since have been removed).
    pub session_id: Option<Uuid>,
    /// What happened to that session: `session.created`, `session.updated` or `session.deleted`.
    #[schema(example = "session.updated")]
    pub change: Option<String>,
}

impl From<EventDetailsRow> for ChangeDetails {
    fn from(row: EventDetailsRow) -> Self {
        Self {
            status: row.status,
            places_left: row.places_left,
            reason: row.reason,
            session_id: row.session_id,
            change: row.change,
        }
    }
}

/// One change of a work group.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    /// The change's number (not its place: the feed's order is given by the cursors).
    #[schema(example = 42)]
    pub id: i64,
    /// Pass as `since` to read on after this change.
    #[schema(example = "912.42")]
    pub cursor: String,
    pub kind: ChangeKind,
    pub occurred_at: LondonTime,
    pub work_group: ChangedWorkGroup,
    pub details: ChangeDetails,
}

/// A change as a webhook delivers it: the feed's item, in the Standard Webhooks envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeEvent {
    /// The change's kind, as the endpoint's `event_types` name it.
    #[serde(rename = "type")]
    pub event_type: ChangeKind,
    /// When the change happened.
    pub timestamp: LondonTime,
    /// The change, as `GET /partners/me/changes` shows it.
    pub data: Change,
}

impl TryFrom<FeedEventRow> for ChangeEvent {
    type Error = ApiError;

    fn try_from(row: FeedEventRow) -> Result<Self, ApiError> {
        let data = Change::try_from(row)?;
        Ok(Self {
            event_type: data.kind,
            timestamp: data.occurred_at,
            data,
        })
    }
}

/// Changes after a cursor, in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    pub items: Vec<Change>,
    /// Pass as `since` on the next poll, even when `items` is empty: it only ever moves on.
    #[schema(example = "912.42")]
    pub next_cursor: String,
}

/// The query of `GET /partners/me/changes`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// A `cursor` or `next_cursor` this feed gave; leave out to read from the first change.
    #[param(value_type = Option<String>, example = "912.42")]
    since: Option<String>,
    /// Changes per read, 1 to 100.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100, default = 20, example = 20)]
    limit: Option<String>,
}

#[derive(Debug)]
pub struct ChangesRequest {
    since: Option<FeedPosition>,
    limit: Option<i64>,
}

impl Filters for ChangesRequest {
    type Raw = ChangesQuery;

    fn parse(raw: ChangesQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            since: errors.parse("since", raw.since, decode_cursor),
            limit: errors.parse("limit", raw.limit, parse_limit),
        })
    }
}

const NOT_ISSUED: &str =
    "is not a cursor this feed issued; pass `cursor` or `next_cursor` back unchanged";

/// The position's transaction and event numbers, `912.42`: any pair of numbers is well-formed,
/// and only one naming an event of the feed (or the start, `0.0`) is a place to read on from.
impl CursorKey for FeedPosition {
    fn pattern() -> String {
        <(i64, i64)>::pattern()
    }

    fn encode(&self) -> String {
        format!("{}.{}", self.xid, self.id)
    }

    fn decode(text: &str) -> Option<Self> {
        let (xid, id) = <(i64, i64)>::decode(text)?;
        Some(Self {
            xid: u64::try_from(xid).ok()?,
            id,
        })
    }
}

fn decode_cursor(text: &str) -> Result<FeedPosition, ParseError> {
    FeedPosition::decode(text).ok_or_else(|| {
        ParseError(format!(
            "{NOT_ISSUED}: it must match {}",
            document_pattern::<FeedPosition>()
        ))
    })
}

impl TryFrom<FeedEventRow> for Change {
    type Error = ApiError;

    fn try_from(row: FeedEventRow) -> Result<Self, ApiError> {
        let cursor = row.position()?.encode();
        Ok(Self {
            id: row.id,
            cursor,
            kind: row.kind,
            occurred_at: LondonTime(row.occurred_at),
            work_group: ChangedWorkGroup {
                places_left: lifecycle::places_left(row.capacity, row.accepted_count),
                id: row.work_group_id,
                code: row.code,
                title: row.title,
                hub: HubRef {
                    slug: row.hub_slug,
                    name: row.hub_name,
                },
                status: row.status,
            },
            details: row.details.0.into(),
        })
    }
}

/// Changes in the partner's area
///
/// For a partner Teaching School Hub (partner token): the changes of the work groups of the
/// hubs serving its area, in order — opened, updated (details, dates, places), filled,
/// reopened, closed, cancelled, running, completed — each with the group as it stands now.
/// Without `since`, from the first change; then pass `next_cursor` back as `since`. A cursor
/// never skips or repeats a change, also while groups change: the feed stops short of changes
/// that transactions still running could yet be ordered before, so a change may show a moment
/// after it was made, but never out of its place; a group's changes come in the order they
/// were made. A `since` that is not of the cursors' form answers 400, and one of their form
/// that this feed did not issue answers 422. No personal data. Other roles get 403.
#[utoipa::path(
    tag = TAG,
    params(ChangesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changes after the cursor", body = ChangePage, headers(("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
        (status = 422, response = crate::http::problems::Unprocessable),
    )
)]
#[get("/partners/me/changes")]
pub async fn own_changes(
    caller: Caller,
    query: Deferred<QueryParameters<ChangesRequest>>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<ChangePage>, ApiError> {
    let teaching_school_hub_id =
        own_area(&caller).map_err(|refusal| refusal.into_error("Teaching School Hub"))?;
    let query = query.take()?;
    let since = query.0.since.unwrap_or(FeedPosition::START);
    let limit = query.0.limit.unwrap_or(DEFAULT_LIMIT);
    let mut conn = pool.get().await?;
    if !queries::is_position(&mut conn, since).await? {
        return Err(ApiError::unprocessable("since", NOT_ISSUED));
    }
    let page = queries::page(&mut conn, teaching_school_hub_id, since, limit).await?;
    Ok(web::Json(ChangePage {
        items: page
            .events
            .into_iter()
            .map(Change::try_from)
            .collect::<Result<_, _>>()?,
        next_cursor: page.next.encode(),
    }))
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(own_changes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_what_they_are_not() {
        let position = FeedPosition { xid: 912, id: 42 };
        assert_eq!(position.encode(), "912.42");
        assert_eq!(decode_cursor(&position.encode()), Ok(position));
        for text in [
            "",
            "nonsense",
            "912",
            "912.",
            "912.-1",
            "-912.42",
            "WzkxMiw0Ml0",
        ] {
            assert!(decode_cursor(text).is_err(), "{text}");
        }
    }
}
