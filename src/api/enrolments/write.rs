//! The enrolment engine over HTTP: teachers express interest for their schools, the group's
//! staff accept, decline or waitlist, and participants or staff withdraw. Every change runs
//! in one transaction holding the work group's row lock, so a group is never overbooked and
//! waiting-list positions stay 1..n whatever the concurrency. What each move may do is the
//! status machine's (`domain::enrolment`); the engine (`db::enrolment_writes`) carries it out.

use actix_web::{HttpResponse, post, web};
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::enrolments::access::{authorise_on_enrolment, view};
use crate::api::enrolments::agreement::{SeniorLeaderAgreementForm, SeniorLeaderAgreementInput};
use crate::api::enrolments::read::Enrolment;
use crate::auth::policy::EnrolmentScope;
use crate::auth::{Action, Auth, Caller, authorize};
use crate::db::enrolment_writes::{self as engine, AccountSchool, NewEnrolment, awaits_agreement};
use crate::db::work_group_writes::{self as group_writes, LockedGroup};
use crate::db::{DbPool, audit, lookups};
use crate::domain::eligibility::{self, Account, Applicant, Declared, TakingPart};
use crate::domain::enrolment;
use crate::domain::{
    BoundedText, EnrolmentStatus, NonBlank, RoleInSchool, SchoolPhase, SchoolStatus, Slug, Urn,
};
use crate::error::{ApiError, FieldError};
use crate::http::body::ReasonForm;
use crate::http::extract::paging::FieldErrors;
use crate::http::parse::{parse_path, uuid};
use crate::http::write::{Answer, Body, Write};

const TAG: &str = "Enrolments";
/// Why a participant wants to take part.
type Statement = BoundedText<2_000>;

/// An expression of interest in a work group, for the school of the participant's account.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "school_urn": "137083", "role_in_school": "head_of_department",
    "statement": "I lead a department of nine and want to embed mastery approaches across key stage 3.",
    "referred_by": "london-district-east",
    "senior_leader_agreement": {"name": "Grace Adeyemi", "role": "Deputy Headteacher"}
}))]
pub struct ExpressionOfInterest {
    /// The school the participant takes part for (DfE URN): the school of their account,
    /// which it defaults to. Any other answers 422.
    #[schema(inline)]
    pub school_urn: Option<Urn>,
    /// The participant's role in that school: the one their account holds, which it
    /// defaults to. Any other answers 422.
    pub role_in_school: Option<RoleInSchool>,
    /// Why the participant wants to take part (up to 2,000 characters).
    #[schema(inline)]
    pub statement: Option<Statement>,
    /// The Teaching School Hub (slug) whose signposting link brought the participant.
    #[schema(inline)]
    pub referred_by: Option<Slug>,
    /// The senior leader of the school who agreed to release the participant for the
    /// group's sessions; recorded with the time the expression of interest came.
    pub senior_leader_agreement: Option<SeniorLeaderAgreementInput>,
}

/// `ExpressionOfInterest` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "ExpressionOfInterest", deny_unknown_fields)]
pub struct ExpressionOfInterestForm {
    school_urn: Option<String>,
    role_in_school: Option<String>,
    statement: Option<String>,
    referred_by: Option<String>,
    senior_leader_agreement: Option<SeniorLeaderAgreementForm>,
}

impl TryFrom<ExpressionOfInterestForm> for ExpressionOfInterest {
    type Error = ApiError;

    fn try_from(form: ExpressionOfInterestForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let school_urn = errors.parse("school_urn", form.school_urn, Urn::parse);
        let role_in_school =
            errors.parse("role_in_school", form.role_in_school, RoleInSchool::parse);
        let statement = errors.parse("statement", form.statement, Statement::parse);
        let referred_by = errors.parse("referred_by", form.referred_by, Slug::parse);
        let senior_leader_agreement = form
            .senior_leader_agreement
            .and_then(|agreement| agreement.parse("senior_leader_agreement.", &mut errors));
        errors.finish(|| {
            Some(Self {
                school_urn,
                role_in_school,
                statement,
                referred_by,
                senior_leader_agreement,
            })
        })
    }
}

/// Why an enrolment is declined or withdrawn, for the participant and the hub.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "I have moved to a primary school."}))]
pub struct Reason {
    #[schema(inline)]
    pub reason: NonBlank,
}

