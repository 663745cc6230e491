//! Signposting: what Teaching School Hubs point their schools to. For a local authority (a
//! district through its county), the Maths Hub serving it and every work group open for
//! expressions of interest there, each with a link to express interest that carries the
//! referring Teaching School Hub. Anyone may ask for one authority; a partner reads every
//! authority of its area at once, with an `ETag` to poll cheaply (`http::middleware::etag`), and admins
//! read any area's. Nothing personal is shown: leads by their published profile's name,
//! sessions by town, never a joining link.

use actix_web::{get, web};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::refs::{HubRef, LocalAuthorityRef, ProjectRef, TeachingSchoolHubRef, reference};
use crate::auth::policy::own_area;
use crate::auth::{Action, Caller, authorize};
use crate::db::DbPool;
use crate::db::local_authorities::{self, LocalAuthorityRow};
use crate::db::signposting::{self as queries, OpenGroupRow, TeachingSchoolHubKey};
use crate::domain::lifecycle;
use crate::domain::place::place_of;
use crate::domain::{
    Admission, DeliveryMode, EoiUrlTemplate, GssCode, LaKind, LeadRole, LondonTime, ProgrammePhase,
    SessionKind, SessionMode, Slug, WorkGroupStatus,
};
use crate::error::ApiError;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::paging::{FieldErrors, Filters, NoQueryParameters, QueryParameters};
use crate::http::parse::parse_path;
use crate::http::read;

pub const TAG: &str = "Signposting";

/// A lead of a signposted group, by the name of their published LLME profile
/// (`GET /leads/{id}`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignpostedLead {
    pub id: Uuid,
    #[schema(example = "Demo Lead (LNE)")]
    pub name: String,
    pub role: LeadRole,
}

/// A session of a signposted group: when, and where in a word.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignpostedSession {
    pub kind: SessionKind,
    pub mode: SessionMode,
    pub starts_at: LondonTime,
    pub ends_at: LondonTime,
    /// The venue's town, or `online`; `null` when the venue's address names no town.
    #[schema(example = "London")]
    pub place: Option<String>,
}

/// A work group open for expressions of interest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignpostedWorkGroup {
    pub id: Uuid,
    #[schema(example = "LNE26-94-01")]
    pub code: String,
    #[schema(example = "Years 5–8 Continuity")]
    pub title: String,
    pub hub: HubRef,
    pub project: ProjectRef,
    #[schema(example = "2026/27")]
    pub academic_year: String,
    pub phase: ProgrammePhase,
    pub mode: DeliveryMode,
    /// `open`, or `full`: a full group still takes expressions of interest, onto its waiting
    /// list (or for review).
    pub status: WorkGroupStatus,
    pub admission: Admission,
    /// Closing time for expressions of interest.
    pub eoi_deadline: Option<LondonTime>,
    /// Places not yet taken; 0 when full.
    #[schema(example = 24)]
    pub places_left: Option<i32>,
    /// In time order.
    pub sessions: Vec<SignpostedSession>,
    /// Work group leads first, then cohort leads.
    pub leads: Vec<SignpostedLead>,
    /// Where a school expresses interest, on the programme's front end; it carries the
    /// referring Teaching School Hub when there is one.
    #[schema(
        example = "https://mathshub.invalid/work-groups/017ce0d0-0000-7000-8000-000000000606/express-interest?referred_by=london-district-east"
    )]
    pub expression_of_interest_url: String,
}

impl SignpostedWorkGroup {
    fn new(row: OpenGroupRow, links: &EoiUrlTemplate, referred_by: Option<&Slug>) -> Self {
        let group = row.outline;
        Self {
            expression_of_interest_url: links.render(group.id, referred_by),
            places_left: lifecycle::places_left(group.capacity, group.accepted_count),
            sessions: row
                .sessions
                .0
                .into_iter()
                .map(|session| SignpostedSession {
                    place: place_of(session.mode, session.venue_address.as_deref()),
                    kind: session.kind,
                    mode: session.mode,
                    starts_at: LondonTime(session.starts_at),
                    ends_at: LondonTime(session.ends_at),
                })
                .collect(),
            leads: row
                .leads
                .0
                .into_iter()
                .map(|lead| SignpostedLead {
                    id: lead.id,
                    name: lead.display_name,
                    role: lead.role,
                })
                .collect(),
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
            eoi_deadline: group.eoi_deadline.map(LondonTime),
        }
    }
}

/// The local authority whose schools are signposted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignpostedAuthority {
    #[schema(example = "E09000025")]
    pub gss_code: String,
    #[schema(example = "Newham")]
    pub name: String,
    pub kind: LaKind,
    /// The county of a district.
    pub parent: Option<LocalAuthorityRef>,
}

/// One local authority's offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthoritySignposting {
    pub local_authority: SignpostedAuthority,
    /// The Maths Hub serving its schools (a district's is its county's); empty where none is
    /// recorded.
    pub hubs: Vec<HubRef>,
    /// Every group open for expressions of interest, soonest deadline first; empty when none is.
    pub work_groups: Vec<SignpostedWorkGroup>,
}

