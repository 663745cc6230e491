//! Attendance registers: the staff of a session's group (its leads, its hub's managers,
//! admins) read the register and record who came, once the session has started (never for a
//! cancelled session, which does not take place, so never charges a fee). Recording is
//! idempotent and corrections are allowed: each change is audited with its before and after,
//! and the fee ledger follows the project's policy (`domain::fees`): not attending (`absent` or
//! `apologies`) without apologies in time charges the school once, a correction voids the
//! charge. Correcting the register of a completed group settles its enrolments' completion
//! again (`db::completion`). Participants send apologies ahead of a session themselves
//! (`apologies`).

mod apologies;

use std::collections::{HashMap, HashSet};

use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::projects::read::Currency;
use crate::api::refs::{ParticipantRef, SchoolRef, WorkGroupRef};
use crate::api::work_groups::write::lock_for;
use crate::auth::policy::authorize_on_group;
use crate::auth::{Action, Caller};
use crate::db::attendance::{self as queries, AttendanceRecord, RegisterRow, SessionFacts};
use crate::db::fees::{self, NewFee};
use crate::db::work_group_writes::LockedGroup;
use crate::db::{DbPool, audit, completion, work_groups};
use crate::domain::fees::{FeeChange, check_apologies};
use crate::domain::scope::WorkGroupScope;
use crate::domain::{
    AttendanceStatus, EnrolmentStatus, FeeReason, FeeStatus, LondonTime, ParseError, Timestamp,
    WorkGroupStatus,
};
use crate::error::ApiError;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::paging::{FieldErrors, NoQueryParameters};
use crate::http::middleware::etag::require_current_if_sent;
use crate::http::parse::{parse_path, uuid};
use crate::http::write::{Answer, Write};

const TAG: &str = "Attendance";
/// As many as a group may have places.
const MAX_ITEMS: usize = 500;

/// One participant's attendance at the session.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceInput {
    /// An enrolment holding a place (accepted or completed) in the session's work group.
    pub enrolment_id: uuid::Uuid,
    pub status: AttendanceStatus,
    /// When the participant sent apologies (RFC 3339): required with `apologies`, allowed with
    /// `absent`. Apologies on or before the London date the project's notice days before the
    /// session's London date (at any hour of it) leave no fee; later ones leave the fee owed,
    /// whichever of the two words is recorded.
    #[schema(inline)]
    pub apologies_at: Option<Timestamp>,
}

/// `AttendanceInput` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "AttendanceInput", deny_unknown_fields)]
pub struct AttendanceInputForm {
    enrolment_id: String,
    status: String,
    apologies_at: Option<String>,
}

// Its items are checked against the group's places in the same answer as their fields, so
// they are parsed one by one into `Item`s (`parse_items`), each with the enrolment it names.
/// Attendance to record: each enrolment listed is set as given, the others stay as they are.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [
    {"enrolment_id": "01931b90-5a2b-7c3d-8e4f-0a1b2c3d4e01", "status": "present"},
    {"enrolment_id": "01931b90-5a2b-7c3d-8e4f-0a1b2c3d4e02", "status": "absent"},
    {"enrolment_id": "01931b90-5a2b-7c3d-8e4f-0a1b2c3d4e03", "status": "apologies",
     "apologies_at": "2021-11-03T17:45:00+00:00"}
]}))]
pub struct AttendanceUpdate {
    /// Each enrolment once.
    #[schema(max_items = 500)]
    pub items: Vec<AttendanceInput>,
}

/// `AttendanceUpdate` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "AttendanceUpdate", deny_unknown_fields)]
pub struct AttendanceUpdateForm {
    items: Vec<AttendanceInputForm>,
}

/// The fee a line of the register charged.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineFee {
    pub id: uuid::Uuid,
    #[schema(example = 7500)]
    pub amount_pence: i32,
    pub currency: Currency,
    pub status: FeeStatus,
}

/// One participant on the register.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterEntry {
    pub enrolment_id: uuid::Uuid,
    pub enrolment_status: EnrolmentStatus,
    pub participant: ParticipantRef,
    pub school: SchoolRef,
    /// `null` until recorded.
    pub status: Option<AttendanceStatus>,
    pub apologies_at: Option<LondonTime>,
    pub recorded_at: Option<LondonTime>,
    /// The non-attendance fee this record charged (owed, waived, or voided by a correction).
    pub fee: Option<LineFee>,
}

