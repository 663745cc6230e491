//! Apologies sent ahead of a session: a participant holding a place tells the group they
//! cannot come (or the group's staff record it when word comes another way). They go on the
//! session's register as `apologies` at the moment they were sent, so the project's notice
//! rule follows that moment: in time leaves no fee, late charges the school as the register
//! would. The first apologies stand: sending them again does not make them later.
//! Attending after all is the register's to record (`present` voids a fee they charged).

use actix_web::{HttpResponse, put, web};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::{LineFee, Mark, Marking, RegisterEntry, TAG, record_changes};
use crate::auth::policy::EnrolmentScope;
use crate::auth::{Action, Caller, authorize};
use crate::db::attendance::{self as queries, SessionFacts};
use crate::db::enrolment_writes as engine;
use crate::db::work_group_writes as group_writes;
use crate::db::{DbPool, work_groups};
use crate::domain::scope::WorkGroupScope;
use crate::domain::{AttendanceStatus, LondonTime};
use crate::error::ApiError;
use crate::http::parse::{parse_path, uuid};
use crate::http::write::{Answer, Write};

/// Apologies on a session's register, and what they leave the school owing.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "enrolment_id": "01931b90-5a2b-7c3d-8e4f-0a1b2c3d4e02",
    "session_id": "017ce0d0-0000-7000-8000-000000000701",
    "session_starts_at": "2027-01-20T09:30:00+00:00",
    "apologies_at": "2027-01-08T17:45:00+00:00",
    "last_day_of_notice": "2027-01-13",
    "in_time": true,
    "fee": null
}))]
pub struct Apologies {
    pub enrolment_id: uuid::Uuid,
    pub session_id: uuid::Uuid,
    pub session_starts_at: LondonTime,
    /// When the apologies were sent: the first time, however often they are sent again.
    pub apologies_at: LondonTime,
    /// The last London date on which apologies for this session are in time.
    pub last_day_of_notice: NaiveDate,
    /// Whether they came on or before `last_day_of_notice`.
    pub in_time: bool,
    /// The non-attendance fee late apologies charged the school (`null` when in time or when
    /// the project charges none).
    pub fee: Option<LineFee>,
}

impl Apologies {
    fn of(session: &SessionFacts, entry: RegisterEntry, apologies_at: DateTime<Utc>) -> Self {
        let policy = session.fee_policy();
        Self {
            enrolment_id: entry.enrolment_id,
            session_id: session.id,
            session_starts_at: LondonTime(session.starts_at),
            apologies_at: LondonTime(apologies_at),
            last_day_of_notice: policy.last_day_of_notice(session.starts_at),
            in_time: policy.in_time(apologies_at, session.starts_at),
            fee: entry.fee,
        }
    }
}

/// The enrolment's place, as sending apologies needs it.
struct Place {
    enrolment_id: uuid::Uuid,
    school_urn: String,
}

