//! Running a work group's sessions: its leads, its hub's managers and admins add, change and
//! remove them. Times must end after they start, on the same London day, in the group's
//! academic year, without overlapping another session of the group. Every change is audited,
//! noting whether participants already hold places, and fed to partners once the group is
//! public.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::policy::WorkGroupScope;
use crate::auth::{Action, Caller, MaybeCaller, authorize};
use crate::db::sessions::{self as queries, SessionFields};
use crate::db::work_group_writes::{self as group_writes, LockedGroup};
use crate::db::{DbPool, audit, work_groups};
use crate::domain::{
    AcademicYear, SessionKind, SessionMode, WorkGroupStatus, parse_instant, session_times,
};
use crate::error::ApiError;
use crate::routes::etag::require_current;
use crate::routes::list::{FieldErrors, NoQueryParameters};
use crate::routes::sessions::{Session, visible_joining_links};
use crate::routes::work_group_writes::{VenueColumns, VenueInput, lock_for};
use crate::routes::{parse_path, uuid};

const TAG: &str = "Sessions";
const MAX_LINK_CHARS: usize = 500;

/// A new session of a work group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "workshop", "mode": "face_to_face",
    "starts_at": "2021-11-17T09:30:00+00:00", "ends_at": "2021-11-17T14:30:00+00:00",
    "venue": {"name": "Twyford Church of England High School", "address": "Twyford Crescent, London", "postcode": "W3 9PP"},
    "joining_link": null, "notes": null
}))]
pub struct NewSession {
    #[schema(value_type = SessionKind)]
    pub kind: String,
    #[schema(value_type = SessionMode)]
    pub mode: String,
    /// RFC 3339 with an offset.
    pub starts_at: String,
    /// RFC 3339 with an offset; the same London day as `starts_at`.
    pub ends_at: String,
    pub venue: Option<VenueInput>,
    /// `https://` link for online sessions; private to the group's staff and participants.
    pub joining_link: Option<String>,
    pub notes: Option<String>,
}

/// Changes to a session; what is left out stays, `null` clears `venue`, `joining_link` or
/// `notes`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"starts_at": "2021-11-24T09:30:00+00:00", "ends_at": "2021-11-24T14:30:00+00:00"}))]
pub struct SessionChanges {
    #[schema(value_type = Option<SessionKind>)]
    pub kind: Option<String>,
    #[schema(value_type = Option<SessionMode>)]
    pub mode: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<VenueInput>)]
    pub venue: Option<Option<VenueInput>>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<String>)]
    pub joining_link: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
}

