//! Sessions of public work groups: `/work-groups/{id}/sessions` and the calendar
//! `/sessions`, cancelled sessions included with their status and reason. Online joining
//! links are private: a group's sessions show them only to callers the policy lets see them
//! (its staff, participants holding a place).

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use std::collections::HashMap;

use crate::api::refs::{HubRef, Venue};
use crate::auth::{Action, Caller, MaybeCaller, authorize};
use crate::db::sessions::{
    self as queries, CalendarFilter, CalendarSessionRow, SessionKey, SessionRow,
};
use crate::db::{DbPool, enrolments, work_groups};
use crate::domain::scope::WorkGroupScope;
use crate::domain::{
    LondonTime, SessionKind, SessionMode, SessionStatus, Slug, lifecycle, parse_instant,
};
use crate::error::ApiError;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, Page, Unfiltered};
use crate::http::parse::{parse_path, uuid};

const TAG: &str = "Sessions";

/// One meeting of a work group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Session {
    pub id: uuid::Uuid,
    /// 1 for the group's first session, in start order.
    #[schema(example = 1)]
    pub sequence: i64,
    pub kind: SessionKind,
    pub mode: SessionMode,
    pub starts_at: LondonTime,
    pub ends_at: LondonTime,
    pub venue: Option<Venue>,
    /// The online joining link: only the group's leads, its hub's managers, admins and
    /// accepted participants see it; `null` for everyone else, and for everyone once the
    /// session is cancelled.
    pub joining_link: Option<String>,
    pub notes: Option<String>,
    /// `cancelled` once called off (`POST /sessions/{id}/cancel`): the session stays listed,
    /// so people see the date is off.
    pub status: SessionStatus,
    /// When the session was cancelled; `null` while it is scheduled.
    pub cancelled_at: Option<LondonTime>,
    /// Why the session was cancelled; `null` while it is scheduled.
    pub cancellation_reason: Option<String>,
}

impl From<SessionRow> for Session {
    fn from(row: SessionRow) -> Self {
        Self {
            id: row.id,
            sequence: row.sequence,
            kind: row.kind,
            mode: row.mode,
            starts_at: LondonTime(row.starts_at),
            ends_at: LondonTime(row.ends_at),
            venue: Venue::from_parts(row.venue_name, row.venue_address, row.venue_postcode),
            joining_link: None,
            notes: row.notes,
            status: if row.cancelled_at.is_some() {
                SessionStatus::Cancelled
            } else {
                SessionStatus::Scheduled
            },
            cancelled_at: row.cancelled_at.map(LondonTime),
            cancellation_reason: row.cancellation_reason,
        }
    }
}

impl Session {
    fn key(&self) -> SessionKey {
        (self.starts_at.0, self.id)
    }

    /// The session with its joining link, if `links` (the visible ones) has it.
    pub fn with_joining_link(self, links: &JoiningLinks) -> Self {
        let link = links.get(&self.id).cloned();
        self.with_link(link)
    }

    /// The session with this joining link, for a caller who may see it: none for a session
    /// that will not take place (`domain::lifecycle::joining_link_shown`).
    pub fn with_link(mut self, link: Option<String>) -> Self {
        self.joining_link = lifecycle::joining_link_shown(link, self.status);
        self
    }
}

/// Joining links by session id.
pub type JoiningLinks = HashMap<uuid::Uuid, String>;

/// The joining links of a group's sessions that `caller` may see: none for anonymous
/// callers and for anyone the policy refuses.
pub async fn visible_joining_links(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: Option<&Caller>,
    work_group_id: uuid::Uuid,
) -> Result<JoiningLinks, ApiError> {
    let Some(caller) = caller else {
        return Ok(JoiningLinks::new());
    };
    let Some(scope) = work_groups::scope(conn, work_group_id).await? else {
        return Ok(JoiningLinks::new());
    };
    let group = WorkGroupScope::from(scope);
    let holds_place = enrolments::holds_place(conn, work_group_id, caller.id).await?;
    let action = Action::SeeJoiningLinks {
        group: &group,
        holds_place,
    };
    if authorize(caller, &action).is_err() {
        return Ok(JoiningLinks::new());
    }
    Ok(queries::joining_links(conn, work_group_id)
        .await?
        .into_iter()
        .collect())
}

