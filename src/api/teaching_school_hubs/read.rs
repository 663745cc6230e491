//! `/teaching-school-hubs`: England's Teaching School Hubs, found by local authority or by
//! partner Maths Hub, and one Teaching School Hub with its area and partner Maths Hubs.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::hubs::read::{AreaAuthority, LeadSchool};
use crate::db::DbPool;
use crate::db::hubs::{OrganisationRow, PartnerRow};
use crate::db::teaching_school_hubs::{
    self as queries, TeachingSchoolHubDetailRow, TeachingSchoolHubFilter,
};
use crate::domain::Partnership;
use crate::domain::{GssCode, LondonTime, Slug};
use crate::error::ApiError;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, NoQueryParameters, Page};
use crate::http::parse::parse_path;
use crate::http::read;

const TAG: &str = "Teaching School Hubs";

/// A Teaching School Hub.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeachingSchoolHub {
    pub id: uuid::Uuid,
    #[schema(example = "london-district-east")]
    pub slug: String,
    #[schema(example = "London District East Teaching School Hub")]
    pub name: String,
    /// `null` where none is recorded.
    pub lead_school: Option<LeadSchool>,
    #[schema(example = "https://www.example.org/tsh")]
    pub website: Option<String>,
}

impl From<OrganisationRow> for TeachingSchoolHub {
    fn from(row: OrganisationRow) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            lead_school: LeadSchool::from_parts(row.lead_school_name, row.lead_school_urn),
            website: row.website,
        }
    }
}

/// A Maths Hub a Teaching School Hub works with, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerHub {
    #[schema(example = "london-central-and-west")]
    pub slug: String,
    #[schema(example = "London Central and West Maths Hub")]
    pub name: String,
    pub partnership: Partnership,
}

impl From<PartnerRow> for PartnerHub {
    fn from(row: PartnerRow) -> Self {
        Self {
            slug: row.slug,
            name: row.name,
            partnership: row.partnership,
        }
    }
}

/// A Teaching School Hub with its area and partner Maths Hubs.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeachingSchoolHubDetail {
    #[serde(flatten)]
    pub teaching_school_hub: TeachingSchoolHub,
    /// When it stopped operating; `null` for a current Teaching School Hub.
    pub retired_at: Option<LondonTime>,
    /// The districts and unitary authorities of its area, by name.
    pub area: Vec<AreaAuthority>,
    /// Partner Maths Hubs, recorded or with an overlapping area, by name.
    pub partner_hubs: Vec<PartnerHub>,
}

impl From<TeachingSchoolHubDetailRow> for TeachingSchoolHubDetail {
    fn from(row: TeachingSchoolHubDetailRow) -> Self {
        Self {
            retired_at: row.teaching_school_hub.retired_at.map(LondonTime),
            teaching_school_hub: row.teaching_school_hub.into(),
            area: row.area.0.into_iter().map(AreaAuthority::from).collect(),
            partner_hubs: row
                .partner_hubs
                .0
                .into_iter()
                .map(PartnerHub::from)
                .collect(),
        }
    }
}

/// Filters of `GET /teaching-school-hubs`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TeachingSchoolHubQuery {
    /// Only those whose area holds this local authority or, for a county, one of its districts.
    #[param(value_type = Option<String>, example = "E07000081")]
    local_authority: Option<String>,
    /// Only the partners of this Maths Hub (by slug), recorded or with an overlapping area.
    #[param(value_type = Option<String>, example = "london-central-and-west")]
    hub: Option<String>,
    /// Part of the name, any case.
    #[param(example = "east")]
    q: Option<String>,
}

impl Filters for TeachingSchoolHubFilter {
    type Raw = TeachingSchoolHubQuery;

    fn parse(raw: TeachingSchoolHubQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            local_authority: errors.parse("local_authority", raw.local_authority, GssCode::parse),
            hub: errors.parse("hub", raw.hub, Slug::parse),
            q: errors.parse("q", raw.q, crate::http::parse::non_empty),
        })
    }
}

/// The query string of the list below: its filters, page size and cursor.
type TeachingSchoolHubList = ListQuery<TeachingSchoolHubFilter, String>;

/// List Teaching School Hubs
///
/// The current Teaching School Hubs in slug order, optionally those covering a local
/// authority or partnering a Maths Hub.
#[utoipa::path(
    tag = TAG,
    params(TeachingSchoolHubList),
    responses(
        (status = 200, description = "One page of Teaching School Hubs", body = Page<TeachingSchoolHub>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ListErrors,
    )
)]
#[get("/teaching-school-hubs")]
pub async fn list_teaching_school_hubs(
    request: HttpRequest,
    query: TeachingSchoolHubList,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    query
        .respond(&request, &pool, queries::list, |tsh: &TeachingSchoolHub| {
            tsh.slug.clone()
        })
        .await
}

/// Get a Teaching School Hub
///
/// One Teaching School Hub by its slug, with the local authorities of its area and its partner
/// Maths Hubs: those recorded as partners (`explicit`) and those covering part of its area
/// (`overlapping area`).
#[utoipa::path(
    tag = TAG,
    params(("slug" = String, Path, description = "The Teaching School Hub's slug", example = "london-district-east")),
    responses(
        (status = 200, description = "The Teaching School Hub", body = TeachingSchoolHubDetail, headers(("ETag" = String))),
        crate::http::problems::ReadErrors,
    )
)]
#[get("/teaching-school-hubs/{slug}")]
pub async fn get_teaching_school_hub(
    path: web::Path<String>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
) -> Result<web::Json<TeachingSchoolHubDetail>, ApiError> {
    let slug = parse_path("slug", &path, Slug::parse)?;
    read::by_key(&pool, "Teaching School Hub", &slug, queries::find).await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_teaching_school_hubs)
        .service(get_teaching_school_hub);
}
