//! Running a work group's sessions: its leads, its hub's managers and admins add, change,
//! cancel and remove them. Times must end after they start, on the same London day, in the
//! group's academic year, without overlapping another session of the group that takes place.
//! A session not yet started may be cancelled with a reason: it stays listed, no longer
//! changes and no longer counts among the group's sessions. Every change is audited, noting
//! whether participants already hold places, and fed to partners once the group is public.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::sessions::read::{Session, visible_joining_links};
use crate::api::work_groups::write::{VenueColumns, VenueForm, VenueInput, lock_for};
use crate::auth::{Action, Caller, MaybeCaller, authorize};
use crate::db::sessions::{self as queries, LockedSession, SessionFields};
use crate::db::work_group_writes::{self as group_writes, LockedGroup};
use crate::db::{DbPool, audit, fees, outbox, work_groups};
use crate::domain::scope::WorkGroupScope;
use crate::domain::{
    AcademicYear, BoundedText, HttpsLink, LondonTime, NonBlank, NoticeKind, SessionKind,
    SessionMode, Timestamp, WorkGroupStatus, lifecycle, notice, session_times,
};
use crate::error::ApiError;
use crate::http::body::ReasonForm;
use crate::http::extract::paging::{FieldErrors, NoQueryParameters};
use crate::http::middleware::etag::require_current_if_sent;
use crate::http::parse::{nullable, parse_path, set_if_sent, uuid};
use crate::http::write::{Answer, Write};

const TAG: &str = "Sessions";
/// A session's notes: what to bring, where to meet.
type Notes = BoundedText<2_000>;
/// Why a session is called off.
type CancellationReason = NonBlank<500>;

/// A new session of a work group.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "workshop", "mode": "face_to_face",
    "starts_at": "2021-11-17T09:30:00+00:00", "ends_at": "2021-11-17T14:30:00+00:00",
    "venue": {"name": "Twyford Church of England High School", "address": "Twyford Crescent, London", "postcode": "W3 9PP"},
    "joining_link": null, "notes": null
}))]
pub struct NewSession {
    pub kind: SessionKind,
    pub mode: SessionMode,
    /// RFC 3339 with an offset.
    #[schema(inline)]
    pub starts_at: Timestamp,
    /// RFC 3339 with an offset; the same London day as `starts_at`.
    #[schema(inline)]
    pub ends_at: Timestamp,
    pub venue: Option<VenueInput>,
    /// `https://` link for online sessions; private to the group's staff and participants.
    #[schema(inline)]
    pub joining_link: Option<HttpsLink>,
    #[schema(inline)]
    pub notes: Option<Notes>,
}

/// `NewSession` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "NewSession", deny_unknown_fields)]
pub struct NewSessionForm {
    kind: String,
    mode: String,
    starts_at: String,
    ends_at: String,
    venue: Option<VenueForm>,
    joining_link: Option<String>,
    notes: Option<String>,
}

impl NewSessionForm {
    /// Every field as a change that sets it.
    fn into_changes(self) -> SessionChangesForm {
        SessionChangesForm {
            kind: Some(self.kind),
            mode: Some(self.mode),
            starts_at: Some(self.starts_at),
            ends_at: Some(self.ends_at),
            venue: self.venue.map(Some),
            joining_link: self.joining_link.map(Some),
            notes: self.notes.map(Some),
        }
    }
}

impl TryFrom<NewSessionForm> for NewSession {
    type Error = ApiError;

    fn try_from(form: NewSessionForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let changes = SessionChanges::parse(form.into_changes(), &mut errors);
        errors.finish(|| {
            Some(Self {
                kind: changes.kind?,
                mode: changes.mode?,
                starts_at: changes.starts_at?,
                ends_at: changes.ends_at?,
                venue: changes.venue.flatten(),
                joining_link: changes.joining_link.flatten(),
                notes: changes.notes.flatten(),
            })
        })
    }
}