impl From<RegisterRow> for RegisterEntry {
    fn from(row: RegisterRow) -> Self {
        let fee = match (row.fee_id, row.fee_amount_pence, row.fee_status) {
            (Some(id), Some(amount_pence), Some(status)) => Some(LineFee {
                id,
                amount_pence,
                currency: Currency::Gbp,
                status,
            }),
            _ => None,
        };
        Self {
            enrolment_id: row.enrolment_id,
            enrolment_status: row.enrolment_status,
            participant: ParticipantRef {
                id: row.participant_id,
                name: row.participant_name,
            },
            school: SchoolRef {
                urn: row.school_urn,
                name: row.school_name,
            },
            status: row.status,
            apologies_at: row.apologies_at.map(LondonTime),
            recorded_at: row.recorded_at.map(LondonTime),
            fee,
        }
    }
}

/// A session's register: everyone holding a place in its group (and anyone with a record
/// who no longer does), by name.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "session_id": "017ce0d0-0000-7000-8000-000000000701",
    "starts_at": "2021-11-17T09:30:00+00:00", "ends_at": "2021-11-17T14:30:00+00:00",
    "work_group": {"id": "017ce0d0-0000-7000-8000-000000000601", "code": "LCW21-15-01",
                   "title": "Secondary Subject Leadership"},
    "entries": [{
        "enrolment_id": "01931b90-5a2b-7c3d-8e4f-0a1b2c3d4e02", "enrolment_status": "accepted",
        "participant": {"id": "01931b8d-1a2b-7c3d-8e4f-0a1b2c3d4e05", "name": "Demo Teacher (Twyford)"},
        "school": {"urn": "137083", "name": "Twyford Church of England High School"},
        "status": "absent", "apologies_at": null, "recorded_at": "2021-11-17T15:02:11+00:00",
        "fee": {"id": "01931b91-0c1d-7e2f-8a3b-4c5d6e7f8a01", "amount_pence": 7500,
                "currency": "GBP", "status": "owed"}
    }]
}))]
pub struct Register {
    pub session_id: uuid::Uuid,
    pub starts_at: LondonTime,
    pub ends_at: LondonTime,
    pub work_group: WorkGroupRef,
    pub entries: Vec<RegisterEntry>,
}

async fn register_of(
    conn: &mut AsyncPgConnection,
    session: &SessionFacts,
) -> Result<Register, ApiError> {
    let rows = queries::register(conn, session.id).await?;
    Ok(Register {
        session_id: session.id,
        starts_at: LondonTime(session.starts_at),
        ends_at: LondonTime(session.ends_at),
        work_group: WorkGroupRef {
            id: session.work_group_id,
            code: session.work_group_code.clone(),
            title: session.work_group_title.clone(),
        },
        entries: rows.into_iter().map(RegisterEntry::from).collect(),
    })
}

/// What is recorded for one participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
struct Mark {
    status: AttendanceStatus,
    apologies_at: Option<DateTime<Utc>>,
}

/// An item whose enrolment id parsed; its mark is `None` when the rest did not.
struct Item {
    place: usize,
    enrolment_id: uuid::Uuid,
    mark: Option<Mark>,
}

/// A mark for an enrolment holding a place, and the school a fee would be charged to.
struct Marking {
    enrolment_id: uuid::Uuid,
    school_urn: String,
    mark: Mark,
}

/// The items' marks, for enrolments holding a place in the group (`schools`, by id); any
/// other enrolment is named in `errors`.
fn markings(
    items: Vec<Item>,
    schools: &HashMap<uuid::Uuid, String>,
    errors: &mut FieldErrors,
) -> Vec<Marking> {
    let mut markings = Vec::with_capacity(items.len());
    for item in items {
        match (schools.get(&item.enrolment_id), item.mark) {
            (None, _) => errors.refuse(
                &format!("items[{}].enrolment_id", item.place),
                "is not an enrolment holding a place in this session's work group",
            ),
            (Some(school_urn), Some(mark)) => markings.push(Marking {
                enrolment_id: item.enrolment_id,
                school_urn: school_urn.clone(),
                mark,
            }),
            // Its bad fields are named already.
            (Some(_), None) => {}
        }
    }
    markings
}

