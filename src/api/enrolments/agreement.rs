//! The senior leader's agreement to release a participant: sent with the expression of
//! interest, or recorded later on a live enrolment by the participant or the group's staff.

use actix_web::{HttpResponse, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::enrolments::access::{authorise_on_enrolment, view};
use crate::api::enrolments::read::Enrolment;
use crate::auth::policy::EnrolmentScope;
use crate::auth::{Action, Caller, authorize};
use crate::db::enrolment_writes as engine;
use crate::db::{DbPool, audit};
use crate::domain::{EnrolmentStatus, NonBlank};
use crate::error::ApiError;
use crate::http::extract::paging::FieldErrors;
use crate::http::parse::{parse_path, uuid};
use crate::http::write::{Answer, Write};

const TAG: &str = "Enrolments";

/// Who at the school agreed to release the participant for a work group's sessions.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Grace Adeyemi", "role": "Deputy Headteacher"}))]
pub struct SeniorLeaderAgreementInput {
    /// Their name (up to 200 characters).
    #[schema(inline)]
    pub name: NonBlank,
    /// Their role at the school, such as `Headteacher` (up to 200 characters).
    #[schema(inline)]
    pub role: NonBlank,
}

/// `SeniorLeaderAgreementInput` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "SeniorLeaderAgreementInput", deny_unknown_fields)]
pub struct SeniorLeaderAgreementForm {
    name: String,
    role: String,
}

impl SeniorLeaderAgreementForm {
    /// The agreement, each bad field named in `errors` after `prefix`.
    pub fn parse(
        self,
        prefix: &str,
        errors: &mut FieldErrors,
    ) -> Option<SeniorLeaderAgreementInput> {
        let name = errors.parse(&format!("{prefix}name"), Some(self.name), NonBlank::parse);
        let role = errors.parse(&format!("{prefix}role"), Some(self.role), NonBlank::parse);
        Some(SeniorLeaderAgreementInput {
            name: name?,
            role: role?,
        })
    }
}

/// 403 unless `caller` is the participant or one of the group's staff.
fn may_record(caller: &Caller, scope: &EnrolmentScope) -> Result<(), ApiError> {
    let allowed = authorize(caller, &Action::ActOnOwnEnrolment(scope)).is_ok()
        || authorize(caller, &Action::DecideEnrolments(&scope.work_group)).is_ok();
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "Only the participant and the group's staff record the school's agreement.".into(),
        ))
    }
}

/// Record a senior leader's agreement
///
/// Records who at the participant's school (their name and role there) agreed to release
/// them for the work group's sessions, at the time it is sent, replacing any recorded before.
/// For the participant and the group's leads, its hub's managers and national admins, on an
/// enrolment still live (pending, waitlisted or accepted; else 409); audited.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The enrolment's id")),
    request_body = SeniorLeaderAgreementInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The enrolment, with the agreement", body = Enrolment),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[put("/enrolments/{id}/senior-leader-agreement")]
pub async fn record_senior_leader_agreement(
    caller: Caller,
    path: web::Path<String>,
    write: Write<SeniorLeaderAgreementForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| authorise_on_enrolment(conn, &caller, id, may_record).await,
            async |conn, _group, form| {
                let mut errors = FieldErrors::default();
                let agreement = form.parse("", &mut errors);
                let agreement = errors.finish(|| agreement)?;
                let locked = engine::lock(conn, id).await?;
                if !matches!(
                    locked.status,
                    EnrolmentStatus::Pending
                        | EnrolmentStatus::Waitlisted
                        | EnrolmentStatus::Accepted
                ) {
                    return Err(ApiError::Conflict(format!(
                        "The enrolment is {}: agreements are recorded for live enrolments.",
                        locked.status.as_str()
                    )));
                }
                engine::record_senior_leader_agreement(
                    conn,
                    id,
                    agreement.name.as_str(),
                    agreement.role.as_str(),
                )
                .await?;
                audit::record(
                    conn,
                    Some(caller.id),
                    "enrolment.senior_leader_agreed",
                    "enrolment",
                    &id.to_string(),
                    serde_json::json!({"role": agreement.role.as_str()}),
                )
                .await?;
                Answer::ok(&view(conn, id).await?)
            },
        )
        .await
}
