//! The enrolment engine over HTTP: teachers express interest for their schools, the group's
//! staff accept, decline or waitlist, and participants or staff withdraw. Every change runs
//! in one transaction holding the work group's row lock, so a group is never overbooked and
//! waiting-list positions stay 1..n whatever the concurrency; the group's status follows its
//! places (`lifecycle::after_places_change`) and each change of places reaches the change feed.

use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::policy::{EnrolmentScope, WorkGroupScope};
use crate::auth::{Action, Auth, Caller, authorize};
use crate::db::enrolment_writes::{self as engine, LockedEnrolment, Move, NewEnrolment};
use crate::db::fees::{self, NewFee};
use crate::db::work_group_writes::{self as group_writes, LockedGroup};
use crate::db::{DbPool, audit, enrolments, lookups, work_groups};
use crate::domain::eligibility::{self, Applicant};
use crate::domain::fees::FeePolicy;
use crate::domain::lifecycle::{self, GroupFacts};
use crate::domain::{
    Admission, EnrolmentStatus, FeeReason, RoleInSchool, SchoolPhase, Slug, Urn, WorkGroupStatus,
};
use crate::error::{ApiError, FieldError};
use crate::routes::enrolments::Enrolment;
use crate::routes::list::FieldErrors;
use crate::routes::{non_empty, parse_path, text_up_to, uuid};

const TAG: &str = "Enrolments";
pub const MAX_STATEMENT_CHARS: usize = 2_000;

/// An expression of interest in a work group, for the participant's school.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "school_urn": "137083", "role_in_school": "head_of_department",
    "statement": "I lead a department of nine and want to embed mastery approaches across key stage 3.",
    "referred_by": "london-district-east"
}))]
pub struct ExpressionOfInterest {
    /// The school the participant takes part for (DfE URN).
    pub school_urn: String,
    #[schema(value_type = RoleInSchool)]
    pub role_in_school: String,
    /// Why the participant wants to take part (up to 2,000 characters).
    pub statement: Option<String>,
    /// The Teaching School Hub (slug) whose signposting link brought the participant.
    pub referred_by: Option<String>,
}

/// Why an enrolment is declined or withdrawn, for the participant and the hub.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "I have moved to a primary school."}))]
pub struct Reason {
    pub reason: String,
}

/// Express interest in a work group
///
/// For participants, for themselves and their school. With admission `automatic` the answer
/// is `accepted` while places remain, then `waitlisted` with a position; with `review`,
/// `pending` until the group's staff decide. Refused with 409 when the group is not open
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
        crate::openapi::EnrolErrors,
    )
)]
#[post("/work-groups/{id}/enrolments")]
pub async fn express_interest(
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<ExpressionOfInterest>,
    pool: web::Data<DbPool>,
    auth: web::Data<Auth>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, &Action::ExpressInterest)
        .map_err(|refusal| refusal.into_error("Work group"))?;
    let group_id = parse_path("id", &path, uuid)?;
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let urn = errors.parse("school_urn", Some(body.school_urn), Urn::parse);
    let role = errors.parse(
        "role_in_school",
        Some(body.role_in_school),
        RoleInSchool::parse,
    );
    let statement = errors.parse("statement", body.statement, text_up_to(MAX_STATEMENT_CHARS));
    let referred_by = errors.parse("referred_by", body.referred_by, Slug::parse);
    errors.into_result()?;
    let (urn, role) = (urn.expect("parsed"), role.expect("parsed"));
    let mut conn = pool.get().await?;
    auth.rate_limits
        .check_expression_of_interest(&mut conn, caller.id)
        .await?;
    let enrolment = conn
        .transaction::<_, ApiError, _>(async |conn| {
            // The reads beside the lock need none, so they share its round trip (pipelined);
            // each answer is judged in this order whatever order they arrive in.
            let (group, school, referrer) = tokio::join!(
                open_group(conn, group_id),
                engine::school(conn, urn.as_str()),
                referrer(conn, referred_by.as_ref()),
            );
            let (group, school, referred_by_id) = (group?, school?, referrer?);
            check_eligible(conn, &group, school, urn.as_str(), role).await?;
            let (status, waitlist_position) = admit(conn, &group).await?;
            let enrolment = NewEnrolment {
                id: uuid::Uuid::now_v7(),
                work_group_id: group_id,
                participant_id: caller.id,
                school_urn: urn.as_str().to_owned(),
                role_in_school: role,
                statement: statement.unwrap_or_default(),
                referred_by_id,
                status,
                waitlist_position,
                accepted_at: (status == EnrolmentStatus::Accepted).then(Utc::now),
            };
            // The insert reads the enrolment back; the count is pipelined beside it, and if
            // the insert fails, the transaction rolls the count back.
            let (inserted, counted) = tokio::join!(engine::insert(conn, enrolment), async {
                match status {
                    EnrolmentStatus::Accepted => {
                        places_changed(conn, &group, group.facts.accepted_count + 1).await
                    }
                    _ => Ok(()),
                }
            },);
            let enrolment = inserted.map_err(already_enrolled)?;
            counted?;
            Ok(Enrolment::from(enrolment))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/enrolments/{}", enrolment.id),
        ))
        .json(enrolment))
}