fn joining_link(text: &str) -> Result<String, crate::domain::ParseError> {
    let link = text.trim();
    if link.starts_with("https://")
        && link.len() > "https://".len()
        && link.chars().count() <= MAX_LINK_CHARS
        && !link.contains(char::is_whitespace)
    {
        Ok(link.to_owned())
    } else {
        Err(crate::domain::ParseError(format!(
            "must be an https:// link of at most {MAX_LINK_CHARS} characters"
        )))
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

/// Audits a session change (with the places already held, so moves that affect people stand
/// out) and feeds it to partners once the group is public.
async fn record(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    group: &LockedGroup,
    session_id: uuid::Uuid,
    action: &str,
    before: Option<&SessionFields>,
    after: Option<&SessionFields>,
) -> Result<(), ApiError> {
    let shown = |fields: Option<&SessionFields>| {
        fields.map(|fields| {
            serde_json::json!({
                "kind": fields.kind, "mode": fields.mode, "starts_at": fields.starts_at,
                "ends_at": fields.ends_at, "venue_name": fields.venue_name,
                "joining_link_set": fields.joining_link.is_some(), "notes": fields.notes,
            })
        })
    };
    audit::record(
        conn,
        Some(caller.id),
        action,
        "session",
        &session_id.to_string(),
        serde_json::json!({
            "work_group_id": group.id,
            "accepted_participants": group.facts.accepted_count,
            "before": shown(before),
            "after": shown(after),
        }),
    )
    .await?;
    if group.facts.status != WorkGroupStatus::Draft {
        group_writes::record_event(
            conn,
            group.id,
            "updated",
            serde_json::json!({"session_id": session_id, "change": action}),
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
    let mut session = Session::from(row);
    session.joining_link = fields.joining_link.clone();
    Ok(session)
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
        crate::openapi::ProtectedWriteErrors,
        (status = 404, response = crate::openapi::NotFound),
    )
)]
#[post("/work-groups/{id}/sessions")]
pub async fn create_session(
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<NewSession>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let group_id = parse_path("id", &path, uuid)?;
    let body = body.into_inner();
    let mut errors = FieldErrors::default();
    let kind = errors.parse("kind", Some(body.kind), SessionKind::parse);
    let mode = errors.parse("mode", Some(body.mode), SessionMode::parse);
    let starts_at = errors.parse("starts_at", Some(body.starts_at), parse_instant);
    let ends_at = errors.parse("ends_at", Some(body.ends_at), parse_instant);
    let link = errors.parse("joining_link", body.joining_link, joining_link);
    let (venue_name, venue_address, venue_postcode) = body
        .venue
        .map_or_else(VenueColumns::default, |venue| venue.columns(&mut errors));
    errors.into_result()?;
    let fields = SessionFields {
        kind: kind.expect("parsed"),
        mode: mode.expect("parsed"),
        starts_at: starts_at.expect("parsed"),
        ends_at: ends_at.expect("parsed"),
        venue_name,
        venue_address,
        venue_postcode,
        joining_link: link,
        notes: body.notes,
    };
    let mut conn = pool.get().await?;
    let session = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let group = lock_for(conn, &caller, group_id, |scope| {
                Action::EditWorkGroupDetails(scope)
            })
            .await?;
            check_group_changes(&group)?;
            check_times(conn, &group, &fields, None).await?;
            let id = queries::insert(conn, group.id, &fields).await?;
            record(
                conn,
                &caller,
                &group,
                id,
                "session.created",
                None,
                Some(&fields),
            )
            .await?;
            staff_view(conn, id, &fields).await
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/sessions/{}", session.id)))
        .json(session))
}

/// Locks a session and its group for a change by `caller`.
async fn lock_session(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: uuid::Uuid,
) -> Result<(LockedGroup, SessionFields), ApiError> {
    let (group_id, fields) = queries::lock(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Session {id}")))?;
    let group = lock_for(conn, caller, group_id, |scope| {
        Action::EditWorkGroupDetails(scope)
    })
    .await
    .map_err(|error| match error {
        ApiError::NotFound(_) => ApiError::not_found(format!("Session {id}")),
        other => other,
    })?;
    check_group_changes(&group)?;
    Ok((group, fields))
}

/// Change a session
///
/// Changes a session's kind, mode, times, venue, joining link or notes (`null` clears the
/// last three); the same rules as adding one apply. Moving a session of a group whose places
/// are taken is allowed, and recorded in the audit log with the number of participants
/// concerned. `If-Match` with the session's `ETag` refuses a stale change (412).
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
        crate::openapi::ProtectedUpdateErrors,
    )
)]
#[patch("/sessions/{id}")]
pub async fn update_session(
    caller: Caller,
    request: HttpRequest,
    path: web::Path<String>,
    body: web::Json<SessionChanges>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Session>, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let changes = body.into_inner();
    let mut errors = FieldErrors::default();
    let kind = errors.parse("kind", changes.kind, SessionKind::parse);
    let mode = errors.parse("mode", changes.mode, SessionMode::parse);
    let starts_at = errors.parse("starts_at", changes.starts_at, parse_instant);
    let ends_at = errors.parse("ends_at", changes.ends_at, parse_instant);
    let link = errors.parse_nullable("joining_link", changes.joining_link, joining_link);
    // `null` clears the venue.
    let venue = changes
        .venue
        .map(|venue| venue.map_or_else(VenueColumns::default, |venue| venue.columns(&mut errors)));
    errors.into_result()?;
    let if_match = request.headers().get(header::IF_MATCH).cloned();

    let mut conn = pool.get().await?;
    let session = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let (group, before) = lock_session(conn, &caller, id).await?;
            if let Some(if_match) = &if_match {
                let current = staff_view(conn, id, &before).await?;
                require_current(if_match, &current, format_args!("Session {id}"))?;
            }
            let mut fields = before.clone();
            fields.kind = kind.unwrap_or(fields.kind);
            fields.mode = mode.unwrap_or(fields.mode);
            fields.starts_at = starts_at.unwrap_or(fields.starts_at);
            fields.ends_at = ends_at.unwrap_or(fields.ends_at);
            if let Some(link) = link {
                fields.joining_link = link;
            }
            if let Some(venue) = venue {
                (
                    fields.venue_name,
                    fields.venue_address,
                    fields.venue_postcode,
                ) = venue;
            }
            if let Some(notes) = changes.notes {
                fields.notes = notes;
            }
            check_times(conn, &group, &fields, Some(id)).await?;
            queries::update(conn, id, &fields).await?;
            record(
                conn,
                &caller,
                &group,
                id,
                "session.updated",
                Some(&before),
                Some(&fields),
            )
            .await?;
            staff_view(conn, id, &fields).await
        })
        .await?;
    Ok(web::Json(session))
}

/// Remove a session
///
/// Removes a session from its work group. Allowed even when participants hold places, and
/// then recorded in the audit log with their number; refused (409) once attendance or a fee
/// is recorded against it, as the register and the fee ledger keep those. `If-Match` with the
/// session's `ETag` refuses a stale removal (412).
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = uuid::Uuid, Path, description = "The session's id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the removal is based on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        crate::openapi::ProtectedActionErrors,
        (status = 412, response = crate::openapi::PreconditionFailed),
    )
)]
#[delete("/sessions/{id}")]
pub async fn delete_session(
    caller: Caller,
    request: HttpRequest,
    path: web::Path<String>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let if_match = request.headers().get(header::IF_MATCH).cloned();
    let mut conn = pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let (group, before) = lock_session(conn, &caller, id).await?;
        if let Some(if_match) = &if_match {
            let current = staff_view(conn, id, &before).await?;
            require_current(if_match, &current, format_args!("Session {id}"))?;
        }
        if queries::has_records(conn, id).await? {
            return Err(ApiError::Conflict(
                "Attendance or fees are recorded against this session: it can no longer be deleted."
                    .into(),
            ));
        }
        queries::delete(conn, id).await?;
        record(
            conn,
            &caller,
            &group,
            id,
            "session.deleted",
            Some(&before),
            None,
        )
        .await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
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
        crate::openapi::PersonalisedReadErrors,
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
    let status = scope.status;
    let group = WorkGroupScope::from(scope);
    // Public unless a draft; a draft only for those who run it.
    let visible = status != WorkGroupStatus::Draft
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
        .service(delete_session);
}
