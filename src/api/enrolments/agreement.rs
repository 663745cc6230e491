//! The senior leader's agreement to release a participant: sent with the expression of
//! interest, or recorded later on a live enrolment by the participant or the group's staff.
//! A group that requires it holds an enrolment without it back, pending; recording it admits
//! the enrolment as the group's admission would have.

use actix_web::{HttpResponse, put, web};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::enrolments::access::{authorise_on_enrolment, view};
use crate::api::enrolments::read::Enrolment;
use crate::auth::policy::EnrolmentScope;
use crate::auth::{Action, Caller, authorize};
use crate::db::enrolment_writes::{self as engine, LockedEnrolment};
use crate::db::work_group_writes::LockedGroup;
use crate::db::{DbPool, audit};
use crate::domain::{self, EnrolmentStatus, NonBlank};
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

/// Admits an enrolment its group held back, pending, for the agreement now recorded, as
/// automatic admission would have (`domain::enrolment::on_agreement`); audited with no actor,
/// as a promotion is.
async fn admit_once_agreed(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
    enrolment: &LockedEnrolment,
) -> Result<(), ApiError> {
    let Some(outcome) =
        domain::enrolment::on_agreement(enrolment.status, group.fields.admission, &group.facts)
    else {
        return Ok(());
    };
    engine::carry_out(conn, group, enrolment, &outcome, None, None).await?;
    audit::record(
        conn,
        None,
        "enrolment.admitted",
        "enrolment",
        &enrolment.id.to_string(),
        serde_json::json!({"before": enrolment.status, "after": outcome.status}),
    )
    .await?;
    Ok(())
}

/// Record a senior leader's agreement
///
/// Records who at the participant's school (their name and role there) agreed to release
/// them for the work group's sessions, at the time it is sent, replacing any recorded before.
/// For the participant and the group's leads, its hub's managers and national admins, on an
/// enrolment still live (pending, waitlisted or accepted; else 409); audited.
///
/// In a group that requires the agreement (`requires_senior_leader_agreement`) and admits
/// automatically, an enrolment held pending for it is admitted at once: `accepted` while a
/// place is free, else `waitlisted` at the end of the list (audited as `enrolment.admitted`,
/// and the participant told). In a group that reviews, its staff may accept it from now on.
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
            async |conn, group, form| {
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
                if engine::awaits_agreement(&group, locked.senior_leader_agreed_at.is_some()) {
                    admit_once_agreed(conn, &group, &locked).await?;
                }
                Answer::ok(&view(conn, id).await?)
            },
        )
        .await
}
