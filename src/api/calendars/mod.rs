//! Calendar feeds (RFC 5545) to subscribe to: a public work group's, a hub's and the offer
//! signposted to a local authority's schools (no joining links), and each participant's and lead's own, at a secret URL because calendar apps
//! cannot send a bearer token. `/me/calendar-url` shows that URL and resets it.

pub mod icalendar;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::refs::Venue;
use crate::api::signposting;
use crate::auth::calendar_secrets::ClaimedSecret;
use crate::auth::{Action, Auth, Caller, CallerKind, authorize};
use crate::config::PublicUrl;
use crate::db::calendar_feeds::{self as queries, FeedOwnerRow, FeedSessionRow};
use crate::db::{DbPool, audit};
use crate::domain::feed_window::FeedWindow;
use crate::domain::{GssCode, SessionStatus, Slug, lifecycle};
use crate::error::ApiError;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::paging::{FieldErrors, Filters, NoQueryParameters, QueryParameters};
use crate::http::parse::{parse_path, uuid};
use crate::http::write::{Answer, Write};
use icalendar::{Entry, EntryGroup, Feed};

const TAG: &str = "Calendars";

impl From<FeedSessionRow> for Entry {
    fn from(row: FeedSessionRow) -> Self {
        Self {
            session_id: row.id,
            kind: row.kind,
            mode: row.mode,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            venue: Venue::from_parts(row.venue_name, row.venue_address, row.venue_postcode),
            notes: row.notes,
            revision: row.revision,
            cancelled: row.cancelled,
            cancellation_reason: row.session_cancellation_reason,
            changed_at: row.changed_at,
            group: EntryGroup {
                id: row.work_group_id,
                code: row.work_group_code,
                title: row.work_group_title,
                hub_name: row.hub_name,
                status: row.work_group_status,
                cancellation_reason: row.cancellation_reason,
            },
            joining_link: lifecycle::joining_link_shown(
                row.joining_link,
                if row.cancelled {
                    SessionStatus::Cancelled
                } else {
                    SessionStatus::Scheduled
                },
            ),
        }
    }
}

/// The feed of `rows`, as a `file_name` attachment.
fn feed_response(
    file_name: &str,
    feed: Feed<'_>,
    rows: Vec<FeedSessionRow>,
    public_url: &PublicUrl,
) -> HttpResponse {
    let entries: Vec<Entry> = rows.into_iter().map(Entry::from).collect();
    icalendar::response(file_name, icalendar::to_ics(&feed, &entries, public_url))
}

