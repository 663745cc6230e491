//! `/local-authorities`: England's local authorities and the Maths Hub covering each.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::refs::{HubRef, LocalAuthorityRef, reference};
use crate::db::DbPool;
use crate::db::local_authorities::{self as queries, LocalAuthorityFilter, LocalAuthorityRow};
use crate::domain::{GssCode, LaKind, LondonTime, Region};
use crate::error::ApiError;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, NoQueryParameters, Page};
use crate::http::parse::parse_path;
use crate::http::read;

const TAG: &str = "Local authorities";

/// A local authority of England.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocalAuthority {
    /// ONS GSS code.
    #[schema(example = "E09000002")]
    pub gss_code: String,
    /// DfE three-digit LA number, where it has one.
    #[schema(example = "301")]
    pub la_number: Option<String>,
    #[schema(example = "Barking and Dagenham")]
    pub name: String,
    pub kind: LaKind,
    #[schema(example = "London")]
    pub region: String,
    /// The county a district sits in.
    pub parent: Option<LocalAuthorityRef>,
    /// The Maths Hub covering it (for a district, its county's hub); `null` where none is recorded.
    pub hub: Option<HubRef>,
    pub retired_at: Option<LondonTime>,
}

impl From<LocalAuthorityRow> for LocalAuthority {
    fn from(row: LocalAuthorityRow) -> Self {
        Self {
            gss_code: row.gss_code,
            la_number: row.la_number,
            name: row.name,
            kind: row.kind,
            region: row.region,
            parent: reference(row.parent_gss_code, row.parent_name, |gss_code, name| {
                LocalAuthorityRef { gss_code, name }
            }),
            hub: reference(row.hub_slug, row.hub_name, |slug, name| HubRef {
                slug,
                name,
            }),
            retired_at: row.retired_at.map(LondonTime),
        }
    }
}

/// Filters of `GET /local-authorities`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LocalAuthorityQuery {
    /// Only authorities of this kind.
    #[param(value_type = Option<LaKind>)]
    kind: Option<String>,
    /// Only authorities in this region, such as `London` or `South West`.
    #[param(example = "London")]
    region: Option<String>,
    /// Only the districts of this county.
    #[param(value_type = Option<String>, example = "E10000013")]
    parent: Option<String>,
    /// Part of the name, any case.
    #[param(example = "chester")]
    q: Option<String>,
}

impl Filters for LocalAuthorityFilter {
    type Raw = LocalAuthorityQuery;

    fn parse(raw: LocalAuthorityQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            kind: errors.parse("kind", raw.kind, LaKind::parse),
            region: errors.parse("region", raw.region, |text| {
                Region::parse(text).map(Region::into_inner)
            }),
            parent: errors.parse("parent", raw.parent, GssCode::parse),
            q: errors.parse("q", raw.q, crate::http::parse::non_empty),
        })
    }
}

/// The query string of the list below: its filters, page size and cursor.
type LocalAuthorityList = ListQuery<LocalAuthorityFilter, String>;

/// List local authorities
///
/// Every current local authority of England in GSS code order, each with the Maths Hub that
/// covers it: districts resolve through their county.
#[utoipa::path(
    tag = TAG,
    params(LocalAuthorityList),
    responses(
        (status = 200, description = "One page of local authorities", body = Page<LocalAuthority>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ListErrors,
    )
)]
#[get("/local-authorities")]
pub async fn list_local_authorities(
    request: HttpRequest,
    query: LocalAuthorityList,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    query
        .respond(&request, &pool, queries::list, |la: &LocalAuthority| {
            la.gss_code.clone()
        })
        .await
}

/// Get a local authority
///
/// One local authority by its GSS code, with its county (for a district) and covering hub.
#[utoipa::path(
    tag = TAG,
    params(("code" = String, Path, description = "ONS GSS code", example = "E09000002")),
    responses(
        (status = 200, description = "The local authority", body = LocalAuthority, headers(("ETag" = String))),
        crate::http::problems::ReadErrors,
    )
)]
#[get("/local-authorities/{code}")]
pub async fn get_local_authority(
    path: web::Path<String>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
) -> Result<web::Json<LocalAuthority>, ApiError> {
    let code = parse_path("code", &path, GssCode::parse)?;
    read::by_key(&pool, "Local authority", &code, queries::find).await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_local_authorities)
        .service(get_local_authority);
}