/// The group, locked, if it takes expressions of interest now.
async fn open_group(conn: &AsyncPgConnection, id: uuid::Uuid) -> Result<LockedGroup, ApiError> {
    let group = group_writes::lock(conn, id)
        .await?
        .filter(|group| group.is_public)
        .ok_or_else(|| ApiError::not_found(format!("Work group {id}")))?;
    match group.facts.status {
        WorkGroupStatus::Open | WorkGroupStatus::Full => {}
        status => {
            return Err(ApiError::Conflict(format!(
                "The work group is {}: it takes no more expressions of interest.",
                status.as_str()
            )));
        }
    }
    if group
        .fields
        .eoi_deadline
        .is_some_and(|deadline| deadline <= Utc::now())
    {
        return Err(ApiError::Conflict(
            "The expression-of-interest deadline has passed.".into(),
        ));
    }
    Ok(group)
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

/// 422 for an unknown school (`school` is its phase and status, if it exists), and naming
/// every eligibility rule failed.
async fn check_eligible(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
    school: Option<(SchoolPhase, String)>,
    urn: &str,
    role: RoleInSchool,
) -> Result<(), ApiError> {
    let (phase, school_status) = school.ok_or_else(|| {
        ApiError::unprocessable("school_urn", format!("no school has the URN {urn}"))
    })?;
    let eligibility = &group.terms.eligibility;
    let school_completed_required = match &eligibility.requires_completed {
        Some(code) => engine::school_completed(conn, urn, code).await?,
        None => false,
    };
    let applicant = Applicant {
        role_in_school: role,
        school_phase: phase,
        school_completed_required,
    };
    let mut refusals: Vec<FieldError> = eligibility::refusals(eligibility, &applicant)
        .into_iter()
        .map(|(field, reason)| FieldError::new(field, reason))
        .collect();
    if school_status != "open" {
        refusals.push(FieldError::new("school_urn", "the school is closed"));
    }
    if refusals.is_empty() {
        Ok(())
    } else {
        Err(ApiError::NotEligible(refusals))
    }
}

/// Where a new expression of interest stands: a place while places remain (automatic
/// admission), else the end of the waiting list; pending for review.
async fn admit(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
) -> Result<(EnrolmentStatus, Option<i32>), ApiError> {
    Ok(match group.fields.admission {
        Admission::Review => (EnrolmentStatus::Pending, None),
        Admission::Automatic if has_free_place(group) => (EnrolmentStatus::Accepted, None),
        Admission::Automatic => (
            EnrolmentStatus::Waitlisted,
            Some(engine::next_waitlist_position(conn, group.id).await?),
        ),
    })
}

fn has_free_place(group: &LockedGroup) -> bool {
    group
        .fields
        .capacity
        .is_some_and(|capacity| group.facts.accepted_count < capacity)
}

fn already_enrolled(error: diesel::result::Error) -> ApiError {
    match &error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        ) if info.constraint_name() == Some("enrolments_one_live_per_person_idx") => {
            ApiError::Conflict(
                "You already have an enrolment in this work group: withdraw it first to enrol again."
                    .into(),
            )
        }
        _ => error.into(),
    }
}