/// Parses every item, naming each bad field by its place (`items[3].status`).
fn parse_items(
    inputs: Vec<AttendanceInputForm>,
    now: DateTime<Utc>,
    errors: &mut FieldErrors,
) -> Vec<Item> {
    if inputs.len() > MAX_ITEMS {
        errors.push("items", format!("must have at most {MAX_ITEMS} items"));
        return Vec::new();
    }
    let given_by_now = |text: &str| {
        let at = Timestamp::parse(text)?.get();
        if at > now {
            return Err(ParseError("must not be in the future".into()));
        }
        Ok(at)
    };
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(inputs.len());
    for (place, input) in inputs.into_iter().enumerate() {
        let field = |name: &str| format!("items[{place}].{name}");
        let enrolment_id = errors.parse(&field("enrolment_id"), Some(input.enrolment_id), uuid);
        let status = errors.parse(
            &field("status"),
            Some(input.status),
            AttendanceStatus::parse,
        );
        // A time that did not parse is named already.
        let apologies_sent = input.apologies_at.is_some();
        let apologies_at = errors.parse(&field("apologies_at"), input.apologies_at, given_by_now);
        if let Some(status) = status
            && apologies_sent == apologies_at.is_some()
            && let Err(error) = check_apologies(status, apologies_at)
        {
            errors.refuse(&field("apologies_at"), error.0);
        }
        let Some(enrolment_id) = enrolment_id else {
            continue;
        };
        if !seen.insert(enrolment_id) {
            errors.refuse(&field("enrolment_id"), "is named twice");
        }
        items.push(Item {
            place,
            enrolment_id,
            mark: status.map(|status| Mark {
                status,
                apologies_at,
            }),
        });
    }
    items
}

/// Records the marks that change what is held, with the fee each leaves owing and an audit
/// record per enrolment; marks already held change nothing.
async fn record_changes(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    session: &SessionFacts,
    markings: Vec<Marking>,
) -> Result<(), ApiError> {
    let held = held_marks(conn, session, &markings).await?;
    let changes: Vec<Marking> = markings
        .into_iter()
        .filter(|marking| held.get(&marking.enrolment_id) != Some(&marking.mark))
        .collect();
    record_marks(conn, caller, session, &changes).await?;
    let fees_held = fees_held(conn, session, &changes).await?;
    for marking in changes {
        let fee_held = fees_held.get(&marking.enrolment_id).copied();
        let fee = settle_fee(conn, session, &marking, fee_held).await?;
        let details = serde_json::json!({
            "session_id": session.id, "work_group_id": session.work_group_id,
            "before": held.get(&marking.enrolment_id), "after": marking.mark, "fee": fee,
        });
        audit::record(
            conn,
            Some(caller.id),
            "attendance.recorded",
            "enrolment",
            &marking.enrolment_id.to_string(),
            details,
        )
        .await?;
    }
    Ok(())
}

/// The marks held at the session for the enrolments of `markings`, by enrolment.
async fn held_marks(
    conn: &mut AsyncPgConnection,
    session: &SessionFacts,
    markings: &[Marking],
) -> Result<HashMap<uuid::Uuid, Mark>, ApiError> {
    let ids: Vec<uuid::Uuid> = markings
        .iter()
        .map(|marking| marking.enrolment_id)
        .collect();
    Ok(queries::recorded(conn, session.id, &ids)
        .await?
        .into_iter()
        .map(|(id, status, apologies_at)| {
            (
                id,
                Mark {
                    status,
                    apologies_at,
                },
            )
        })
        .collect())
}

/// Records `changes` at the session, as `caller`'s.
async fn record_marks(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    session: &SessionFacts,
    changes: &[Marking],
) -> Result<(), ApiError> {
    let records: Vec<AttendanceRecord> = changes
        .iter()
        .map(|marking| AttendanceRecord {
            session_id: session.id,
            enrolment_id: marking.enrolment_id,
            status: marking.mark.status,
            apologies_at: marking.mark.apologies_at,
            recorded_by: Some(caller.id),
        })
        .collect();
    Ok(queries::record(conn, &records).await?)
}

/// The non-attendance fees the session charged the enrolments of `changes`: each fee's id and
/// status, by enrolment.
async fn fees_held(
    conn: &mut AsyncPgConnection,
    session: &SessionFacts,
    changes: &[Marking],
) -> Result<HashMap<uuid::Uuid, (uuid::Uuid, FeeStatus)>, ApiError> {
    let changed: Vec<uuid::Uuid> = changes.iter().map(|marking| marking.enrolment_id).collect();
    Ok(
        fees::held_at_session(conn, session.id, FeeReason::NonAttendance, &changed)
            .await?
            .into_iter()
            .map(|(enrolment_id, id, status)| (enrolment_id, (id, status)))
            .collect(),
    )
}