impl NewSession {
    /// The session's columns.
    fn into_fields(self) -> SessionFields {
        let (venue_name, venue_address, venue_postcode) = self
            .venue
            .map_or_else(VenueColumns::default, VenueInput::into_columns);
        SessionFields {
            kind: self.kind,
            mode: self.mode,
            starts_at: self.starts_at.get(),
            ends_at: self.ends_at.get(),
            venue_name,
            venue_address,
            venue_postcode,
            joining_link: self.joining_link.map(HttpsLink::into_inner),
            notes: self.notes.map(Notes::into_inner),
        }
    }
}

/// Changes to a session; what is left out stays, `null` clears `venue`, `joining_link` or
/// `notes`.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"starts_at": "2021-11-24T09:30:00+00:00", "ends_at": "2021-11-24T14:30:00+00:00"}))]
pub struct SessionChanges {
    pub kind: Option<SessionKind>,
    pub mode: Option<SessionMode>,
    #[schema(inline)]
    pub starts_at: Option<Timestamp>,
    #[schema(inline)]
    pub ends_at: Option<Timestamp>,
    #[schema(value_type = Option<VenueInput>)]
    pub venue: Option<Option<VenueInput>>,
    #[schema(inline)]
    pub joining_link: Option<Option<HttpsLink>>,
    #[schema(inline)]
    pub notes: Option<Option<Notes>>,
}

/// `SessionChanges` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "SessionChanges", deny_unknown_fields)]
pub struct SessionChangesForm {
    kind: Option<String>,
    mode: Option<String>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    venue: Option<Option<VenueForm>>,
    #[serde(default, deserialize_with = "nullable")]
    joining_link: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    notes: Option<Option<String>>,
}

impl TryFrom<SessionChangesForm> for SessionChanges {
    type Error = ApiError;

    fn try_from(form: SessionChangesForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let changes = Self::parse(form, &mut errors);
        errors.finish(|| Some(changes))
    }
}

impl SessionChanges {
    /// Parses every field sent, recording each bad one in `errors`.
    fn parse(form: SessionChangesForm, errors: &mut FieldErrors) -> Self {
        let kind = errors.parse("kind", form.kind, SessionKind::parse);
        let mode = errors.parse("mode", form.mode, SessionMode::parse);
        let starts_at = errors.parse("starts_at", form.starts_at, Timestamp::parse);
        let ends_at = errors.parse("ends_at", form.ends_at, Timestamp::parse);
        let joining_link =
            errors.parse_nullable("joining_link", form.joining_link, HttpsLink::parse);
        let notes = errors.parse_nullable("notes", form.notes, Notes::parse);
        // `null` clears the venue.
        let venue = form
            .venue
            .map(|venue| venue.and_then(|venue| VenueInput::parse(venue, errors)));
        Self {
            kind,
            mode,
            starts_at,
            ends_at,
            venue,
            joining_link,
            notes,
        }
    }

    /// Sets what was sent on `fields`.
    fn apply_to(self, fields: &mut SessionFields) {
        set_if_sent(&mut fields.kind, self.kind);
        set_if_sent(&mut fields.mode, self.mode);
        set_if_sent(&mut fields.starts_at, self.starts_at.map(Timestamp::get));
        set_if_sent(&mut fields.ends_at, self.ends_at.map(Timestamp::get));
        set_if_sent(
            &mut fields.joining_link,
            self.joining_link
                .map(|link| link.map(HttpsLink::into_inner)),
        );
        if let Some(venue) = self.venue {
            (
                fields.venue_name,
                fields.venue_address,
                fields.venue_postcode,
            ) = venue.map_or_else(VenueColumns::default, VenueInput::into_columns);
        }
        set_if_sent(
            &mut fields.notes,
            self.notes.map(|notes| notes.map(Notes::into_inner)),
        );
    }
}