impl AuthoritySignposting {
    /// The authority with the groups, among `groups`, of the hub serving it.
    fn new(row: LocalAuthorityRow, groups: &[SignpostedWorkGroup]) -> Self {
        let hub = reference(row.hub_slug, row.hub_name, |slug, name| HubRef {
            slug,
            name,
        });
        let work_groups = groups
            .iter()
            .filter(|group| hub.as_ref().is_some_and(|hub| hub.slug == group.hub.slug))
            .cloned()
            .collect();
        Self {
            local_authority: SignpostedAuthority {
                gss_code: row.gss_code,
                name: row.name,
                kind: row.kind,
                parent: reference(row.parent_gss_code, row.parent_name, |gss_code, name| {
                    LocalAuthorityRef { gss_code, name }
                }),
            },
            hubs: hub.into_iter().collect(),
            work_groups,
        }
    }
}

/// The offer for one local authority's schools.
#[derive(Debug, Serialize, ToSchema)]
pub struct Signposting {
    #[serde(flatten)]
    pub authority: AuthoritySignposting,
    /// The Teaching School Hub the links refer from, as `referred_by` named it.
    pub referred_by: Option<TeachingSchoolHubRef>,
}

/// The offer for every local authority of a Teaching School Hub's area; every link refers
/// from that Teaching School Hub.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaSignposting {
    pub teaching_school_hub: TeachingSchoolHubRef,
    /// Each authority of the area, by name.
    pub local_authorities: Vec<AuthoritySignposting>,
}

/// The query of `GET /signposting`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SignpostingQuery {
    /// ONS GSS code of the schools' local authority or district (a district is served through
    /// its county).
    #[param(required = true, value_type = String, example = "E09000025")]
    local_authority: Option<String>,
    /// Slug of the Teaching School Hub signposting the offer, carried into every
    /// `expression_of_interest_url` (and from there into the enrolment).
    #[param(value_type = Option<String>, example = "london-district-east")]
    referred_by: Option<String>,
}

#[derive(Debug)]
pub struct SignpostingRequest {
    local_authority: GssCode,
    referred_by: Option<Slug>,
}

impl Filters for SignpostingRequest {
    type Raw = SignpostingQuery;

    fn parse(raw: SignpostingQuery, errors: &mut FieldErrors) -> Option<Self> {
        let local_authority = required_authority(raw.local_authority, errors);
        let referred_by = errors.parse("referred_by", raw.referred_by, Slug::parse);
        Some(Self {
            local_authority: local_authority?,
            referred_by,
        })
    }
}

/// The required `local_authority` parameter of signposting's operations.
pub fn required_authority(raw: Option<String>, errors: &mut FieldErrors) -> Option<GssCode> {
    errors.require(
        "local_authority",
        &raw,
        "is required: the GSS code of the schools' local authority, such as E09000025",
    );
    errors.parse("local_authority", raw, GssCode::parse)
}

/// The authority `code` names; 404 when there is none.
pub async fn authority(
    conn: &mut AsyncPgConnection,
    code: &GssCode,
) -> Result<LocalAuthorityRow, ApiError> {
    read::found(conn, "Local authority", code, local_authorities::find).await
}

/// Signposting for a local authority
///
/// For the schools of a local authority or district: the Maths Hub serving it (a district
/// through its county) and every work group of that hub open for expressions of interest
/// (`open`, or `full` with a waiting list, deadline not passed), soonest deadline first, with
/// its sessions taking place (not those cancelled; times with the Europe/London offset; the
/// venue's town or `online`), its leads' public names and places left. `referred_by` names the
/// Teaching School Hub pointing schools here: each `expression_of_interest_url` carries it,
/// and the expression of interest records it. An authority without a hub or open groups
/// answers empty lists; an unknown one 404. No token needed; no joining links or personal
/// data.
#[utoipa::path(
    tag = TAG,
    params(SignpostingQuery),
    responses(
        (status = 200, description = "The authority's offer", body = Signposting,
         headers(("ETag" = String)), example = json!(newham_example())),
        crate::http::problems::ReadErrors,
        (status = 422, response = crate::http::problems::Unprocessable),
    )
)]
#[get("/signposting")]
pub async fn signposting_for_authority(
    query: QueryParameters<SignpostingRequest>,
    pool: web::Data<DbPool>,
    links: web::Data<EoiUrlTemplate>,
) -> Result<web::Json<Signposting>, ApiError> {
    let SignpostingRequest {
        local_authority: code,
        referred_by,
    } = query.0;
    let mut conn = pool.get().await?;
    let authority = authority(&mut conn, &code).await?;
    let referrer = match &referred_by {
        Some(slug) => Some(
            queries::teaching_school_hub_by_slug(&mut conn, slug.as_str())
                .await?
                .ok_or_else(|| {
                    ApiError::unprocessable(
                        "referred_by",
                        format!("no Teaching School Hub has the slug {slug}"),
                    )
                })?,
        ),
        None => None,
    };
    let groups: Vec<SignpostedWorkGroup> = queries::open_groups_for(&mut conn, &[code])
        .await?
        .into_iter()
        .map(|row| SignpostedWorkGroup::new(row, &links, referred_by.as_ref()))
        .collect();
    Ok(web::Json(Signposting {
        authority: AuthoritySignposting::new(authority, &groups),
        referred_by: referrer.map(|tsh| TeachingSchoolHubRef {
            slug: tsh.slug,
            name: tsh.name,
        }),
    }))
}

