//! `/work-groups`: the public catalogue of work groups — a hub's local delivery of a
//! project — with places left, leads and sessions. Drafts are never public.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::refs::{HubRef, ProjectRef, Venue};
use crate::api::sessions::read::{Session, visible_joining_links};
use crate::auth::{Action, Caller, MaybeCaller, authorize};
use crate::db::DbPool;
use crate::db::work_groups::{
    self as queries, LeadRow, WorkGroupDetailRow, WorkGroupFilter, WorkGroupRow,
};
use crate::domain::lifecycle;
use crate::domain::scope::WorkGroupScope;
use crate::domain::{
    AcademicYear, Admission, DeliveryMode, GssCode, LeadRole, LondonTime, ProgrammePhase,
    ProjectCode, Slug, WorkGroupStatus, parse_instant,
};
use crate::error::ApiError;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, NoQueryParameters, Page};
use crate::http::parse::{non_empty, parse_path, uuid};

const TAG: &str = "Work groups";

/// A lead of a work group, by their public name.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkGroupLead {
    pub id: Uuid,
    #[schema(example = "Demo Lead (LCW)")]
    pub name: String,
    pub role: LeadRole,
}

impl From<LeadRow> for WorkGroupLead {
    fn from(row: LeadRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            role: row.role,
        }
    }
}

/// A work group as lists show it (everything but its sessions).
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkGroupSummary {
    pub id: Uuid,
    #[schema(example = "LCW21-15-01")]
    pub code: String,
    #[schema(example = "Secondary Subject Leadership")]
    pub title: String,
    pub hub: HubRef,
    pub project: ProjectRef,
    #[schema(example = "2021/22")]
    pub academic_year: String,
    pub phase: ProgrammePhase,
    pub mode: DeliveryMode,
    pub status: WorkGroupStatus,
    pub admission: Admission,
    /// Places are confirmed only for teachers whose school's senior leader agreed to release
    /// them: an expression of interest without the agreement waits, `pending`, until it is
    /// recorded.
    pub requires_senior_leader_agreement: bool,
    /// Participants the group takes.
    #[schema(example = 30)]
    pub capacity: Option<i32>,
    /// Places not yet taken by accepted participants.
    #[schema(example = 12)]
    pub places_left: Option<i32>,
    /// Closing time for expressions of interest.
    pub eoi_deadline: Option<LondonTime>,
    pub venue: Option<Venue>,
    pub leads: Vec<WorkGroupLead>,
    pub description: String,
    /// Why the group was cancelled, when it was.
    pub cancellation_reason: Option<String>,
    /// Start of the first session.
    pub first_session_at: Option<LondonTime>,
    /// Start of the last session.
    pub last_session_at: Option<LondonTime>,
}

/// A work group with its sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkGroup {
    #[serde(flatten)]
    pub summary: WorkGroupSummary,
    pub sessions: Vec<Session>,
}

impl From<WorkGroupRow> for WorkGroupSummary {
    fn from(row: WorkGroupRow) -> Self {
        let group = row.outline;
        Self {
            places_left: lifecycle::places_left(group.capacity, group.accepted_count),
            leads: row.leads.0.into_iter().map(WorkGroupLead::from).collect(),
            id: group.id,
            code: group.code,
            title: group.title,
            hub: HubRef {
                slug: group.hub_slug,
                name: group.hub_name,
            },
            project: ProjectRef {
                code: group.project_code,
                title: group.project_title,
            },
            academic_year: group.academic_year,
            phase: group.phase,
            mode: group.mode,
            status: group.status,
            admission: group.admission,
            requires_senior_leader_agreement: row.requires_senior_leader_agreement,
            capacity: group.capacity,
            eoi_deadline: group.eoi_deadline.map(LondonTime),
            venue: Venue::from_parts(row.venue_name, row.venue_address, row.venue_postcode),
            description: row.description,
            cancellation_reason: row.cancellation_reason,
            first_session_at: row.first_session_at.map(LondonTime),
            last_session_at: row.last_session_at.map(LondonTime),
        }
    }
}

/// Filters of `GET /work-groups`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorkGroupQuery {
    /// Only this hub's groups (hub slug).
    #[param(example = "london-central-and-west")]
    hub: Option<String>,
    /// Only groups delivering this project (project code).
    #[param(example = "NCP21-15")]
    project: Option<String>,
    /// Only groups for this programme phase.
    #[param(value_type = Option<ProgrammePhase>)]
    phase: Option<String>,
    /// Only groups in this status (drafts, and drafts cancelled before they ever opened, are
    /// never public).
    #[param(value_type = Option<WorkGroupStatus>)]
    status: Option<String>,
    /// Only groups of this academic year.
    #[param(example = "2021/22")]
    academic_year: Option<String>,
    /// Groups of the hub serving this local authority (GSS code; a district through its county).
    #[param(example = "E09000009")]
    local_authority: Option<String>,
    /// Only groups delivered this way.
    #[param(value_type = Option<DeliveryMode>)]
    mode: Option<String>,
    /// Only groups this LLME leads (lead id).
    #[param(value_type = Option<Uuid>, example = "01931b8d-0000-7000-8000-000000000001")]
    lead: Option<String>,
    /// Groups whose first session starts at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime, example = "2021-09-01T00:00:00+01:00")]
    starts_after: Option<String>,
    /// Groups whose first session starts before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime, example = "2022-01-01T00:00:00Z")]
    starts_before: Option<String>,
    /// Part of the title, any case.
    #[param(example = "leadership")]
    q: Option<String>,
}