impl TryFrom<ReasonForm> for Reason {
    type Error = ApiError;

    fn try_from(form: ReasonForm) -> Result<Self, ApiError> {
        form.parse().map(|reason| Self { reason })
    }
}

/// Express interest in a work group
///
/// For participants, for themselves and the school their account holds, in the role it
/// holds there (`school_urn` and `role_in_school` may be left out; sent, they must be the
/// account's, else 422 naming each; an account with no school or role answers 422 asking for
/// it to be set). With admission `automatic` the answer is `accepted` while places remain,
/// then `waitlisted` with a position; with `review`, `pending` until the group's staff
/// decide. Refused with 409 when the group is not open
/// (closed, running, completed, cancelled) or its deadline has passed, or when the
/// participant already has a live enrolment in it; 422 naming each eligibility rule failed
/// (role in school, the school's phase, the school closed, an earlier project the school has
/// not completed). Each participant may send a limited number per window (429 with
/// `Retry-After` beyond it). Send an `Idempotency-Key` to retry safely.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The work group's id")),
    request_body = ExpressionOfInterest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The enrolment: accepted, waitlisted or pending", body = Enrolment,
         headers(("Location" = String, description = "The enrolment's URL"))),
        crate::http::problems::EnrolErrors,
    )
)]
#[post("/work-groups/{id}/enrolments")]
pub async fn express_interest(
    caller: Caller,
    path: web::Path<String>,
    write: Write<ExpressionOfInterestForm>,
    pool: web::Data<DbPool>,
    auth: web::Data<Auth>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, &Action::ExpressInterest)
        .map_err(|refusal| refusal.into_error("Work group"))?;
    let group_id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    auth.rate_limits
        .check_expression_of_interest(&mut conn, caller.id)
        .await?;
    write
        .run(
            &mut conn,
            &caller,
            // The participant's account is read beside the group's lock, in one round trip.
            async |conn| {
                let (group, account) = tokio::join!(
                    public_group(conn, group_id),
                    engine::account_school(conn, caller.id),
                );
                Ok((group?, account?))
            },
            async |conn, (group, account), form| {
                let ExpressionOfInterest {
                    school_urn: declared_urn,
                    role_in_school: declared_role,
                    statement,
                    referred_by,
                    senior_leader_agreement,
                } = ExpressionOfInterest::try_from(form)?;
                let declared = Declared {
                    school_urn: declared_urn.as_ref().map(Urn::as_str),
                    role_in_school: declared_role,
                };
                let now = Utc::now();
                let admitted = enrolment::until_agreed(
                    enrolment::admit(&group.facts, group.fields.admission, now)?,
                    awaits_agreement(&group, senior_leader_agreement.is_some()),
                );
                let referred_by_id = referrer(conn, referred_by.as_ref()).await?;
                let taking_part = school_and_role(&account, declared)?;
                check_eligible(conn, &group, &taking_part).await?;
                let enrolment = NewEnrolment {
                    id: uuid::Uuid::now_v7(),
                    work_group_id: group_id,
                    participant_id: caller.id,
                    school_urn: taking_part.school_urn.to_owned(),
                    role_in_school: taking_part.role_in_school,
                    statement: statement.map(Statement::into_inner).unwrap_or_default(),
                    referred_by_id,
                    senior_leader_agreed_at: senior_leader_agreement.as_ref().map(|_| now),
                    senior_leader_role: senior_leader_agreement
                        .as_ref()
                        .map(|agreement| agreement.role.as_str().to_owned()),
                    senior_leader_name: senior_leader_agreement
                        .map(|agreement| agreement.name.into_inner()),
                };
                let enrolment =
                    Enrolment::from(engine::enrol(conn, &group, enrolment, &admitted).await?);
                Answer::created(format!("/api/v1/enrolments/{}", enrolment.id), &enrolment)
            },
        )
        .await
}

/// The group, locked, unless it is private (a draft, or one abandoned as a draft) or there is none.
async fn public_group(conn: &AsyncPgConnection, id: uuid::Uuid) -> Result<LockedGroup, ApiError> {
    group_writes::lock(conn, id)
        .await?
        .filter(|group| group.is_public)
        .ok_or_else(|| ApiError::not_found(format!("Work group {id}")))
}