/// Records the group's new count of places taken: its status follows (`full` when the last
/// place goes, `open` again when one frees) and partner sites hear of it.
async fn places_changed(
    conn: &AsyncPgConnection,
    group: &LockedGroup,
    accepted: i32,
) -> Result<(), ApiError> {
    let facts = GroupFacts {
        accepted_count: accepted,
        ..group.facts.clone()
    };
    let status = lifecycle::after_places_change(&facts);
    let places_left = lifecycle::places_left(group.fields.capacity, accepted);
    tokio::try_join!(
        engine::set_places(conn, group.id, accepted, status),
        group_writes::record_event(
            conn,
            group.id,
            lifecycle::event_kind(group.facts.status, status),
            serde_json::json!({"status": status, "places_left": places_left}),
        ),
    )?;
    Ok(())
}

async fn view(conn: &mut AsyncPgConnection, id: uuid::Uuid) -> Result<Enrolment, ApiError> {
    enrolments::find(conn, id)
        .await?
        .map(Enrolment::from)
        .ok_or_else(|| ApiError::not_found(format!("Enrolment {id}")))
}

/// An enrolment and its group, both locked (the group first, as every engine write does),
/// once `caller` may see the enrolment (404 otherwise) and do what `allowed` says (403).
async fn lock_enrolment(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
    allowed: impl FnOnce(&EnrolmentScope) -> bool,
    refusal: &'static str,
) -> Result<(LockedGroup, LockedEnrolment), ApiError> {
    let what = format!("Enrolment {id}");
    let (group_id, participant_id) = engine::group_of(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(&what))?;
    // Who may act needs no lock: read beside it (pipelined).
    let (group, scope) = tokio::try_join!(
        group_writes::lock(conn, group_id),
        work_groups::scope(conn, group_id)
    )?;
    let (Some(group), Some(scope)) = (group, scope) else {
        return Err(ApiError::not_found(&what));
    };
    let scope = EnrolmentScope {
        participant_id,
        work_group: WorkGroupScope::from(scope),
    };
    authorize(caller, &Action::SeeEnrolment(&scope))
        .map_err(|refusal| refusal.into_error(&what))?;
    if !allowed(&scope) {
        return Err(ApiError::Forbidden(refusal.into()));
    }
    if matches!(
        group.facts.status,
        WorkGroupStatus::Completed | WorkGroupStatus::Cancelled
    ) {
        return Err(ApiError::Conflict(format!(
            "The work group is {}: its enrolments no longer change.",
            group.facts.status.as_str()
        )));
    }
    let enrolment = engine::lock(conn, id).await?;
    Ok((group, enrolment))
}

/// A decision of the group's staff on an enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Accept,
    Decline,
    Waitlist,
}

impl Decision {
    fn verb(self) -> &'static str {
        match self {
            Self::Accept => "accepted",
            Self::Decline => "declined",
            Self::Waitlist => "waitlisted",
        }
    }
}