/// Subscribe to a work group's sessions
///
/// The sessions of a public work group (one that has opened) as an iCalendar feed (RFC 5545), for
/// calendar apps to subscribe to: every session the group has, in Europe/London time with its
/// VTIMEZONE. Each event keeps its `UID` (`session-<id>@mathshub.invalid`) for good; its
/// `SEQUENCE` grows whenever the session's time, place, mode or joining link changes or the
/// session is cancelled (`STATUS:CANCELLED`, its reason in `DESCRIPTION`), and once more when
/// the group is cancelled, when every session becomes `STATUS:CANCELLED`.
/// `LOCATION` is the venue, or "Online"; `DESCRIPTION` names the group and its hub; `URL`
/// is the work group in this API. No joining links here: those are in the personal feeds of
/// the group's participants and leads (`GET /api/v1/me/calendar-url`). The answer carries an
/// `ETag`: send it back in `If-None-Match` to get 304 when nothing changed.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The work group's id", example = "01931b8e-7c2a-7d3e-9a41-3c5f0e2b7a10")),
    responses(
        (status = 200, description = "The group's calendar",
         content((String = "text/calendar", example = json!(icalendar::example(false)))),
         headers(
             ("ETag" = String),
             ("Content-Disposition" = String, description = "`attachment; filename=\"<code>.ics\"`"),
         )),
        crate::http::problems::ReadErrors,
    )
)]
#[get("/work-groups/{id}/calendar.ics")]
pub async fn work_group_calendar(
    path: web::Path<String>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
    public_url: web::Data<PublicUrl>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    let (group, rows) = queries::of_work_group(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Work group {id}")))?;
    let name = format!("{} {}", group.code, group.title);
    let description = format!(
        "Sessions of the work group {} of {}",
        group.code, group.hub_name
    );
    let feed = Feed {
        name: &name,
        description: &description,
    };
    Ok(feed_response(
        &format!("{}.ics", group.code),
        feed,
        rows,
        &public_url,
    ))
}

/// Subscribe to a hub's sessions
///
/// The sessions of a Maths Hub's public work groups (those that have opened) as an iCalendar
/// feed (RFC 5545), events as in a work group's feed (`GET /work-groups/{id}/calendar.ics`),
/// without joining links. It covers the academic year under way and the next (1 September
/// to 31 August, London time): sessions ending after the first starts and starting before
/// the second ends, so a hub's feed stays small however many years it has run.
#[utoipa::path(
    tag = TAG,
    params(("slug" = String, Path, description = "The hub's slug", example = "london-central-and-west")),
    responses(
        (status = 200, description = "The hub's calendar",
         content((String = "text/calendar", example = json!(icalendar::example(false)))),
         headers(
             ("ETag" = String),
             ("Content-Disposition" = String, description = "`attachment; filename=\"<slug>.ics\"`"),
         )),
        crate::http::problems::ReadErrors,
    )
)]
#[get("/hubs/{slug}/calendar.ics")]
pub async fn hub_calendar(
    path: web::Path<String>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
    public_url: web::Data<PublicUrl>,
) -> Result<HttpResponse, ApiError> {
    let slug = parse_path("slug", &path, Slug::parse)?;
    let window = FeedWindow::at(chrono::Utc::now());
    let mut conn = pool.get().await?;
    let (hub_name, rows) = queries::of_hub(&mut conn, &slug, window)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Hub {slug}")))?;
    let description = format!(
        "Sessions of the work groups of {hub_name} in {}",
        window.academic_years()
    );
    let feed = Feed {
        name: &hub_name,
        description: &description,
    };
    Ok(feed_response(
        &format!("{slug}.ics"),
        feed,
        rows,
        &public_url,
    ))
}

/// The query of `GET /signposting/calendar.ics`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SignpostingCalendarQuery {
    /// ONS GSS code of the schools' local authority or district (a district is served through
    /// its county).
    #[param(required = true, value_type = String, example = "E09000025")]
    local_authority: Option<String>,
}

#[derive(Debug)]
pub struct SignpostingCalendarRequest {
    local_authority: GssCode,
}

impl Filters for SignpostingCalendarRequest {
    type Raw = SignpostingCalendarQuery;

    fn parse(raw: SignpostingCalendarQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            local_authority: signposting::required_authority(raw.local_authority, errors)?,
        })
    }
}

/// Subscribe to the offer signposted to an authority
///
/// The sessions of every work group `GET /signposting` shows for a local authority or district
/// (the groups of the hub serving it, open for expressions of interest: `open`, or `full` with
/// a waiting list, deadline not passed) as an iCalendar feed (RFC 5545), so a Teaching School
/// Hub or a school can put the offer in a calendar. Events as in a work group's feed
/// (`GET /work-groups/{id}/calendar.ics`), without joining links; a group leaves the feed when
/// it stops taking expressions of interest. An authority without a hub or open groups answers
/// an empty calendar; an unknown one 404.
#[utoipa::path(
    tag = TAG,
    params(SignpostingCalendarQuery),
    responses(
        (status = 200, description = "The authority's offer as a calendar",
         content((String = "text/calendar", example = json!(icalendar::example(false)))),
         headers(
             ("ETag" = String),
             ("Content-Disposition" = String, description = "`attachment; filename=\"signposting-<code>.ics\"`"),
         )),
        crate::http::problems::ReadErrors,
    )
)]
#[get("/signposting/calendar.ics")]
pub async fn signposting_calendar(
    query: QueryParameters<SignpostingCalendarRequest>,
    pool: web::Data<DbPool>,
    public_url: web::Data<PublicUrl>,
) -> Result<HttpResponse, ApiError> {
    let code = query.0.local_authority;
    let mut conn = pool.get().await?;
    let authority = signposting::authority(&mut conn, &code).await?;
    let rows = queries::signposted_to(&mut conn, &[code]).await?;
    let name = format!("Maths Hubs work groups for schools in {}", authority.name);
    let description = format!(
        "Sessions of the work groups open for expressions of interest to schools in {}",
        authority.name
    );
    let feed = Feed {
        name: &name,
        description: &description,
    };
    Ok(feed_response(
        &format!("signposting-{}.ics", authority.gss_code),
        feed,
        rows,
        &public_url,
    ))
}