/// The Teaching School Hub whose signposting link brought the participant: 422 for a slug
/// no hub has.
async fn referrer(
    conn: &AsyncPgConnection,
    slug: Option<&Slug>,
) -> Result<Option<uuid::Uuid>, ApiError> {
    let Some(slug) = slug else {
        return Ok(None);
    };
    let id = lookups::teaching_school_hub_id(conn, slug.as_str()).await?;
    id.map(Some).ok_or_else(|| {
        ApiError::unprocessable(
            "referred_by",
            format!("no Teaching School Hub has the slug {slug}"),
        )
    })
}

/// What the eligibility rules look at about a school.
#[derive(Debug, Clone, Copy)]
struct SchoolFacts {
    phase: SchoolPhase,
    status: SchoolStatus,
}

/// The school and role the participant takes part with: their account's (422 naming each
/// field the account lacks or the request names otherwise).
fn school_and_role<'a>(
    account: &'a AccountSchool,
    declared: Declared<'_>,
) -> Result<TakingPart<'a, SchoolFacts>, ApiError> {
    let account = Account {
        school: account.school.as_ref().map(|(urn, phase, status)| {
            (
                urn.as_str(),
                SchoolFacts {
                    phase: *phase,
                    status: *status,
                },
            )
        }),
        role_in_school: account.role_in_school,
    };
    eligibility::taking_part_as(account, declared).map_err(|refusals| {
        ApiError::Unprocessable(
            refusals
                .into_iter()
                .map(|(field, reason)| FieldError::new(field, reason))
                .collect(),
        )
    })
}

/// 422 naming every eligibility rule the school and role taking part fail.
async fn check_eligible(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
    taking_part: &TakingPart<'_, SchoolFacts>,
) -> Result<(), ApiError> {
    let (urn, school) = (taking_part.school_urn, taking_part.school);
    let eligibility = &group.terms.eligibility;
    let school_completed_required = match &eligibility.requires_completed {
        Some(code) => engine::school_completed(conn, urn, code).await?,
        None => false,
    };
    let applicant = Applicant {
        role_in_school: taking_part.role_in_school,
        school_phase: school.phase,
        school_completed_required,
    };
    let mut refusals: Vec<FieldError> = eligibility::refusals(eligibility, &applicant)
        .into_iter()
        .map(|(field, reason)| FieldError::new(field, reason))
        .collect();
    if school.status != SchoolStatus::Open {
        refusals.push(FieldError::new("school_urn", "the school is closed"));
    }
    if refusals.is_empty() {
        Ok(())
    } else {
        Err(ApiError::NotEligible(refusals))
    }
}

/// 403 unless `caller` may make `action`: the group's staff make every move, and the
/// participant may also withdraw.
fn may_make(
    caller: &Caller,
    action: enrolment::Action,
    scope: &EnrolmentScope,
) -> Result<(), ApiError> {
    let staff = authorize(caller, &Action::DecideEnrolments(&scope.work_group)).is_ok();
    let (allowed, refusal) = match action {
        enrolment::Action::Withdraw => (
            staff || authorize(caller, &Action::ActOnOwnEnrolment(scope)).is_ok(),
            "Only the participant and the group's staff withdraw an enrolment.",
        ),
        _ => (
            staff,
            "Only the group's leads, its hub's managers and national admins decide enrolments.",
        ),
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(refusal.into()))
    }
}

/// Makes `action` on an enrolment under its group's lock, with the reason `reason` gives
/// from the body; audited.
async fn change_enrolment<T: Body + Send>(
    pool: &DbPool,
    caller: &Caller,
    path: &str,
    write: &Write<T>,
    action: enrolment::Action,
    reason: impl FnOnce(T) -> Result<Option<String>, ApiError> + Send,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            caller,
            async |conn| {
                let may_make =
                    |caller: &Caller, scope: &EnrolmentScope| may_make(caller, action, scope);
                authorise_on_enrolment(conn, caller, id, may_make).await
            },
            async |conn, group, body| {
                let reason = reason(body)?;
                move_enrolment(conn, caller, &group, id, action, reason).await?;
                Answer::ok(&view(conn, id).await?)
            },
        )
        .await
}