/// Applies a staff decision under the group's lock; audited.
async fn decide(
    pool: &DbPool,
    caller: &Caller,
    id: uuid::Uuid,
    decision: Decision,
    reason: Option<String>,
) -> Result<Enrolment, ApiError> {
    let mut conn = pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let (group, enrolment) = lock_enrolment(
            conn,
            caller,
            id,
            |scope| authorize(caller, &Action::DecideEnrolments(&scope.work_group)).is_ok(),
            "Only the group's leads, its hub's managers and national admins decide enrolments.",
        )
        .await?;
        let before = enrolment.status;
        let movable = match decision {
            Decision::Accept | Decision::Decline => {
                matches!(
                    before,
                    EnrolmentStatus::Pending | EnrolmentStatus::Waitlisted
                )
            }
            Decision::Waitlist => before == EnrolmentStatus::Pending,
        };
        if !movable {
            return Err(ApiError::Conflict(format!(
                "An enrolment that is {} cannot be {}.",
                before.as_str(),
                decision.verb()
            )));
        }
        match decision {
            Decision::Accept => {
                if !has_free_place(&group) {
                    return Err(ApiError::Conflict(
                        "The work group is full: no place is free to accept this enrolment.".into(),
                    ));
                }
                leave_waitlist(conn, &enrolment).await?;
                move_to(
                    conn,
                    &enrolment,
                    EnrolmentStatus::Accepted,
                    None,
                    None,
                    Some(caller.id),
                )
                .await?;
                places_changed(conn, &group, group.facts.accepted_count + 1).await?;
            }
            Decision::Decline => {
                leave_waitlist(conn, &enrolment).await?;
                move_to(
                    conn,
                    &enrolment,
                    EnrolmentStatus::Declined,
                    None,
                    reason.as_deref(),
                    Some(caller.id),
                )
                .await?;
            }
            Decision::Waitlist => {
                let position = engine::next_waitlist_position(conn, group.id).await?;
                move_to(
                    conn,
                    &enrolment,
                    EnrolmentStatus::Waitlisted,
                    Some(position),
                    None,
                    Some(caller.id),
                )
                .await?;
            }
        }
        audit::record(
            conn,
            Some(caller.id),
            &format!("enrolment.{}", decision.verb()),
            "enrolment",
            &id.to_string(),
            serde_json::json!({"before": before, "after": decision.verb(), "reason": reason}),
        )
        .await?;
        view(conn, id).await
    })
    .await
}

async fn move_to(
    conn: &mut AsyncPgConnection,
    enrolment: &LockedEnrolment,
    status: EnrolmentStatus,
    waitlist_position: Option<i32>,
    status_reason: Option<&str>,
    decided_by: Option<uuid::Uuid>,
) -> Result<(), ApiError> {
    engine::apply(
        conn,
        enrolment.id,
        &Move {
            status,
            waitlist_position,
            status_reason,
            decided_by,
        },
    )
    .await?;
    Ok(())
}

/// Closes up the waiting list behind a waitlisted enrolment that moves off it.
async fn leave_waitlist(
    conn: &mut AsyncPgConnection,
    enrolment: &LockedEnrolment,
) -> Result<(), ApiError> {
    if let Some(position) = enrolment.waitlist_position {
        engine::close_up_waitlist(conn, enrolment.work_group_id, position).await?;
    }
    Ok(())
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
        crate::openapi::ProtectedActionErrors,
    )
)]
#[post("/enrolments/{id}/accept")]
pub async fn accept_enrolment(
    caller: Caller,
    path: web::Path<String>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Enrolment>, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    decide(&pool, &caller, id, Decision::Accept, None)
        .await
        .map(web::Json)
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
        crate::openapi::ProtectedActionErrors,
    )
)]
#[post("/enrolments/{id}/decline")]
pub async fn decline_enrolment(
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<Reason>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Enrolment>, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let reason = reason_of(body.into_inner())?;
    decide(&pool, &caller, id, Decision::Decline, Some(reason))
        .await
        .map(web::Json)
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
        crate::openapi::ProtectedActionErrors,
    )
)]
#[post("/enrolments/{id}/waitlist")]
pub async fn waitlist_enrolment(
    caller: Caller,
    path: web::Path<String>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Enrolment>, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    decide(&pool, &caller, id, Decision::Waitlist, None)
        .await
        .map(web::Json)
}

fn reason_of(body: Reason) -> Result<String, ApiError> {
    let mut errors = FieldErrors::default();
    let reason = errors.parse("reason", Some(body.reason), non_empty);
    errors.into_result()?;
    Ok(reason.expect("parsed"))
}

