//! `/schools`: schools by DfE URN, as Get Information about Schools records them.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::DbPool;
use crate::db::schools::{self as queries, SchoolFilter, SchoolRow};
use crate::domain::{GssCode, SchoolPhase, SchoolStatus, Urn};
use crate::error::ApiError;
use crate::routes::list::{
    FieldErrors, Filters, ListQuery, NoQueryParameters, Page, PageParams, page_response,
};
use crate::routes::parse_path;
use crate::routes::refs::{LocalAuthorityRef, reference};

const TAG: &str = "Schools";

/// A school of England.
#[derive(Debug, Serialize, ToSchema)]
pub struct School {
    /// DfE Unique Reference Number.
    #[schema(example = "137083")]
    pub urn: String,
    #[schema(example = "Twyford Church of England High School")]
    pub name: String,
    pub phase: SchoolPhase,
    pub status: SchoolStatus,
    /// The local (education) authority that maintains or hosts the school.
    pub local_authority: LocalAuthorityRef,
    /// The district it sits in, where its authority is a county.
    pub district: Option<LocalAuthorityRef>,
    #[schema(example = "W3 9PP")]
    pub postcode: Option<String>,
}

impl From<SchoolRow> for School {
    fn from(row: SchoolRow) -> Self {
        Self {
            urn: row.urn,
            name: row.name,
            phase: row.phase,
            status: row.status,
            local_authority: LocalAuthorityRef {
                gss_code: row.la_code,
                name: row.la_name,
            },
            district: reference(row.district_code, row.district_name, |gss_code, name| {
                LocalAuthorityRef { gss_code, name }
            }),
            postcode: row.postcode,
        }
    }
}

/// Filters of `GET /schools`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SchoolQuery {
    /// Part of the name, any case.
    #[param(example = "twyford")]
    q: Option<String>,
    /// Only schools in this local authority or district (GSS code).
    #[param(value_type = Option<String>, example = "E09000009")]
    local_authority: Option<String>,
    /// Only schools of this GIAS phase.
    #[param(value_type = Option<SchoolPhase>)]
    phase: Option<String>,
    /// Only open, or only closed, schools.
    #[param(value_type = Option<SchoolStatus>)]
    status: Option<String>,
}

impl Filters for SchoolFilter {
    type Raw = SchoolQuery;

    fn parse(raw: SchoolQuery, errors: &mut FieldErrors) -> Self {
        Self {
            q: errors.parse("q", raw.q, crate::routes::non_empty),
            local_authority: errors.parse("local_authority", raw.local_authority, GssCode::parse),
            phase: errors.parse("phase", raw.phase, SchoolPhase::parse),
            status: errors.parse("status", raw.status, SchoolStatus::parse),
        }
    }
}

/// List schools
///
/// Schools in URN order. `local_authority` matches a school's education authority or its
/// district, so both a county and one of its districts can be asked for.
#[utoipa::path(
    tag = TAG,
    params(SchoolQuery, PageParams),
    responses(
        (status = 200, description = "One page of schools", body = Page<School>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::openapi::ListErrors,
    )
)]
#[get("/schools")]
pub async fn list_schools(
    request: HttpRequest,
    query: ListQuery<SchoolFilter, Urn>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    let rows = queries::list(
        &mut conn,
        &query.filters,
        query.after.as_ref(),
        query.limit + 1,
    )
    .await?;
    let items = rows.into_iter().map(School::from).collect();
    Ok(page_response(
        &request,
        items,
        query.limit,
        |school: &School| school.urn.clone(),
    ))
}

/// Get a school
///
/// One school by its DfE URN.
#[utoipa::path(
    tag = TAG,
    params(("urn" = String, Path, description = "DfE Unique Reference Number", example = "137083")),
    responses(
        (status = 200, description = "The school", body = School, headers(("ETag" = String))),
        crate::openapi::ReadErrors,
    )
)]
#[get("/schools/{urn}")]
pub async fn get_school(
    path: web::Path<String>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
) -> Result<web::Json<School>, ApiError> {
    let urn = parse_path("urn", &path, Urn::parse)?;
    let mut conn = pool.get().await?;
    let row = queries::find(&mut conn, &urn)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("School {urn}")))?;
    Ok(web::Json(row.into()))
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(list_schools).service(get_school);
}
