//! `/leads`: public profiles of Local Leaders of Maths Education, with their hubs and the
//! work groups they lead. Nothing private (emails, draft groups) is ever shown.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::refs::HubRef;
use crate::db::DbPool;
use crate::db::leads::{self as queries, LeadFilter, LeadHubRow, LeadRow, LedWorkGroupRow};
use crate::domain::{LeadRole, ProgrammePhase, Slug};
use crate::error::ApiError;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, NoQueryParameters, Page};
use crate::http::parse::{parse_path, uuid};
use crate::http::read;

const TAG: &str = "Leads";

/// A work group a lead leads, and how.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedWorkGroup {
    pub id: uuid::Uuid,
    #[schema(example = "LCW21-15-01")]
    pub code: String,
    #[schema(example = "Secondary Subject Leadership")]
    pub title: String,
    pub role: LeadRole,
}

impl From<LedWorkGroupRow> for LedWorkGroup {
    fn from(row: LedWorkGroupRow) -> Self {
        Self {
            id: row.id,
            code: row.code,
            title: row.title,
            role: row.role,
        }
    }
}

impl From<LeadHubRow> for HubRef {
    fn from(row: LeadHubRow) -> Self {
        Self {
            slug: row.slug,
            name: row.name,
        }
    }
}

/// A Local Leader of Maths Education's public profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct Lead {
    /// The lead's user id.
    pub id: uuid::Uuid,
    #[schema(example = "Demo Lead (LCW)")]
    pub name: String,
    /// The Maths Hubs they work with.
    pub hubs: Vec<HubRef>,
    pub phases: Vec<ProgrammePhase>,
    #[schema(example = json!(["subject leadership", "mastery"]))]
    pub specialisms: Vec<String>,
    pub bio: String,
    /// The roles they hold, in their own words.
    #[schema(example = json!(["Work Group Lead", "Secondary Mastery Specialist"]))]
    pub roles_held: Vec<String>,
    /// Whether they belong to their hub's LLME community.
    pub community_member: bool,
    /// The year they joined it, when known.
    #[schema(example = 2019)]
    pub community_member_since: Option<i16>,
    /// The published work groups they lead, newest academic year first.
    pub work_groups: Vec<LedWorkGroup>,
}

impl From<LeadRow> for Lead {
    fn from(row: LeadRow) -> Self {
        Self {
            id: row.user_id,
            name: row.display_name,
            hubs: row.hubs.0.into_iter().map(HubRef::from).collect(),
            phases: row.phases,
            specialisms: row.specialisms,
            bio: row.bio,
            roles_held: row.roles_held,
            community_member: row.community_member,
            community_member_since: row.community_member_since,
            work_groups: row
                .work_groups
                .0
                .into_iter()
                .map(LedWorkGroup::from)
                .collect(),
        }
    }
}

/// Filters of `GET /leads`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeadQuery {
    /// Only leads working with this Maths Hub (slug).
    #[param(value_type = Option<String>, example = "london-central-and-west")]
    hub: Option<String>,
    /// Only leads working in this programme phase.
    #[param(value_type = Option<ProgrammePhase>)]
    phase: Option<String>,
    /// Part of the name, any case.
    #[param(example = "smith")]
    q: Option<String>,
}

impl Filters for LeadFilter {
    type Raw = LeadQuery;

    fn parse(raw: LeadQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            hub: errors.parse("hub", raw.hub, Slug::parse),
            phase: errors.parse("phase", raw.phase, ProgrammePhase::parse),
            q: errors.parse("q", raw.q, crate::http::parse::non_empty),
        })
    }
}

/// The query string of the list below: its filters, page size and cursor.
type LeadList = ListQuery<LeadFilter, (String, uuid::Uuid)>;

/// List leads
///
/// Published profiles of Local Leaders of Maths Education in name order, each with their hubs
/// and the public work groups they lead (drafts, and drafts cancelled before they ever
/// opened, left out).
#[utoipa::path(
    tag = TAG,
    params(LeadList),
    responses(
        (status = 200, description = "One page of leads", body = Page<Lead>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ListErrors,
    )
)]
#[get("/leads")]
pub async fn list_leads(
    request: HttpRequest,
    query: LeadList,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    query
        .respond(&request, &pool, queries::list, |lead: &Lead| {
            (lead.name.clone(), lead.id)
        })
        .await
}

/// Get a lead
///
/// One published lead profile by the lead's user id.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The lead's user id", example = "0193ffff-0000-7000-8000-000000000301")),
    responses(
        (status = 200, description = "The lead", body = Lead, headers(("ETag" = String))),
        crate::http::problems::ReadErrors,
    )
)]
#[get("/leads/{id}")]
pub async fn get_lead(
    path: web::Path<String>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Lead>, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    read::by_key(&pool, "Lead", &id, async |conn, id| {
        queries::find(conn, *id).await
    })
    .await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(list_leads).service(get_lead);
}