/// Brings the ledger in step with a new mark, by the project's policy: charges the fee now due,
/// restores or voids the one `fee_held` (its id and status). What it did, for the audit trail;
/// `None` when the fee stays as it was.
async fn settle_fee(
    conn: &mut AsyncPgConnection,
    session: &SessionFacts,
    marking: &Marking,
    fee_held: Option<(uuid::Uuid, FeeStatus)>,
) -> Result<Option<serde_json::Value>, ApiError> {
    let Marking {
        enrolment_id,
        school_urn,
        mark,
    } = marking;
    let due =
        session
            .fee_policy()
            .for_attendance(mark.status, mark.apologies_at, session.starts_at);
    let change = FeeChange::between(fee_held.map(|(_, status)| status), due);
    Ok(match (change, fee_held) {
        (FeeChange::Charge(amount_pence), _) => {
            let new = NewFee {
                enrolment_id: *enrolment_id,
                session_id: session.id,
                school_urn: school_urn.clone(),
                reason: FeeReason::NonAttendance,
                amount_pence,
            };
            fees::charge(conn, &new, session.starts_at).await?;
            Some(serde_json::json!({"charged": amount_pence}))
        }
        (FeeChange::Restore(amount_pence), Some((id, _))) => {
            fees::restore(conn, id, amount_pence).await?;
            Some(serde_json::json!({"restored": amount_pence, "fee_id": id}))
        }
        (FeeChange::Void, Some((id, _))) => {
            fees::void(conn, id).await?;
            Some(serde_json::json!({"voided": id}))
        }
        _ => None,
    })
}

/// Get a session's register
///
/// Everyone holding a place in the session's work group, by name, with the school, what was
/// recorded (`status` `null` until then) and any non-attendance fee it charged. For the
/// group's leads, its hub's managers and national admins.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The session's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The register", body = Register, headers(("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/sessions/{id}/attendance")]
pub async fn get_attendance(
    caller: Caller,
    path: web::Path<String>,
    query: Deferred<NoQueryParameters>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Register>, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let hidden = || ApiError::not_found(format!("Session {id}"));
    let mut conn = pool.get().await?;
    let session = queries::session(&mut conn, id).await?.ok_or_else(hidden)?;
    let scope = work_groups::scope(&conn, session.work_group_id)
        .await?
        .ok_or_else(hidden)?;
    let is_public = scope.is_public;
    let group = WorkGroupScope::from(scope);
    authorize_on_group(&caller, &Action::SeeEnrolments(&group), is_public)
        .map_err(|refusal| refusal.into_error(format!("Session {id}")))?;
    query.take()?;
    register_of(&mut conn, &session).await.map(web::Json)
}

/// Record attendance
///
/// Records `present`, `absent` or `apologies` for enrolments holding a place in the
/// session's work group, once the session has started (before, 409); never for a cancelled
/// session (409). The enrolments listed are set as given and the others stay as they are, so
/// sending the same list again changes nothing. Corrections are allowed and audited with their
/// before and after. A participant who did not attend (`absent`, or `apologies` with the time
/// they came in `apologies_at`, which `apologies` requires) charges the school the project's
/// non-attendance fee, once, unless apologies came on or before the London date the project's
/// notice days before the session's London date; correcting the line so no fee is due
/// (`present`, or apologies in time) voids that fee (kept in the ledger as `voided`). Every bad
/// item is named at once (`items[3].status`), as is any enrolment not holding a place in the
/// group. For the group's leads, its hub's managers and national admins; `If-Match` with the
/// register's `ETag` refuses a stale change (412).
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = uuid::Uuid, Path, description = "The session's id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` of the register the change is based on"),
    ),
    request_body = AttendanceUpdate,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The register as recorded", body = Register),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[put("/sessions/{id}/attendance")]