/// Locks the session and the enrolment's group, as recording a register does, once `caller`
/// may see the enrolment (404 otherwise, as for a session of another group) and send its
/// apologies: its participant and the group's staff (403).
async fn lock_for_apologies(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    enrolment_id: uuid::Uuid,
    session_id: uuid::Uuid,
) -> Result<(SessionFacts, Place), ApiError> {
    let enrolment_hidden = || ApiError::not_found(format!("Enrolment {enrolment_id}"));
    let session_hidden = || ApiError::not_found(format!("Session {session_id}"));
    // An enrolment's group and participant never change: read them before any lock.
    let (group_id, participant_id) = engine::group_of(conn, enrolment_id)
        .await?
        .ok_or_else(enrolment_hidden)?;
    let scope = work_groups::scope(conn, group_id)
        .await?
        .ok_or_else(enrolment_hidden)?;
    let scope = EnrolmentScope {
        participant_id,
        work_group: WorkGroupScope::from(scope),
    };
    authorize(caller, &Action::SeeEnrolment(&scope))
        .map_err(|refusal| refusal.into_error(format!("Enrolment {enrolment_id}")))?;
    let may_send = authorize(caller, &Action::ActOnOwnEnrolment(&scope)).is_ok()
        || authorize(caller, &Action::EditWorkGroupDetails(&scope.work_group)).is_ok();
    if !may_send {
        return Err(ApiError::Forbidden(
            "Only the participant and the group's staff send apologies for a session.".into(),
        ));
    }
    let session = queries::lock_session(conn, session_id)
        .await?
        .filter(|session| session.work_group_id == group_id)
        .ok_or_else(session_hidden)?;
    group_writes::lock(conn, group_id)
        .await?
        .ok_or_else(enrolment_hidden)?;
    // Where it stands is read under the group's lock, so no withdrawal comes between.
    let facts = queries::enrolment_facts(conn, enrolment_id)
        .await?
        .ok_or_else(enrolment_hidden)?;
    if !facts.status.holds_place() {
        return Err(ApiError::Conflict(format!(
            "The enrolment is {}: apologies are for those holding a place.",
            facts.status.as_str()
        )));
    }
    Ok((
        session,
        Place {
            enrolment_id,
            school_urn: facts.school_urn,
        },
    ))
}

/// Refuses (409) apologies for a cancelled session, which does not take place, or for one
/// that has started by `now`, whose attendance is the register's.
fn require_ahead(session: &SessionFacts, now: DateTime<Utc>) -> Result<(), ApiError> {
    if session.cancelled {
        return Err(ApiError::Conflict(
            "The session is cancelled: nobody needs to send apologies for it.".into(),
        ));
    }
    if session.starts_at <= now {
        return Err(ApiError::Conflict(
            "The session has started: its attendance is recorded on the register.".into(),
        ));
    }
    Ok(())
}

/// Send apologies for a session
///
/// For a participant holding a place in the session's work group, or the group's leads, its
/// hub's managers and national admins on their behalf, before the session starts (after, or
/// for a cancelled session, 409; for an enrolment not holding a place, 409). The register
/// records `apologies` with the time they were sent. Apologies on or before the London date
/// the project's notice days before the session's London date leave no fee; later ones charge
/// the school the project's non-attendance fee, as the register would. The first apologies
/// stand: sending them again answers them unchanged. Coming after all is recorded on the
/// register as `present`, which voids a fee they charged.
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = uuid::Uuid, Path, description = "The enrolment's id"),
        ("session_id" = uuid::Uuid, Path, description = "The id of a session of the enrolment's work group"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The apologies as recorded", body = Apologies),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[put("/enrolments/{id}/sessions/{session_id}/apologies")]
pub async fn send_apologies(
    caller: Caller,
    path: web::Path<(String, String)>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let (id, session_id) = path.into_inner();
    let id = parse_path("id", &id, uuid)?;
    let session_id = parse_path("session_id", &session_id, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| lock_for_apologies(conn, &caller, id, session_id).await,
            async |conn, (session, place), _| {
                // As the database keeps it, so the answer says what is held.
                let now = Utc::now().trunc_subsecs(6);
                require_ahead(&session, now)?;
                // Before a session starts its register holds nothing but apologies.
                let sent_at = match queries::recorded(conn, session.id, &[id]).await?.first() {
                    Some((_, _, Some(sent_at))) => *sent_at,
                    _ => {
                        let marking = Marking {
                            enrolment_id: place.enrolment_id,
                            school_urn: place.school_urn,
                            mark: Mark {
                                status: AttendanceStatus::Apologies,
                                apologies_at: Some(now),
                            },
                        };
                        record_changes(conn, &caller, &session, vec![marking]).await?;
                        now
                    }
                };
                let entry = queries::register_line(conn, session.id, id)
                    .await?
                    .map(RegisterEntry::from)
                    .ok_or_else(|| ApiError::not_found(format!("Enrolment {id}")))?;
                Answer::ok(&Apologies::of(&session, entry, sent_at))
            },
        )
        .await
}