/// The work group a calendar session belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionWorkGroup {
    pub id: uuid::Uuid,
    #[schema(example = "LCW21-15-01")]
    pub code: String,
    #[schema(example = "Secondary Subject Leadership")]
    pub title: String,
    pub hub: HubRef,
}

/// A session in the calendar, with its work group and hub.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarSession {
    #[serde(flatten)]
    pub session: Session,
    pub work_group: SessionWorkGroup,
}

impl From<CalendarSessionRow> for CalendarSession {
    fn from(row: CalendarSessionRow) -> Self {
        Self {
            session: row.session.into(),
            work_group: SessionWorkGroup {
                id: row.work_group_id,
                code: row.work_group_code,
                title: row.work_group_title,
                hub: HubRef {
                    slug: row.hub_slug,
                    name: row.hub_name,
                },
            },
        }
    }
}

/// Filters of `GET /sessions`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// Sessions still running at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime, example = "2021-09-01T00:00:00+01:00")]
    from: Option<String>,
    /// Sessions starting before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime, example = "2022-08-31T23:59:59+01:00")]
    to: Option<String>,
    /// Only sessions of this hub's work groups.
    #[param(example = "london-central-and-west")]
    hub: Option<String>,
    /// Only sessions taking place (`scheduled`), or only those called off (`cancelled`).
    #[param(value_type = Option<SessionStatus>)]
    status: Option<String>,
}

impl Filters for CalendarFilter {
    type Raw = CalendarQuery;

    fn parse(raw: CalendarQuery, errors: &mut FieldErrors) -> Option<Self> {
        let filter = Self {
            from: errors.parse("from", raw.from, parse_instant),
            to: errors.parse("to", raw.to, parse_instant),
            hub: errors.parse("hub", raw.hub, Slug::parse),
            status: errors.parse("status", raw.status, SessionStatus::parse),
        };
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && to <= from
        {
            errors.refuse("to", "must be after `from`");
        }
        Some(filter)
    }
}

/// The query string of a work group's sessions: page size and cursor.
type WorkGroupSessionList = ListQuery<Unfiltered, SessionKey>;

/// List a work group's sessions
///
/// The sessions of one public work group in time order, numbered from 1. Online joining
/// links are `null` except for the group's leads, its hub's managers, admins and
/// participants holding a place, when they send their token.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "Work group id", example = "01931b8e-7c2a-7d3e-9a41-3c5f0e2b7a10"), WorkGroupSessionList),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "One page of sessions", body = Page<Session>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::PersonalisedReadErrors,
    )
)]
#[get("/work-groups/{id}/sessions")]
pub async fn list_work_group_sessions(
    caller: MaybeCaller,
    request: HttpRequest,
    path: web::Path<String>,
    query: WorkGroupSessionList,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    query
        .respond(
            &request,
            &pool,
            async |conn, _, after, count| -> Result<Vec<Session>, ApiError> {
                let sessions = queries::of_work_group(conn, id, after, count)
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("Work group {id}")))?;
                let links = visible_joining_links(conn, caller.0.as_ref(), id).await?;
                Ok(sessions
                    .into_iter()
                    .map(|row| Session::from(row).with_joining_link(&links))
                    .collect())
            },
            Session::key,
        )
        .await
}

/// The query string of the calendar: its filters, page size and cursor.
type CalendarList = ListQuery<CalendarFilter, SessionKey>;

/// List sessions (calendar)
///
/// Sessions of every public work group overlapping a time range, in time order, each with
/// its work group and hub: for calendars. Cancelled sessions are listed with `status`
/// `cancelled` unless `status=scheduled` leaves them out. Online joining links are `null` here.
#[utoipa::path(
    tag = TAG,
    params(CalendarList),
    responses(
        (status = 200, description = "One page of sessions", body = Page<CalendarSession>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ListErrors,
        (status = 422, response = crate::http::problems::Unprocessable),
    )
)]
#[get("/sessions")]
pub async fn list_sessions(
    request: HttpRequest,
    query: CalendarList,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    query
        .respond(
            &request,
            &pool,
            queries::calendar,
            |item: &CalendarSession| item.session.key(),
        )
        .await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_work_group_sessions)
        .service(list_sessions);
}
