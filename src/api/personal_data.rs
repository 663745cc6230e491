//! A person's rights over their data: a subject access export of everything held about
//! them (their own, or any person's for national admins, audited), and erasure.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Action, Caller, CallerKind, authorize};
use crate::db::erasure::{self, Erasure, Obligations};
use crate::db::{DbPool, audit, subject_access};
use crate::domain::LondonTime;
use crate::domain::fees::pounds;
use crate::domain::personal_data::PersonalData;
use crate::error::ApiError;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::paging::{FieldErrors, Filters, QueryParameters};
use crate::http::parse::{boolean, parse_path, uuid};
use crate::http::write::{Answer, Write};

const TAG: &str = "Personal data";

/// The query of a subject access export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `true` to answer as a file to save (`Content-Disposition: attachment`).
    #[param(value_type = Option<bool>)]
    download: Option<String>,
}

#[derive(Debug)]
pub struct ExportRequest {
    download: bool,
}

impl Filters for ExportRequest {
    type Raw = ExportQuery;

    fn parse(raw: ExportQuery, errors: &mut FieldErrors) -> Option<Self> {
        let download = errors.parse("download", raw.download, boolean);
        Some(Self {
            download: download.unwrap_or(false),
        })
    }
}

/// Download my data
///
/// Everything the service holds about the caller, as one JSON document: the account, a
/// lead's profile and the groups they lead, every enrolment with its history, attendance
/// and fees, the messages written to them, their sign-ins and password links, and the audit
/// entries about them or made by them. Other people appear only as the ids of records the
/// caller made. `download=true` answers it as a file. Partner credentials hold no
/// personal data (403).
#[utoipa::path(
    tag = TAG,
    params(ExportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Everything held about the caller", body = PersonalData,
         headers(
             ("Cache-Control" = String, description = "`private, no-store`"),
             ("Content-Disposition" = String, description = "With `download=true`: `attachment; filename=\"personal-data-<id>.json\"`"),
         )),
        (status = 400, response = crate::http::problems::BadRequest),
        (status = 401, response = crate::http::problems::Unauthorized),
        (status = 403, response = crate::http::problems::Forbidden),
        (status = 503, response = crate::http::problems::Unavailable),
    )
)]
#[get("/me/data")]
pub async fn export_my_data(
    caller: Caller,
    query: Deferred<QueryParameters<ExportRequest>>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    if caller.kind == CallerKind::PartnerClient {
        return Err(ApiError::Forbidden(
            "Partner credentials hold no personal data: a person's account does.".into(),
        ));
    }
    let QueryParameters(request) = query.take()?;
    let mut conn = pool.get().await?;
    let document = subject_access::export(&mut conn, caller.id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("The account no longer exists.".into()))?;
    Ok(personal_data(caller.id, &document, request.download))
}

/// Download a person's data
///
/// What `GET /api/v1/me/data` answers the person, for national admins answering a subject
/// access request on their behalf. Each export is audited (`user.data_exported`).
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = uuid::Uuid, Path, description = "The user's id"),
        ExportQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Everything held about the person", body = PersonalData,
         headers(
             ("Cache-Control" = String, description = "`private, no-store`"),
             ("Content-Disposition" = String, description = "With `download=true`: `attachment; filename=\"personal-data-<id>.json\"`"),
         )),
        (status = 400, response = crate::http::problems::BadRequest),
        (status = 401, response = crate::http::problems::Unauthorized),
        (status = 403, response = crate::http::problems::Forbidden),
        (status = 404, response = crate::http::problems::NotFound),
        (status = 503, response = crate::http::problems::Unavailable),
    )
)]
#[get("/users/{id}/data")]
pub async fn export_user_data(
    caller: Caller,
    path: web::Path<String>,
    query: Deferred<QueryParameters<ExportRequest>>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    may_manage(&caller)?;
    let QueryParameters(request) = query.take()?;
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    let document = subject_access::export(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("User {id}")))?;
    let object = id.to_string();
    let details = serde_json::json!({});
    audit::record(
        &mut conn,
        Some(caller.id),
        "user.data_exported",
        "user",
        &object,
        details,
    )
    .await?;
    Ok(personal_data(id, &document, request.download))
}