/// Signposting for the partner's own area
///
/// For a partner Teaching School Hub (partner token): what `GET /signposting` shows, for every
/// local authority and district of its area, grouped by authority, each link referring from
/// it. Poll it with the `ETag` in `If-None-Match`: 304 with no body until anything shown
/// changes (a group's details, places, sessions, leads' names, which hub serves an authority).
/// Other roles get 403; admins read any area at `GET /teaching-school-hubs/{slug}/signposting`.
#[utoipa::path(
    tag = TAG,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The area's offer", body = AreaSignposting,
         headers(("ETag" = String, description = "Send it in `If-None-Match` to poll cheaply")),
         example = json!(east_london_example())),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/partners/me/signposting")]
pub async fn own_signposting(
    caller: Caller,
    query: Deferred<NoQueryParameters>,
    pool: web::Data<DbPool>,
    links: web::Data<EoiUrlTemplate>,
) -> Result<web::Json<AreaSignposting>, ApiError> {
    let teaching_school_hub_id =
        own_area(&caller).map_err(|refusal| refusal.into_error("Teaching School Hub"))?;
    query.take()?;
    let mut conn = pool.get().await?;
    let teaching_school_hub = queries::teaching_school_hub_by_id(&mut conn, teaching_school_hub_id)
        .await?
        .ok_or_else(|| ApiError::not_found("The partner's Teaching School Hub"))?;
    area_signposting(&mut conn, teaching_school_hub, &links)
        .await
        .map(web::Json)
}

/// Signposting for a Teaching School Hub's area
///
/// What its partner reads at `GET /partners/me/signposting`, for national admins (any area)
/// and the partner of that Teaching School Hub. Other callers get 403; an unknown Teaching
/// School Hub 404.
#[utoipa::path(
    tag = TAG,
    params(("slug" = String, Path, description = "Teaching School Hub slug", example = "east-london")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The area's offer", body = AreaSignposting, headers(("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/teaching-school-hubs/{slug}/signposting")]
pub async fn area_signposting_of(
    caller: Caller,
    path: web::Path<String>,
    query: Deferred<NoQueryParameters>,
    pool: web::Data<DbPool>,
    links: web::Data<EoiUrlTemplate>,
) -> Result<web::Json<AreaSignposting>, ApiError> {
    let slug = parse_path("slug", &path, Slug::parse)?;
    let mut conn = pool.get().await?;
    let teaching_school_hub = queries::teaching_school_hub_by_slug(&mut conn, slug.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Teaching School Hub {slug}")))?;
    authorize(
        &caller,
        &Action::ReadSignposting {
            teaching_school_hub_id: teaching_school_hub.id,
        },
    )
    .map_err(|refusal| refusal.into_error(format!("Teaching School Hub {slug}")))?;
    query.take()?;
    area_signposting(&mut conn, teaching_school_hub, &links)
        .await
        .map(web::Json)
}

/// Every authority of the area with its groups, in two queries whatever the area's size.
async fn area_signposting(
    conn: &mut AsyncPgConnection,
    teaching_school_hub: TeachingSchoolHubKey,
    links: &EoiUrlTemplate,
) -> Result<AreaSignposting, ApiError> {
    let authorities = local_authorities::in_area_of(conn, teaching_school_hub.id).await?;
    let codes: Vec<GssCode> = authorities
        .iter()
        .filter_map(|authority| GssCode::parse(&authority.gss_code).ok())
        .collect();
    let referred_by = Slug::parse(&teaching_school_hub.slug).ok();
    let groups: Vec<SignpostedWorkGroup> = queries::open_groups_for(conn, &codes)
        .await?
        .into_iter()
        .map(|row| SignpostedWorkGroup::new(row, links, referred_by.as_ref()))
        .collect();
    Ok(AreaSignposting {
        teaching_school_hub: TeachingSchoolHubRef {
            slug: teaching_school_hub.slug,
            name: teaching_school_hub.name,
        },
        local_authorities: authorities
            .into_iter()
            .map(|authority| AuthoritySignposting::new(authority, &groups))
            .collect(),
    })
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(signposting_for_authority)
        .service(own_signposting)
        .service(area_signposting_of);
}

/// The worked example of `GET /signposting`: the demo's Newham, signposted by London District
/// East (a test keeps it equal to what the demo data answers).
pub fn newham_example() -> serde_json::Value {
    serde_json::from_str(include_str!(
        "../../openapi/examples/signposting-newham.json"
    ))
    .expect("the example is JSON")
}

/// The worked example of `GET /partners/me/signposting`: the demo's East London Teaching
/// School Hub, whose area is Hackney.
pub fn east_london_example() -> serde_json::Value {
    serde_json::from_str(include_str!(
        "../../openapi/examples/signposting-east-london.json"
    ))
    .expect("the example is JSON")
}