/// The answer to every secret that opens no feed: unknown, reset, malformed, or its account
/// disabled or no longer a participant's or lead's. All alike, so probing learns nothing.
fn no_calendar() -> ApiError {
    ApiError::NotFound(
        "There is no calendar at this address; its owner may have reset it. The current address is at GET /api/v1/me/calendar-url."
            .into(),
    )
}

/// The owner of a feed, as the policy sees a caller.
fn as_caller(user: uuid::Uuid, owner: &FeedOwnerRow) -> Caller {
    Caller {
        id: user,
        role: owner.role,
        hub_id: owner.hub_id,
        teaching_school_hub_id: owner.teaching_school_hub_id,
        kind: CallerKind::User,
        session: None,
    }
}

/// A personal calendar
///
/// A participant's or lead's own calendar feed (RFC 5545), at the secret address
/// `GET /api/v1/me/calendar-url` gives them: no token, as calendar apps cannot send one. It
/// holds the sessions of the groups they lead and the groups they hold a place in (accepted,
/// or completed), joining links included, over the academic year under way and the next, and
/// drafts they lead as `STATUS:TENTATIVE`; events otherwise as in a work group's feed. An
/// address that was reset, or whose account is disabled, answers 404 like any unknown one.
#[utoipa::path(
    tag = TAG,
    params(("secret" = String, Path, description = "The secret part of the address, as `GET /api/v1/me/calendar-url` gives it")),
    responses(
        (status = 200, description = "The person's calendar",
         content((String = "text/calendar", example = json!(icalendar::example(true)))),
         headers(
             ("ETag" = String),
             ("Cache-Control" = String, description = "`private, no-store`"),
         )),
        crate::http::problems::ReadErrors,
    )
)]
#[get("/calendars/{secret}.ics")]
pub async fn personal_calendar(
    path: web::Path<String>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
    auth: web::Data<Auth>,
    public_url: web::Data<PublicUrl>,
) -> Result<HttpResponse, ApiError> {
    let claimed = ClaimedSecret::parse(&path).ok_or_else(no_calendar)?;
    let mut conn = pool.get().await?;
    let owner = queries::owner(&mut conn, claimed.user)
        .await?
        .ok_or_else(no_calendar)?;
    let opens = auth
        .calendar_secrets
        .verify(&claimed, owner.calendar_token_version)
        && !owner.disabled
        && authorize(&as_caller(claimed.user, &owner), &Action::FollowOwnCalendar).is_ok();
    if !opens {
        return Err(no_calendar());
    }
    let window = FeedWindow::at(chrono::Utc::now());
    let rows = queries::of_person(&mut conn, claimed.user, window).await?;
    let description = format!(
        "Your Maths Hubs sessions in {}, joining links included: keep this calendar's address to yourself",
        window.academic_years()
    );
    let feed = Feed {
        name: "Maths Hubs: my sessions",
        description: &description,
    };
    let mut response = feed_response("maths-hubs.ics", feed, rows, &public_url);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// The address of the caller's personal calendar feed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"url": "https://api.mathshub.example/api/v1/calendars/AZMbjnwqfT6aQTxfDit6EJ3cXyLsLxkO1E1xwzdSh9Ae4O3gtBk8Ik7Rm5OJoVq2.ics"}))]
pub struct CalendarUrl {
    /// Subscribe to it in a calendar app; anyone holding it reads the feed, joining links
    /// included, until it is reset.
    pub url: String,
}

fn calendar_url(
    auth: &Auth,
    public_url: &PublicUrl,
    user: uuid::Uuid,
    version: i32,
) -> CalendarUrl {
    let secret = auth.calendar_secrets.secret(user, version);
    CalendarUrl {
        url: public_url.join(&format!("/api/v1/calendars/{secret}.ics")),
    }
}

/// Secrets are not for caches.
fn no_store() -> HeaderValue {
    HeaderValue::from_static("no-store")
}

fn uncached(answer: CalendarUrl) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, no_store()))
        .json(answer)
}