/// Why a session is called off, for its participants and their calendars.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The venue is closed for repairs that week; the next session goes ahead as planned."}))]
pub struct SessionCancellation {
    /// 1 to 500 characters (white space around it is trimmed).
    #[schema(inline)]
    pub reason: CancellationReason,
}

impl TryFrom<ReasonForm> for SessionCancellation {
    type Error = ApiError;

    fn try_from(form: ReasonForm) -> Result<Self, ApiError> {
        form.parse().map(|reason| Self { reason })
    }
}

/// Refuses times the calendar rules break (every one at once, 422), and overlaps (409).
async fn check_times(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
    fields: &SessionFields,
    except: Option<uuid::Uuid>,
) -> Result<(), ApiError> {
    let year = AcademicYear::parse(&group.academic_year).map_err(ApiError::internal)?;
    let days = u16::try_from(group.session_days).unwrap_or(1);
    let problems = session_times::problems(fields.starts_at, fields.ends_at, days, &year);
    if !problems.is_empty() {
        return Err(ApiError::Unprocessable(
            problems
                .into_iter()
                .map(|(field, message)| crate::error::FieldError::new(field, message))
                .collect(),
        ));
    }
    if queries::overlaps(conn, group.id, (fields.starts_at, fields.ends_at), except).await? {
        return Err(ApiError::Conflict(
            "The session overlaps another session of this work group.".into(),
        ));
    }
    Ok(())
}

fn check_group_changes(group: &LockedGroup) -> Result<(), ApiError> {
    match group.facts.status {
        WorkGroupStatus::Cancelled | WorkGroupStatus::Completed => {
            Err(ApiError::Conflict(format!(
                "The work group is {}: its sessions no longer change.",
                group.facts.status
            )))
        }
        _ => Ok(()),
    }
}

/// A change to a session, as the audit log and the change feed tell it.
enum Change<'a> {
    Created(&'a SessionFields),
    Updated {
        before: &'a SessionFields,
        after: &'a SessionFields,
    },
    Deleted(&'a SessionFields),
    Cancelled {
        session: &'a SessionFields,
        reason: &'a str,
        /// Fees charged against the session, void now that it does not take place.
        voided_fees: &'a [uuid::Uuid],
    },
}

impl Change<'_> {
    fn action(&self) -> &'static str {
        match self {
            Change::Created(_) => "session.created",
            Change::Updated { .. } => "session.updated",
            Change::Deleted(_) => "session.deleted",
            Change::Cancelled { .. } => "session.cancelled",
        }
    }

    /// The message a change sends those holding a place, with what it tells, as
    /// `domain::notice` decides: a move of a session yet to end, a cancellation, or the
    /// removal of one yet to begin.
    fn notice(&self, id: uuid::Uuid) -> Option<(NoticeKind, serde_json::Value)> {
        let now = Utc::now();
        match self {
            Change::Updated { before, after } => {
                let (before, after) = (before.plan(id), after.plan(id));
                let changed = notice::session_moved(&before, &after, now)?;
                let facts =
                    serde_json::json!({"session": after, "before": before, "changed": changed});
                Some((NoticeKind::SessionChanged, facts))
            }
            Change::Cancelled {
                session, reason, ..
            } => Some((
                NoticeKind::SessionCancelled,
                serde_json::json!({"session": session.plan(id), "reason": reason}),
            )),
            Change::Deleted(session) => {
                let plan = session.plan(id);
                notice::removal_cancels(&plan, now).then(|| {
                    (
                        NoticeKind::SessionCancelled,
                        serde_json::json!({"session": plan}),
                    )
                })
            }
            Change::Created(_) => None,
        }
    }

    /// What the audit record says of the session, besides its group.
    fn details(&self) -> serde_json::Value {
        fn shown(fields: &SessionFields) -> serde_json::Value {
            serde_json::json!({
                "kind": fields.kind, "mode": fields.mode, "starts_at": fields.starts_at,
                "ends_at": fields.ends_at, "venue_name": fields.venue_name,
                "joining_link_set": fields.joining_link.is_some(), "notes": fields.notes,
            })
        }
        match self {
            Change::Created(after) => serde_json::json!({"before": null, "after": shown(after)}),
            Change::Updated { before, after } => {
                serde_json::json!({"before": shown(before), "after": shown(after)})
            }
            Change::Deleted(before) => serde_json::json!({"before": shown(before), "after": null}),
            Change::Cancelled {
                session,
                reason,
                voided_fees,
            } => serde_json::json!({
                "session": shown(session), "reason": reason, "voided_fees": voided_fees,
            }),
        }
    }
}