pub async fn record_attendance(
    caller: Caller,
    path: web::Path<String>,
    write: Write<AttendanceUpdateForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| lock_register(conn, &caller, id).await,
            async |conn, (session, group), form| {
                let now = Utc::now();
                let mut errors = FieldErrors::default();
                let items = parse_items(form.items, now, &mut errors);
                let ids: Vec<uuid::Uuid> = items.iter().map(|item| item.enrolment_id).collect();
                let schools: HashMap<uuid::Uuid, String> =
                    queries::place_holders(conn, group.id, &ids)
                        .await?
                        .into_iter()
                        .collect();
                let markings = markings(items, &schools, &mut errors);
                errors.into_result()?;
                require_recordable(&session, now)?;
                require_current_if_sent(
                    write.if_match()?,
                    "The register of session",
                    &id,
                    async || register_of(conn, &session).await,
                )
                .await?;
                record_changes(conn, &caller, &session, markings).await?;
                if group.facts.status == WorkGroupStatus::Completed {
                    completion::settle(conn, group.id, Some(caller.id)).await?;
                }
                Answer::ok(&register_of(conn, &session).await?)
            },
        )
        .await
}

/// Locks the session `id` and its work group for recording, if `caller` may edit the group;
/// 404 naming the session otherwise.
async fn lock_register(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
) -> Result<(SessionFacts, LockedGroup), ApiError> {
    let hidden = || ApiError::not_found(format!("Session {id}"));
    let session = queries::lock_session(conn, id).await?.ok_or_else(hidden)?;
    let group = lock_for(conn, caller, session.work_group_id, |scope| {
        Action::EditWorkGroupDetails(scope)
    })
    .await
    .map_err(|error| match error {
        ApiError::NotFound(_) => hidden(),
        other => other,
    })?;
    Ok((session, group))
}

/// Refuses (409) recording the attendance of a cancelled session, which does not take place,
/// or of one that has not started by `now`.
fn require_recordable(session: &SessionFacts, now: DateTime<Utc>) -> Result<(), ApiError> {
    if session.cancelled {
        return Err(ApiError::Conflict(
            "The session is cancelled: it has no attendance to record.".into(),
        ));
    }
    if session.starts_at > now {
        return Err(ApiError::Conflict(format!(
            "Attendance is recorded once the session has started; it starts at {}.",
            LondonTime(session.starts_at).to_rfc3339()
        )));
    }
    Ok(())
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(get_attendance)
        .service(record_attendance)
        .service(apologies::send_apologies);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(enrolment_id: &str, status: &str, apologies_at: Option<&str>) -> AttendanceInputForm {
        AttendanceInputForm {
            enrolment_id: enrolment_id.into(),
            status: status.into(),
            apologies_at: apologies_at.map(Into::into),
        }
    }

    fn named(errors: FieldErrors) -> Vec<String> {
        match errors.into_result() {
            Ok(()) => Vec::new(),
            Err(ApiError::Validation(errors) | ApiError::Unprocessable(errors)) => {
                errors.into_iter().map(|e| e.field).collect()
            }
            Err(other) => panic!("{other:?}"),
        }
    }

    const ONE: &str = "01931b90-5a2b-7c3d-8e4f-0a1b2c3d4e01";
    const TWO: &str = "01931b90-5a2b-7c3d-8e4f-0a1b2c3d4e02";

    #[test]
    fn every_bad_item_is_named_by_its_place() {
        let now = "2021-11-17T12:00:00Z".parse().unwrap();
        let mut errors = FieldErrors::default();
        let items = parse_items(
            vec![
                input(ONE, "present", None),
                input("nobody", "late", None),
                input(TWO, "present", Some("2021-11-10T09:00:00Z")),
                input(ONE, "absent", Some("2021-11-18T09:00:00Z")),
            ],
            now,
            &mut errors,
        );
        assert_eq!(
            named(errors),
            [
                "items[1].enrolment_id",
                "items[1].status",
                "items[2].apologies_at",
                "items[3].apologies_at",
                "items[3].enrolment_id",
            ]
        );
        let places: Vec<usize> = items.iter().map(|item| item.place).collect();
        assert_eq!(places, [0, 2, 3]);
    }

    #[test]
    fn good_items_parse_into_marks() {
        let now = "2021-11-17T12:00:00Z".parse().unwrap();
        let mut errors = FieldErrors::default();
        let items = parse_items(
            vec![
                input(ONE, "present", None),
                input(TWO, "apologies", Some("2021-11-03T17:45:00+00:00")),
            ],
            now,
            &mut errors,
        );
        assert!(named(errors).is_empty());
        assert_eq!(
            items[1].mark,
            Some(Mark {
                status: AttendanceStatus::Apologies,
                apologies_at: Some("2021-11-03T17:45:00Z".parse().unwrap()),
            })
        );
    }
}