/// My calendar's address
///
/// The address of the caller's personal calendar feed (`GET /api/v1/calendars/{secret}.ics`),
/// for participants and leads: the sessions of the groups they hold a place in or lead,
/// joining links included. The same address every time, until it is reset with
/// `POST /api/v1/me/calendar-url/reset` (or the account is disabled). Others get 403.
#[utoipa::path(
    tag = TAG,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The address", body = CalendarUrl,
         headers(("ETag" = String), ("Cache-Control" = String, description = "`no-store`"))),
        (status = 304, description = "Not modified since the `If-None-Match` tag"),
        (status = 400, response = crate::http::problems::BadRequest),
        (status = 401, response = crate::http::problems::Unauthorized),
        (status = 403, response = crate::http::problems::Forbidden),
        (status = 503, response = crate::http::problems::Unavailable),
    )
)]
#[get("/me/calendar-url")]
pub async fn my_calendar_url(
    caller: Caller,
    query: Deferred<NoQueryParameters>,
    pool: web::Data<DbPool>,
    auth: web::Data<Auth>,
    public_url: web::Data<PublicUrl>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, &Action::FollowOwnCalendar)
        .map_err(|refusal| refusal.into_error("Your calendar"))?;
    query.take()?;
    let mut conn = pool.get().await?;
    let owner = queries::owner(&mut conn, caller.id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("The account no longer exists.".into()))?;
    Ok(uncached(calendar_url(
        &auth,
        &public_url,
        caller.id,
        owner.calendar_token_version,
    )))
}

/// Reset my calendar's address
///
/// Gives the caller's personal calendar a new address and kills the old one at once (it
/// answers 404 from now on): for an address that was shared by mistake. Calendar apps
/// subscribed to the old address must subscribe to the new one. Audited.
#[utoipa::path(
    tag = TAG,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new address", body = CalendarUrl,
         headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, response = crate::http::problems::BadRequest),
        (status = 401, response = crate::http::problems::Unauthorized),
        (status = 403, response = crate::http::problems::Forbidden),
        (status = 503, response = crate::http::problems::Unavailable),
    )
)]
#[post("/me/calendar-url/reset")]
pub async fn reset_my_calendar_url(
    caller: Caller,
    query: Deferred<NoQueryParameters>,
    write: Write,
    pool: web::Data<DbPool>,
    auth: web::Data<Auth>,
    public_url: web::Data<PublicUrl>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    let mut answer = write
        .run(
            &mut conn,
            &caller,
            async |_| {
                authorize(&caller, &Action::FollowOwnCalendar)
                    .map_err(|refusal| refusal.into_error("Your calendar"))?;
                query.take()
            },
            async |conn, _, _| {
                let version = queries::bump_version(conn, caller.id).await?;
                audit::record(
                    conn,
                    Some(caller.id),
                    "user.calendar_url_reset",
                    "user",
                    &caller.id.to_string(),
                    serde_json::json!({"calendar_version": version}),
                )
                .await?;
                Answer::ok(&calendar_url(&auth, &public_url, caller.id, version))
            },
        )
        .await?;
    answer
        .headers_mut()
        .insert(header::CACHE_CONTROL, no_store());
    Ok(answer)
}

/// `path` as logs may show it: a personal feed's secret replaced by `[secret]`.
pub fn without_secret(path: &str) -> std::borrow::Cow<'_, str> {
    const PERSONAL: &str = "/api/v1/calendars/";
    match path.strip_prefix(PERSONAL) {
        Some(rest) if !rest.is_empty() => format!("{PERSONAL}[secret]").into(),
        _ => path.into(),
    }
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(work_group_calendar)
        .service(hub_calendar)
        .service(signposting_calendar)
        .service(personal_calendar)
        .service(my_calendar_url)
        .service(reset_my_calendar_url);
}

#[cfg(test)]
mod tests {
    #[test]
    fn logged_paths_leave_out_feed_secrets_only() {
        use super::without_secret;
        assert_eq!(
            without_secret("/api/v1/calendars/AZMbjnwqfT6aQTxf.ics"),
            "/api/v1/calendars/[secret]"
        );
        assert_eq!(
            without_secret("/api/v1/hubs/glow/calendar.ics"),
            "/api/v1/hubs/glow/calendar.ics"
        );
    }
}
