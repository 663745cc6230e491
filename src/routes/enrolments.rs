//! Reading enrolments: a participant's own, and a work group's for its staff (its leads, its
//! hub's managers, admins). They carry personal data, so every read goes through the policy,
//! and an enrolment outside the caller's reach answers 404.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::policy::{EnrolmentScope, WorkGroupScope, authorize_on_group};
use crate::auth::{Action, Caller, authorize};
use crate::db::enrolments::{self as queries, EnrolmentRow, Owner};
use crate::db::{DbPool, work_groups};
use crate::domain::{EnrolmentStatus, LondonTime, RoleInSchool, WorkGroupStatus};
use crate::error::ApiError;
use crate::routes::list::{
    FieldErrors, Filters, ListQuery, NoQueryParameters, Page, PageParams, page_response,
};
use crate::routes::refs::{SchoolRef, WorkGroupRef};
use crate::routes::{parse_path, uuid};

const TAG: &str = "Enrolments";

/// The person behind an enrolment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Participant {
    pub id: uuid::Uuid,
    #[schema(example = "Demo Teacher (Twyford)")]
    pub name: String,
    #[schema(example = "teacher.twyford@demo.mathshub.invalid")]
    pub email: String,
}

/// A teacher's expression of interest in a work group, for their school, and where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enrolment {
    pub id: uuid::Uuid,
    pub work_group_id: uuid::Uuid,
    pub work_group: WorkGroupRef,
    pub participant: Participant,
    pub school: SchoolRef,
    pub role_in_school: RoleInSchool,
    pub statement: String,
    pub status: EnrolmentStatus,
    /// Place on the waiting list (1 is next), when waitlisted.
    pub waitlist_position: Option<i32>,
    /// The Teaching School Hub (slug) whose signposting the participant came from.
    #[schema(example = "london-district-east")]
    pub referred_by: Option<String>,
    pub created_at: LondonTime,
    pub updated_at: LondonTime,
}

impl From<EnrolmentRow> for Enrolment {
    fn from(row: EnrolmentRow) -> Self {
        Self {
            id: row.id,
            work_group_id: row.work_group_id,
            work_group: WorkGroupRef {
                id: row.work_group_id,
                code: row.work_group_code,
                title: row.work_group_title,
            },
            participant: Participant {
                id: row.participant_id,
                name: row.participant_name,
                email: row.participant_email,
            },
            school: SchoolRef {
                urn: row.school_urn,
                name: row.school_name,
            },
            role_in_school: row.role_in_school,
            statement: row.statement,
            status: row.status,
            waitlist_position: row.waitlist_position,
            referred_by: row.referred_by_slug,
            created_at: LondonTime(row.created_at),
            updated_at: LondonTime(row.updated_at),
        }
    }
}

/// Filters of enrolment lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EnrolmentQuery {
    #[param(value_type = Option<EnrolmentStatus>)]
    status: Option<String>,
}

#[derive(Debug, Default)]
pub struct EnrolmentFilter {
    status: Option<EnrolmentStatus>,
}

impl Filters for EnrolmentFilter {
    type Raw = EnrolmentQuery;

    fn parse(raw: EnrolmentQuery, errors: &mut FieldErrors) -> Self {
        Self {
            status: errors.parse("status", raw.status, EnrolmentStatus::parse),
        }
    }
}

type EnrolmentKey = (DateTime<Utc>, uuid::Uuid);

fn sort_key(enrolment: &Enrolment) -> EnrolmentKey {
    (enrolment.created_at.0, enrolment.id)
}

/// The scope of a work group, for rights: 404 when there is no such group.
async fn group_scope(
    conn: &mut diesel_async::AsyncPgConnection,
    id: uuid::Uuid,
) -> Result<(WorkGroupStatus, WorkGroupScope), ApiError> {
    let row = work_groups::scope(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Work group {id}")))?;
    Ok((row.status, WorkGroupScope::from(row)))
}

/// List a work group's enrolments
///
/// Every enrolment of the group in the order they came, with the participants' names and
/// emails: for the group's leads, its hub's managers and national admins. Others get 403
/// (404 for a draft group, whose existence is private).
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The work group's id"), EnrolmentQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of enrolments", body = Page<Enrolment>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::openapi::ProtectedReadErrors,
    )
)]
#[get("/work-groups/{id}/enrolments")]
pub async fn list_work_group_enrolments(
    caller: Caller,
    request: HttpRequest,
    path: web::Path<String>,
    query: ListQuery<EnrolmentFilter, EnrolmentKey>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    let (status, group) = group_scope(&mut conn, id).await?;
    authorize_on_group(&caller, &Action::SeeEnrolments(&group), status)
        .map_err(|refusal| refusal.into_error(format!("Work group {id}")))?;
    let rows = queries::list(
        &mut conn,
        Owner::WorkGroup(id),
        query.filters.status,
        query.after.as_ref(),
        query.limit + 1,
    )
    .await?;
    let items = rows.into_iter().map(Enrolment::from).collect();
    Ok(page_response(&request, items, query.limit, sort_key))
}

/// Get an enrolment
///
/// One enrolment: for its participant and the group's staff. Anyone else gets 404.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The enrolment's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The enrolment", body = Enrolment, headers(("ETag" = String))),
        crate::openapi::ProtectedReadErrors,
    )
)]
#[get("/enrolments/{id}")]
pub async fn get_enrolment(
    caller: Caller,
    path: web::Path<String>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Enrolment>, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let what = format!("Enrolment {id}");
    let mut conn = pool.get().await?;
    let row = queries::find(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(&what))?;
    let (_, work_group) = group_scope(&mut conn, row.work_group_id).await?;
    let scope = EnrolmentScope {
        participant_id: row.participant_id,
        work_group,
    };
    authorize(&caller, &Action::SeeEnrolment(&scope))
        .map_err(|refusal| refusal.into_error(&what))?;
    Ok(web::Json(row.into()))
}

/// List my enrolments
///
/// The caller's own enrolments, oldest first: participants only.
#[utoipa::path(
    tag = TAG,
    params(EnrolmentQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the caller's enrolments", body = Page<Enrolment>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::openapi::ProtectedListErrors,
    )
)]
#[get("/me/enrolments")]
pub async fn list_my_enrolments(
    caller: Caller,
    request: HttpRequest,
    query: ListQuery<EnrolmentFilter, EnrolmentKey>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, &Action::ListOwnEnrolments)
        .map_err(|refusal| refusal.into_error("Enrolments"))?;
    let mut conn = pool.get().await?;
    let rows = queries::list(
        &mut conn,
        Owner::Participant(caller.id),
        query.filters.status,
        query.after.as_ref(),
        query.limit + 1,
    )
    .await?;
    let items = rows.into_iter().map(Enrolment::from).collect();
    Ok(page_response(&request, items, query.limit, sort_key))
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_work_group_enrolments)
        .service(get_enrolment)
        .service(list_my_enrolments);
}