/// Makes `action` on the enrolment `id` of the locked `group` as the status machine decides
/// (409 naming the rule it breaks), locking the enrolment after its group as every engine
/// write does; audited.
async fn move_enrolment(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    group: &LockedGroup,
    id: uuid::Uuid,
    action: enrolment::Action,
    reason: Option<String>,
) -> Result<(), ApiError> {
    let locked = engine::lock(conn, id).await?;
    let agreed = locked.senior_leader_agreed_at.is_some();
    enrolment::require_agreement(action, awaits_agreement(group, agreed))?;
    let outcome = enrolment::decide(locked.status, action, &group.facts)?;
    // Only staff decide: a participant withdrawing their own enrolment is no decision.
    let decided_by = (caller.id != locked.participant_id).then_some(caller.id);
    let promoted = engine::carry_out(
        conn,
        group,
        &locked,
        &outcome,
        reason.as_deref(),
        decided_by,
    )
    .await?;
    audit::record(
        conn,
        Some(caller.id),
        &format!("enrolment.{}", action.verb()),
        "enrolment",
        &id.to_string(),
        audited(action, locked.status, reason, promoted),
    )
    .await?;
    Ok(())
}

/// What the audit trail keeps of a move: the status before, the reason given and, for a
/// withdrawal, the enrolment promoted to the place freed (if any).
fn audited(
    action: enrolment::Action,
    before: EnrolmentStatus,
    reason: Option<String>,
    promoted: Option<uuid::Uuid>,
) -> serde_json::Value {
    match action {
        enrolment::Action::Withdraw => {
            serde_json::json!({"before": before, "reason": reason, "promoted": promoted})
        }
        _ => serde_json::json!({"before": before, "after": action.verb(), "reason": reason}),
    }
}

/// Accept an enrolment
///
/// Gives a pending or waitlisted enrolment a place, for the group's leads, its hub's
/// managers and national admins. A full group answers 409: nobody is ever accepted beyond
/// its capacity. The waiting list closes up behind a waitlisted enrolment.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The enrolment's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The enrolment, accepted", body = Enrolment),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/enrolments/{id}/accept")]
pub async fn accept_enrolment(
    caller: Caller,
    path: web::Path<String>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    change_enrolment(
        &pool,
        &caller,
        &path,
        &write,
        enrolment::Action::Accept,
        |_| Ok(None),
    )
    .await
}

/// Decline an enrolment
///
/// Declines a pending or waitlisted enrolment with a reason the participant will see, for
/// the group's leads, its hub's managers and national admins.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The enrolment's id")),
    request_body = Reason,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The enrolment, declined", body = Enrolment),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/enrolments/{id}/decline")]
pub async fn decline_enrolment(
    caller: Caller,
    path: web::Path<String>,
    write: Write<ReasonForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let reason = |body| reason_of(body).map(Some);
    change_enrolment(
        &pool,
        &caller,
        &path,
        &write,
        enrolment::Action::Decline,
        reason,
    )
    .await
}

/// Put an enrolment on the waiting list
///
/// Moves a pending enrolment to the end of the group's waiting list, for the group's leads,
/// its hub's managers and national admins.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The enrolment's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The enrolment, waitlisted with its position", body = Enrolment),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/enrolments/{id}/waitlist")]
pub async fn waitlist_enrolment(
    caller: Caller,
    path: web::Path<String>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    change_enrolment(
        &pool,
        &caller,
        &path,
        &write,
        enrolment::Action::Waitlist,
        |_| Ok(None),
    )
    .await
}

fn reason_of(form: ReasonForm) -> Result<String, ApiError> {
    Ok(Reason::try_from(form)?.reason.into_inner())
}

/// Withdraw an enrolment
///
/// For the participant, or the group's staff, with a reason. In the same transaction a place
/// held is freed and given to the first on the waiting list (who is accepted; positions
/// close up), and a withdrawal after the London date the project's notice days before the
/// next session's London date leaves the school owing the project's fee for a late
/// withdrawal (on that date, at any hour, it is free).
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The enrolment's id")),
    request_body = Reason,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The enrolment, withdrawn", body = Enrolment),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/enrolments/{id}/withdraw")]
pub async fn withdraw_enrolment(
    caller: Caller,
    path: web::Path<String>,
    write: Write<ReasonForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let reason = |body| reason_of(body).map(Some);
    change_enrolment(
        &pool,
        &caller,
        &path,
        &write,
        enrolment::Action::Withdraw,
        reason,
    )
    .await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(express_interest)
        .service(accept_enrolment)
        .service(decline_enrolment)
        .service(waitlist_enrolment)
        .service(withdraw_enrolment);
}
