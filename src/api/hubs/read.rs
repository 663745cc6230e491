//! `/hubs`: England's Maths Hubs, "find your hub" by local authority, and one hub with the
//! authorities it covers, its strategic partners and its partner Teaching School Hubs.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::DbPool;
use crate::db::hubs::{
    self as queries, AreaAuthorityRow, HubDetailRow, HubFilter, HubRow, PartnerRow,
    StrategicPartnerRow,
};
use crate::domain::{GssCode, LaKind, LondonTime, Partnership, Region, Slug, StrategicPartnerKind};
use crate::error::ApiError;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, NoQueryParameters, Page};
use crate::http::parse::parse_path;
use crate::http::read;

const TAG: &str = "Hubs";

/// The school or college that leads a hub or Teaching School Hub.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadSchool {
    #[schema(example = "Twyford Church of England High School")]
    pub name: String,
    /// DfE URN, where recorded.
    #[schema(example = "137083")]
    pub urn: Option<String>,
}

impl LeadSchool {
    /// `None` when no lead school is recorded.
    pub fn from_parts(name: Option<String>, urn: Option<String>) -> Option<Self> {
        name.map(|name| Self { name, urn })
    }
}

/// A local authority within a hub's coverage or a Teaching School Hub's area.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AreaAuthority {
    #[schema(example = "E09000009")]
    pub gss_code: String,
    #[schema(example = "Ealing")]
    pub name: String,
    pub kind: LaKind,
}

impl From<AreaAuthorityRow> for AreaAuthority {
    fn from(row: AreaAuthorityRow) -> Self {
        Self {
            gss_code: row.gss_code,
            name: row.name,
            kind: row.kind,
        }
    }
}

/// A Maths Hub.
#[derive(Debug, Serialize, ToSchema)]
pub struct Hub {
    pub id: uuid::Uuid,
    #[schema(example = "london-central-and-west")]
    pub slug: String,
    #[schema(example = "London Central and West Maths Hub")]
    pub name: String,
    #[schema(example = "London")]
    pub region: String,
    /// `null` where none is recorded.
    pub lead_school: Option<LeadSchool>,
    #[schema(example = "mathshub@example.org")]
    pub contact_email: Option<String>,
    #[schema(example = "https://www.example.org/mathshub")]
    pub website: Option<String>,
}

impl From<HubRow> for Hub {
    fn from(row: HubRow) -> Self {
        let hub = row.organisation;
        Self {
            id: hub.id,
            slug: hub.slug,
            name: hub.name,
            region: row.region,
            lead_school: LeadSchool::from_parts(hub.lead_school_name, hub.lead_school_urn),
            contact_email: row.contact_email,
            website: hub.website,
        }
    }
}

/// A school, alliance, university or other body working with a hub.
#[derive(Debug, Serialize, ToSchema)]
pub struct StrategicPartner {
    pub id: uuid::Uuid,
    #[schema(example = "Twyford Teaching School Alliance")]
    pub name: String,
    pub kind: StrategicPartnerKind,
    /// The partner's DfE URN when it is a school.
    #[schema(example = "137083")]
    pub school_urn: Option<String>,
    pub website: Option<String>,
}

impl From<StrategicPartnerRow> for StrategicPartner {
    fn from(row: StrategicPartnerRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            kind: row.kind,
            school_urn: row.school_urn,
            website: row.website,
        }
    }
}

/// A Teaching School Hub a Maths Hub works with, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerTeachingSchoolHub {
    #[schema(example = "london-district-east")]
    pub slug: String,
    #[schema(example = "London District East Teaching School Hub")]
    pub name: String,
    pub partnership: Partnership,
}

impl From<PartnerRow> for PartnerTeachingSchoolHub {
    fn from(row: PartnerRow) -> Self {
        Self {
            slug: row.slug,
            name: row.name,
            partnership: row.partnership,
        }
    }
}

/// A Maths Hub with its coverage and partners.
#[derive(Debug, Serialize, ToSchema)]
pub struct HubDetail {
    #[serde(flatten)]
    pub hub: Hub,
    /// When the hub stopped operating; `null` for a current hub.
    pub retired_at: Option<LondonTime>,
    /// The education authorities it currently covers, by name (their districts reach it too).
    pub local_authorities: Vec<AreaAuthority>,
    /// By name.
    pub strategic_partners: Vec<StrategicPartner>,
    /// Partner Teaching School Hubs, recorded or with an overlapping area, by name.
    pub teaching_school_hubs: Vec<PartnerTeachingSchoolHub>,
}

impl From<HubDetailRow> for HubDetail {
    fn from(row: HubDetailRow) -> Self {
        Self {
            retired_at: row.hub.organisation.retired_at.map(LondonTime),
            hub: row.hub.into(),
            local_authorities: row
                .local_authorities
                .0
                .into_iter()
                .map(AreaAuthority::from)
                .collect(),
            strategic_partners: row
                .strategic_partners
                .0
                .into_iter()
                .map(StrategicPartner::from)
                .collect(),
            teaching_school_hubs: row
                .teaching_school_hubs
                .0
                .into_iter()
                .map(PartnerTeachingSchoolHub::from)
                .collect(),
        }
    }
}

/// Filters of `GET /hubs`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HubQuery {
    /// Find your hub: the hub covering this local authority (a district resolves through its
    /// county). An authority with no hub recorded gives an empty list.
    #[param(value_type = Option<String>, example = "E07000081")]
    local_authority: Option<String>,
    /// Only hubs in this region, such as `London` or `South West`.
    #[param(example = "London")]
    region: Option<String>,
    /// Part of the name, any case.
    #[param(example = "central")]
    q: Option<String>,
}

impl Filters for HubFilter {
    type Raw = HubQuery;

    fn parse(raw: HubQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            local_authority: errors.parse("local_authority", raw.local_authority, GssCode::parse),
            region: errors.parse("region", raw.region, |text| {
                Region::parse(text).map(Region::into_inner)
            }),
            q: errors.parse("q", raw.q, crate::http::parse::non_empty),
        })
    }
}

/// The query string of the list below: its filters, page size and cursor.
type HubList = ListQuery<HubFilter, String>;

/// List Maths Hubs
///
/// The current Maths Hubs in slug order. `local_authority` finds the hub covering an
/// authority: a district resolves to its county's hub.
#[utoipa::path(
    tag = TAG,
    params(HubList),
    responses(
        (status = 200, description = "One page of hubs", body = Page<Hub>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ListErrors,
    )
)]
#[get("/hubs")]
pub async fn list_hubs(
    request: HttpRequest,
    query: HubList,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    query
        .respond(&request, &pool, queries::list, |hub: &Hub| hub.slug.clone())
        .await
}

/// Get a Maths Hub
///
/// One hub by its slug, with the local authorities it currently covers, its strategic
/// partners, and its partner Teaching School Hubs: those recorded as partners (`explicit`) and
/// those whose area overlaps the hub's (`overlapping area`).
#[utoipa::path(
    tag = TAG,
    params(("slug" = String, Path, description = "The hub's slug", example = "london-central-and-west")),
    responses(
        (status = 200, description = "The hub", body = HubDetail, headers(("ETag" = String))),
        crate::http::problems::ReadErrors,
    )
)]
#[get("/hubs/{slug}")]
pub async fn get_hub(
    path: web::Path<String>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
) -> Result<web::Json<HubDetail>, ApiError> {
    let slug = parse_path("slug", &path, Slug::parse)?;
    read::by_key(&pool, "Hub", &slug, queries::find).await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(list_hubs).service(get_hub);
}