/// Withdraw an enrolment
///
/// For the participant, or the group's staff, with a reason. In the same transaction a place
/// held is freed and given to the first on the waiting list (who is accepted; positions
/// close up), and when the next session starts within the project's notice period the school
/// owes the project's fee for a late withdrawal.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The enrolment's id")),
    request_body = Reason,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The enrolment, withdrawn", body = Enrolment),
        crate::openapi::ProtectedActionErrors,
    )
)]
#[post("/enrolments/{id}/withdraw")]
pub async fn withdraw_enrolment(
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<Reason>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Enrolment>, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let reason = reason_of(body.into_inner())?;
    let mut conn = pool.get().await?;
    let withdrawn = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let (group, enrolment) = lock_enrolment(
                conn,
                &caller,
                id,
                |scope| {
                    authorize(&caller, &Action::ActOnOwnEnrolment(scope)).is_ok()
                        || authorize(&caller, &Action::DecideEnrolments(&scope.work_group)).is_ok()
                },
                "Only the participant and the group's staff withdraw an enrolment.",
            )
            .await?;
            let before = enrolment.status;
            if !matches!(
                before,
                EnrolmentStatus::Pending | EnrolmentStatus::Accepted | EnrolmentStatus::Waitlisted
            ) {
                return Err(ApiError::Conflict(format!(
                    "An enrolment that is {} cannot be withdrawn.",
                    before.as_str()
                )));
            }
            leave_waitlist(conn, &enrolment).await?;
            let decided_by = (caller.id != enrolment.participant_id).then_some(caller.id);
            move_to(
                conn,
                &enrolment,
                EnrolmentStatus::Withdrawn,
                None,
                Some(&reason),
                decided_by,
            )
            .await?;
            let mut promoted = None;
            if before == EnrolmentStatus::Accepted {
                charge_late_withdrawal(conn, &group, &enrolment).await?;
                promoted = promote_first_waitlisted(conn, &group).await?;
            }
            audit::record(
                conn,
                Some(caller.id),
                "enrolment.withdrawn",
                "enrolment",
                &id.to_string(),
                serde_json::json!({"before": before, "reason": reason, "promoted": promoted}),
            )
            .await?;
            view(conn, id).await
        })
        .await?;
    Ok(web::Json(withdrawn))
}

/// Gives a freed place to the first on the waiting list (FIFO), or frees it when nobody
/// waits; the id of the enrolment promoted.
async fn promote_first_waitlisted(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
) -> Result<Option<uuid::Uuid>, ApiError> {
    let Some(next) = engine::first_waitlisted(conn, group.id).await? else {
        places_changed(conn, group, group.facts.accepted_count - 1).await?;
        return Ok(None);
    };
    leave_waitlist(conn, &next).await?;
    move_to(conn, &next, EnrolmentStatus::Accepted, None, None, None).await?;
    audit::record(
        conn,
        None,
        "enrolment.promoted",
        "enrolment",
        &next.id.to_string(),
        serde_json::json!({"before": "waitlisted", "after": "accepted", "position": next.waitlist_position}),
    )
    .await?;
    Ok(Some(next.id))
}

/// A withdrawal from a place when the next session starts within the project's notice
/// period leaves the school owing the project's fee for that session (`domain::fees`).
async fn charge_late_withdrawal(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
    enrolment: &LockedEnrolment,
) -> Result<(), ApiError> {
    let now = Utc::now();
    let Some((session_id, starts_at)) = engine::next_session(conn, group.id, now).await? else {
        return Ok(());
    };
    let policy = FeePolicy {
        fee_pence: group.terms.non_attendance_fee_pence,
        notice_days: group.terms.cancellation_notice_days,
    };
    if let Some(amount_pence) = policy.for_withdrawal(now, Some(starts_at)) {
        fees::charge(
            conn,
            &NewFee {
                enrolment_id: enrolment.id,
                session_id,
                school_urn: enrolment.school_urn.clone(),
                reason: FeeReason::LateWithdrawal,
                amount_pence,
            },
        )
        .await?;
    }
    Ok(())
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(express_interest)
        .service(accept_enrolment)
        .service(decline_enrolment)
        .service(waitlist_enrolment)
        .service(withdraw_enrolment);
}