/// Audits a session change (with the places already held, so changes that affect people
/// stand out) and feeds it to partners once the group is public.
async fn record(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    group: &LockedGroup,
    session_id: uuid::Uuid,
    change: Change<'_>,
) -> Result<(), ApiError> {
    let mut details = change.details();
    details["work_group_id"] = serde_json::json!(group.id);
    details["accepted_participants"] = serde_json::json!(group.facts.accepted_count);
    audit::record(
        conn,
        Some(caller.id),
        change.action(),
        "session",
        &session_id.to_string(),
        details,
    )
    .await?;
    if let Some((kind, facts)) = change.notice(session_id) {
        let to = outbox::Recipients::holding_places(group.id);
        outbox::tell(conn, kind, &to, facts).await?;
    }
    if group.is_public {
        group_writes::record_event(
            conn,
            group.id,
            "updated",
            serde_json::json!({"session_id": session_id, "change": change.action()}),
        )
        .await?;
    }
    Ok(())
}

/// The session as its group's staff see it (joining link included).
async fn staff_view(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    fields: &SessionFields,
) -> Result<Session, ApiError> {
    let row = queries::find(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Session {id}")))?;
    Ok(Session::from(row).with_link(fields.joining_link.clone()))
}

/// Add a session
///
/// Adds a session to a work group: for its leads, its hub's managers and national admins.
/// Times are RFC 3339 with an offset, stored as instants and shown with the Europe/London
/// offset. A session overlapping another of the group answers 409, as does a session for a
/// cancelled or completed group.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The work group's id")),
    request_body = NewSession,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = Session,
         headers(("Location" = String, description = "The new session's URL"))),
        crate::http::problems::ProtectedWriteErrors,
        (status = 404, response = crate::http::problems::NotFound),
    )
)]
#[post("/work-groups/{id}/sessions")]
pub async fn create_session(
    caller: Caller,
    path: web::Path<String>,
    write: Write<NewSessionForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let group_id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| {
                lock_for(conn, &caller, group_id, |scope| {
                    Action::EditWorkGroupDetails(scope)
                })
                .await
            },
            async |conn, group, form| {
                let fields = NewSession::try_from(form)?.into_fields();
                check_group_changes(&group)?;
                check_times(conn, &group, &fields, None).await?;
                let id = queries::insert(conn, group.id, &fields).await?;
                record(conn, &caller, &group, id, Change::Created(&fields)).await?;
                let session = staff_view(conn, id, &fields).await?;
                Answer::created(format!("/api/v1/sessions/{}", session.id), &session)
            },
        )
        .await
}