impl Filters for WorkGroupFilter {
    type Raw = WorkGroupQuery;

    fn parse(raw: WorkGroupQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            hub: errors.parse("hub", raw.hub, Slug::parse),
            project: errors.parse("project", raw.project, |text| {
                ProjectCode::parse(text).map(ProjectCode::into_inner)
            }),
            phase: errors.parse("phase", raw.phase, ProgrammePhase::parse),
            status: errors.parse("status", raw.status, WorkGroupStatus::parse),
            academic_year: errors.parse("academic_year", raw.academic_year, AcademicYear::parse),
            local_authority: errors.parse("local_authority", raw.local_authority, GssCode::parse),
            mode: errors.parse("mode", raw.mode, DeliveryMode::parse),
            lead: errors.parse("lead", raw.lead, uuid),
            starts_after: errors.parse("starts_after", raw.starts_after, parse_instant),
            starts_before: errors.parse("starts_before", raw.starts_before, parse_instant),
            q: errors.parse("q", raw.q, non_empty),
        })
    }
}

/// The query string of the list below: its filters, page size and cursor.
type WorkGroupList = ListQuery<WorkGroupFilter, (String, Uuid)>;

/// List work groups
///
/// The public catalogue: every work group that has opened (neither a draft nor a draft
/// cancelled before it ever opened), in code order, with its hub,
/// project, places left and leads. Filter by `local_authority` to see what the hub serving
/// a school's area offers.
#[utoipa::path(
    tag = TAG,
    params(WorkGroupList),
    responses(
        (status = 200, description = "One page of work groups", body = Page<WorkGroupSummary>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ListErrors,
    )
)]
#[get("/work-groups")]
pub async fn list_work_groups(
    request: HttpRequest,
    query: WorkGroupList,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    query
        .respond(
            &request,
            &pool,
            queries::list,
            |group: &WorkGroupSummary| (group.code.clone(), group.id),
        )
        .await
}

/// Get a work group
///
/// One public work group with its sessions (in time order), leads and places left. Online
/// joining links are `null` except for the group's leads, its hub's managers, admins and
/// participants holding a place, when they send their token. Drafts, and drafts cancelled
/// before they ever opened, are shown to those who run them (with their token) and are 404
/// to everyone else.
#[utoipa::path(
    tag = TAG,
    params(("id" = Uuid, Path, description = "Work group id", example = "01931b8e-7c2a-7d3e-9a41-3c5f0e2b7a10")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The work group", body = WorkGroup, headers(("ETag" = String))),
        crate::http::problems::PersonalisedReadErrors,
    )
)]
#[get("/work-groups/{id}")]
pub async fn get_work_group(
    caller: MaybeCaller,
    path: web::Path<String>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
) -> Result<web::Json<WorkGroup>, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    let row = match queries::find(&mut conn, id).await? {
        Some(row) => row,
        None => private_for_staff(&mut conn, caller.0.as_ref(), id).await?,
    };
    let links = visible_joining_links(&mut conn, caller.0.as_ref(), id).await?;
    Ok(web::Json(WorkGroup {
        summary: row.group.into(),
        sessions: row
            .sessions
            .0
            .into_iter()
            .map(|row| Session::from(row).with_joining_link(&links))
            .collect(),
    }))
}

/// A group the public cannot see (a draft, or one abandoned before it opened), for those
/// who run it; 404 for anyone else.
async fn private_for_staff(
    conn: &mut diesel_async::AsyncPgConnection,
    caller: Option<&Caller>,
    id: Uuid,
) -> Result<WorkGroupDetailRow, ApiError> {
    let hidden = || ApiError::not_found(format!("Work group {id}"));
    let (Some(caller), Some(scope)) = (caller, queries::scope(conn, id).await?) else {
        return Err(hidden());
    };
    let group = WorkGroupScope::from(scope);
    authorize(caller, &Action::EditWorkGroupDetails(&group)).map_err(|_| hidden())?;
    queries::find_any(conn, id).await?.ok_or_else(hidden)
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(list_work_groups).service(get_work_group);
}