/// The export of the account `id`: never kept by a cache, and a file when `download`.
fn personal_data(id: uuid::Uuid, document: &PersonalData, download: bool) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CACHE_CONTROL, "private, no-store"));
    if download {
        response.insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!(
                "personal-data-{id}.json"
            ))],
        });
    }
    response.json(document)
}

fn may_manage(caller: &Caller) -> Result<(), ApiError> {
    authorize(caller, &Action::ManagePersonalData).map_err(|refusal| refusal.into_error("User"))
}

/// The query of an erasure.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ErasureQuery {
    /// `true` to erase a person who still holds a place in a group that has not finished,
    /// or whose enrolments have fees neither waived nor voided.
    #[param(value_type = Option<bool>)]
    force: Option<String>,
}

#[derive(Debug)]
pub struct ErasureRequest {
    force: bool,
}

impl Filters for ErasureRequest {
    type Raw = ErasureQuery;

    fn parse(raw: ErasureQuery, errors: &mut FieldErrors) -> Option<Self> {
        let force = errors.parse("force", raw.force, boolean);
        Some(Self {
            force: force.unwrap_or(false),
        })
    }
}

/// An erased account.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasedAccount {
    pub id: uuid::Uuid,
    /// When the account was first erased: erasing it again changes nothing.
    pub erased_at: LondonTime,
}

/// Erase a person
///
/// Removes what identifies a person, for national admins: their name, email, password and
/// school; what they wrote (expression of interest statements, a lead's profile) and what
/// was written about them (decision and waiver reasons, audit details); their messages,
/// sign-ins and password links; and the groups they lead. What the programme must keep
/// stays, against the account's id, which nothing left identifies: enrolments (so reach
/// counts stay the same), attendance, fee amounts and dates, and who recorded or decided
/// what. The account is disabled for good: its tokens stop working at once, and its old
/// email signs in as an unknown one would.
///
/// A person who holds a place in a group that has not finished, or whose enrolments have
/// fees neither waived nor voided, is refused (409) unless `force=true`: withdraw the place
/// and settle the fees first where you can. A forced erasure leaves the place and the fees
/// as they stand, against the erased account. Erasing an erased account changes nothing and
/// answers the same. Admins cannot erase their own account. Audited (`user.erased`, saying
/// whether it was forced, never what was erased).
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = uuid::Uuid, Path, description = "The user's id"),
        ErasureQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account, erased", body = ErasedAccount),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/users/{id}/erase")]
pub async fn erase_user(
    caller: Caller,
    path: web::Path<String>,
    query: Deferred<QueryParameters<ErasureRequest>>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| {
                may_manage(&caller)?;
                let QueryParameters(request) = query.take()?;
                if id == caller.id {
                    return Err(ApiError::Forbidden(
                        "Admins cannot erase their own account: another admin does.".into(),
                    ));
                }
                Ok(request)
            },
            async |conn, request, _| {
                let details = serde_json::json!({"forced": request.force});
                let erased =
                    erasure::erase_account(conn, id, request.force, Some(caller.id), details)
                        .await?
                        .ok_or_else(|| ApiError::not_found(format!("User {id}")))?;
                let erased_at = match erased {
                    Erasure::Erased(at) | Erasure::AlreadyErased(at) => at,
                    Erasure::Obliged(obligations) => return Err(obliged(id, &obligations)),
                };
                Answer::ok(&ErasedAccount {
                    id,
                    erased_at: erased_at.into(),
                })
            },
        )
        .await
}

/// 409: the person `id` still takes part in the programme.
fn obliged(id: uuid::Uuid, obligations: &Obligations) -> ApiError {
    ApiError::Conflict(format!(
        "User {id} holds {} place(s) in groups that have not finished and {} fee(s) neither \
         waived nor voided ({}). Withdraw the places and settle the fees first, or erase with \
         force=true to keep them as they stand against the erased account.",
        obligations.places,
        obligations.unwaived_fees,
        pounds(obligations.unwaived_pence)
    ))
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(export_my_data)
        .service(export_user_data)
        .service(erase_user);
}