/// Locks a session and its group, once `caller` may change it.
async fn lock_session(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
) -> Result<(LockedGroup, LockedSession), ApiError> {
    let session = queries::lock(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Session {id}")))?;
    let group = lock_for(conn, caller, session.work_group_id, |scope| {
        Action::EditWorkGroupDetails(scope)
    })
    .await
    .map_err(|error| match error {
        ApiError::NotFound(_) => ApiError::not_found(format!("Session {id}")),
        other => other,
    })?;
    Ok((group, session))
}

/// A cancelled session stays as it was cancelled (it may still be removed).
fn check_not_cancelled(session: &LockedSession) -> Result<(), ApiError> {
    match session.cancelled_at {
        Some(_) => Err(ApiError::Conflict(
            "The session is cancelled: it no longer changes.".into(),
        )),
        None => Ok(()),
    }
}

/// A session that has begun has happened, and its attendance belongs to it: it is not
/// cancelled.
fn check_not_started(fields: &SessionFields, now: DateTime<Utc>) -> Result<(), ApiError> {
    if fields.starts_at <= now {
        return Err(ApiError::Conflict(format!(
            "The session started at {}: a session that has begun is not cancelled.",
            LondonTime(fields.starts_at).to_rfc3339()
        )));
    }
    Ok(())
}

/// Change a session
///
/// Changes a session's kind, mode, times, venue, joining link or notes (`null` clears the
/// last three); the same rules as adding one apply. Moving a session of a group whose places
/// are taken is allowed, and recorded in the audit log with the number of participants
/// concerned. A cancelled session no longer changes (409). `If-Match` with the session's
/// `ETag` refuses a stale change (412).
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = uuid::Uuid, Path, description = "The session's id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on"),
    ),
    request_body = SessionChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed session", body = Session),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[patch("/sessions/{id}")]
pub async fn update_session(
    caller: Caller,
    path: web::Path<String>,
    write: Write<SessionChangesForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| lock_session(conn, &caller, id).await,
            async |conn, (group, session), form| {
                let changes = SessionChanges::try_from(form)?;
                check_group_changes(&group)?;
                require_current_if_sent(write.if_match()?, "Session", &id, async || {
                    staff_view(conn, id, &session.fields).await
                })
                .await?;
                check_not_cancelled(&session)?;
                let before = session.fields;
                let mut fields = before.clone();
                changes.apply_to(&mut fields);
                save_changes(conn, &caller, &group, id, &before, &fields).await?;
                Answer::ok(&staff_view(conn, id, &fields).await?)
            },
        )
        .await
}

/// Changes the session `id` of `group` from `before` to `fields`, as the calendar rules allow,
/// recorded as `caller`'s change.
async fn save_changes(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    group: &LockedGroup,
    id: uuid::Uuid,
    before: &SessionFields,
    fields: &SessionFields,
) -> Result<(), ApiError> {
    check_times(conn, group, fields, Some(id)).await?;
    queries::update(conn, id, fields).await?;
    let change = Change::Updated {
        before,
        after: fields,
    };
    record(conn, caller, group, id, change).await
}

/// Remove a session
///
/// Removes a session from its work group, cancelled or not. Allowed even when participants
/// hold places, and then recorded in the audit log with their number; refused (409) once
/// attendance or a fee is recorded against it, as the register and the fee ledger keep those,
/// and for the last session that takes place of a group that has opened (`open`, `full`,
/// `closed`, `running`): such a group keeps one, or is cancelled instead.
/// `If-Match` with the session's `ETag` refuses a stale removal (412).
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = uuid::Uuid, Path, description = "The session's id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the removal is based on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        crate::http::problems::ProtectedActionErrors,
        (status = 412, response = crate::http::problems::PreconditionFailed),
    )
)]
#[delete("/sessions/{id}")]
pub async fn delete_session(
    caller: Caller,
    path: web::Path<String>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| lock_session(conn, &caller, id).await,
            async |conn, (group, session), _| {
                check_group_changes(&group)?;
                require_current_if_sent(write.if_match()?, "Session", &id, async || {
                    staff_view(conn, id, &session.fields).await
                })
                .await?;
                if session.cancelled_at.is_none() {
                    lifecycle::check_losing_a_session(&group.facts)?;
                }
                if queries::has_records(conn, id).await? {
                    return Err(ApiError::Conflict(
                        "Attendance or fees are recorded against this session: it can no longer be deleted."
                            .into(),
                    ));
                }
                queries::delete(conn, id).await?;
                record(conn, &caller, &group, id, Change::Deleted(&session.fields)).await?;
                Answer::no_content()
            },
        )
        .await
}

/// Cancel a session
///
/// Calls off one session that has not begun, with a reason (1 to 500 characters) for its
/// participants. The session stays in its group's lists and calendar feeds with `status`
/// `cancelled` and its reason (its calendar event becomes `STATUS:CANCELLED`, its `SEQUENCE`
/// one higher), but no longer counts among the group's sessions: not in its `session_count`
/// or first and last session dates, nor for the status clock, participation or attendance.
/// Its time is free for a replacement, and a fee already charged against it (a late
/// withdrawal) is voided. A cancelled session no longer changes; it may still be removed.
/// For the group's leads, its hub's managers and national admins. Refused (409) when the
/// session is already cancelled or has begun, or its group is cancelled or completed, and for
/// the last session that takes place of a group that has opened (`open`, `full`, `closed`,
/// `running`): such a group keeps one, or is cancelled instead. A cancelled session's joining
/// link is shown to no one.
/// `If-Match` with the session's `ETag` refuses a stale cancellation (412).
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = uuid::Uuid, Path, description = "The session's id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the cancellation is based on"),
    ),
    request_body = SessionCancellation,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The session, now cancelled", body = Session),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[post("/sessions/{id}/cancel")]
pub async fn cancel_session(
    caller: Caller,
    path: web::Path<String>,
    write: Write<ReasonForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| lock_session(conn, &caller, id).await,
            async |conn, (group, session), form| {
                let reason = SessionCancellation::try_from(form)?.reason.into_inner();
                check_group_changes(&group)?;
                require_current_if_sent(write.if_match()?, "Session", &id, async || {
                    staff_view(conn, id, &session.fields).await
                })
                .await?;
                check_not_cancelled(&session)?;
                check_not_started(&session.fields, Utc::now())?;
                lifecycle::check_losing_a_session(&group.facts)?;
                queries::cancel(conn, id, &reason).await?;
                let voided_fees = fees::void_at_session(conn, id).await?;
                record(
                    conn,
                    &caller,
                    &group,
                    id,
                    Change::Cancelled {
                        session: &session.fields,
                        reason: &reason,
                        voided_fees: &voided_fees,
                    },
                )
                .await?;
                Answer::ok(&staff_view(conn, id, &session.fields).await?)
            },
        )
        .await
}

/// Get a session
///
/// One session of a public work group (or of a draft, for those who run it). Its joining link
/// is shown to the group's staff and participants holding a place, when they send their token.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The session's id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The session", body = Session, headers(("ETag" = String))),
        crate::http::problems::PersonalisedReadErrors,
    )
)]
#[get("/sessions/{id}")]
pub async fn get_session(
    caller: MaybeCaller,
    path: web::Path<String>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Session>, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let hidden = || ApiError::not_found(format!("Session {id}"));
    let mut conn = pool.get().await?;
    let row = queries::find(&mut conn, id).await?.ok_or_else(hidden)?;
    let group_id = queries::group_of(&mut conn, id).await?.ok_or_else(hidden)?;
    let scope = work_groups::scope(&conn, group_id)
        .await?
        .ok_or_else(hidden)?;
    let is_public = scope.is_public;
    let group = WorkGroupScope::from(scope);
    // Public once opened; a draft (or one abandoned before it opened) only for those who run it.
    let visible = is_public
        || caller
            .0
            .as_ref()
            .is_some_and(|caller| authorize(caller, &Action::EditWorkGroupDetails(&group)).is_ok());
    if !visible {
        return Err(hidden());
    }
    let links = visible_joining_links(&mut conn, caller.0.as_ref(), group_id).await?;
    Ok(web::Json(Session::from(row).with_joining_link(&links)))
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(create_session)
        .service(get_session)
        .service(update_session)
        .service(cancel_session)
        .service(delete_session);
}
