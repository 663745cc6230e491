//! The education authorities a hub covers, one at a time: read a cover, add an authority to a
//! hub (moving it from the hub that covered it, in one transaction audited on both hubs), and
//! end a cover. History is kept: covers are closed, never deleted. Districts are never covered:
//! they reach their hub through their county.

use actix_web::{HttpResponse, delete, get, put, web};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::hubs::read::AreaAuthority;
use crate::api::local_authorities::write::LocalAuthorities;
use crate::api::reference_data::{Record, find_locked, may_change};
use crate::api::refs::{HubRef, reference};
use crate::auth::Caller;
use crate::db::hub_covers::{self as covers, CoverRow};
use crate::db::local_authority_writes::LockedAuthority;
use crate::db::{DbPool, lookups};
use crate::domain::{GssCode, LaKind, LondonTime, Slug};
use crate::error::ApiError;
use crate::http::extract::paging::NoQueryParameters;
use crate::http::middleware::etag::require_current;
use crate::http::parse::parse_path;
use crate::http::write::{Answer, Write};

const TAG: &str = "Hubs";

/// An education authority a hub covers now.
#[derive(Debug, Serialize, ToSchema)]
pub struct Cover {
    pub hub: HubRef,
    pub local_authority: AreaAuthority,
    /// Since when this hub covers it.
    pub covered_from: LondonTime,
    /// The hub that covered it last before, if any.
    pub previous_hub: Option<HubRef>,
}

impl From<CoverRow> for Cover {
    fn from(row: CoverRow) -> Self {
        Self {
            hub: HubRef {
                slug: row.hub_slug,
                name: row.hub_name,
            },
            local_authority: AreaAuthority {
                gss_code: row.gss_code,
                name: row.la_name,
                kind: row.la_kind,
            },
            covered_from: LondonTime(row.covered_from),
            previous_hub: reference(
                row.previous_hub_slug,
                row.previous_hub_name,
                |slug, name| HubRef { slug, name },
            ),
        }
    }
}

fn parse_paths(path: &(String, String)) -> Result<(Slug, GssCode), ApiError> {
    Ok((
        parse_path("slug", &path.0, Slug::parse)?,
        parse_path("code", &path.1, GssCode::parse)?,
    ))
}

fn not_covered(slug: &Slug, code: &GssCode) -> ApiError {
    ApiError::NotFound(format!("Hub {slug} does not cover local authority {code}."))
}

/// The current cover of `code` by `slug`, as `GET` shows it.
async fn find(
    conn: &mut AsyncPgConnection,
    slug: &Slug,
    code: &GssCode,
) -> Result<CoverRow, ApiError> {
    covers::find(conn, slug, code)
        .await?
        .ok_or_else(|| not_covered(slug, code))
}

/// Get a cover
///
/// Whether a hub covers a local authority now: since when, and which hub covered it before.
/// 404 when the hub does not cover it now.
#[utoipa::path(
    tag = TAG,
    params(
        ("slug" = String, Path, description = "The hub's slug", example = "london-central-and-west"),
        ("code" = String, Path, description = "The authority's ONS GSS code", example = "E09000009"),
    ),
    responses(
        (status = 200, description = "The cover", body = Cover, headers(("ETag" = String))),
        crate::http::problems::ReadErrors,
    )
)]
#[get("/hubs/{slug}/local-authorities/{code}")]
pub async fn get_cover(
    path: web::Path<(String, String)>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Cover>, ApiError> {
    let (slug, code) = parse_paths(&path)?;
    let mut conn = pool.get().await?;
    Ok(web::Json(find(&mut conn, &slug, &code).await?.into()))
}

/// Cover a local authority
///
/// Makes the hub cover an education authority (a county, unitary, metropolitan authority or
/// London borough), for national admins. When another hub covers it, that cover ends and this
/// one begins at the same instant, in one change recorded in the audit trail of both hubs;
/// the answer's `previous_hub` names it. 201 when the cover begins, 200 when the hub covered
/// it already (nothing changes). A district answers 422 (it reaches its hub through its
/// county); a retired authority or hub answers 409. Concurrent requests for one authority
/// take turns: the last one wins, and the authority never has two current covers.
#[utoipa::path(
    tag = TAG,
    params(
        ("slug" = String, Path, description = "The hub's slug", example = "london-central-and-west"),
        ("code" = String, Path, description = "The authority's ONS GSS code", example = "E09000009"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The hub covered it already", body = Cover),
        (status = 201, description = "The cover begins", body = Cover,
         headers(("Location" = String, description = "The cover's URL"))),
        crate::http::problems::ProtectedActionErrors,
        (status = 422, response = crate::http::problems::Unprocessable),
    )
)]
#[put("/hubs/{slug}/local-authorities/{code}")]
pub async fn put_cover(
    caller: Caller,
    path: web::Path<(String, String)>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| {
                may_change(&caller, "Hub")?;
                parse_paths(&path)
            },
            async |conn, (slug, code), _| {
                let authority = find_locked::<LocalAuthorities>(conn, &code).await?;
                require_coverable(&code, &authority)?;
                let hub_id = current_hub(conn, &slug).await?;
                let previous = covers::current(conn, &code).await?;
                if previous.as_ref().is_some_and(|(_, id, _)| *id == hub_id) {
                    return Answer::ok(&Cover::from(find(conn, &slug, &code).await?));
                }
                move_cover(conn, &caller, &code, &slug, hub_id, previous).await?;
                let cover = Cover::from(find(conn, &slug, &code).await?);
                Answer::created(
                    format!("/api/v1/hubs/{slug}/local-authorities/{code}"),
                    &cover,
                )
            },
        )
        .await
}

/// Refuses an authority no hub may cover: a district (422: it reaches its hub through its
/// county) or a retired authority (409).
fn require_coverable(code: &GssCode, authority: &LockedAuthority) -> Result<(), ApiError> {
    if code.kind() == LaKind::District {
        return Err(ApiError::unprocessable(
            "code",
            format!(
                "{code} is a district: Maths Hubs cover education authorities, and a district reaches its hub through its county{}",
                authority
                    .fields
                    .parent_gss_code
                    .as_ref()
                    .map(|county| format!(" {county}"))
                    .unwrap_or_default()
            ),
        ));
    }
    if authority.retired_at.is_some() {
        return Err(ApiError::Conflict(format!(
            "Local authority {code} is retired: no hub covers it any more."
        )));
    }
    Ok(())
}

/// The id of the hub `slug`, locked so that it is not retired meanwhile: 404 when there is
/// none, 409 when it is retired.
async fn current_hub(conn: &mut AsyncPgConnection, slug: &Slug) -> Result<uuid::Uuid, ApiError> {
    let (_, hub_id, hub_retired) = lookups::hubs_for_write(conn, &[slug.as_str()])
        .await?
        .pop()
        .ok_or_else(|| Record::hub(slug.as_str()).not_found())?;
    if hub_retired {
        return Err(ApiError::Conflict(format!(
            "Hub {slug} is retired: it covers no more local authorities."
        )));
    }
    Ok(hub_id)
}

/// Ends the `previous` cover of the authority (its id, hub id and hub slug), if any, and
/// begins the cover by the hub `slug` (`hub_id`) at the same instant, audited on both hubs.
async fn move_cover(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    code: &GssCode,
    slug: &Slug,
    hub_id: uuid::Uuid,
    previous: Option<(i64, uuid::Uuid, String)>,
) -> Result<(), ApiError> {
    let at = covers::change_time(conn).await?;
    if let Some((cover_id, _, previous_slug)) = &previous {
        covers::close(conn, *cover_id, at).await?;
        let details = serde_json::json!({"local_authority": code, "moved_to": slug});
        Record::hub(previous_slug)
            .audit(conn, caller, "cover_ended", details)
            .await?;
    }
    covers::open(conn, hub_id, code, at).await?;
    let moved_from = previous.map(|(_, _, previous_slug)| previous_slug);
    let details = serde_json::json!({"local_authority": code, "moved_from": moved_from});
    Record::hub(slug.as_str())
        .audit(conn, caller, "cover_started", details)
        .await
}

/// End a cover
///
/// Ends the hub's cover of a local authority, for national admins; the authority is left with
/// no hub until one covers it (to move it to another hub in one step, `PUT` it there instead).
/// The cover is kept as history. 404 when the hub does not cover it now. Send the cover's
/// `ETag` in `If-Match` to refuse (412) if it changed since.
#[utoipa::path(
    tag = TAG,
    params(
        ("slug" = String, Path, description = "The hub's slug", example = "london-central-and-west"),
        ("code" = String, Path, description = "The authority's ONS GSS code", example = "E09000009"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the removal is based on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The cover has ended"),
        crate::http::problems::ProtectedActionErrors,
        (status = 412, response = crate::http::problems::PreconditionFailed),
    )
)]
#[delete("/hubs/{slug}/local-authorities/{code}")]
pub async fn end_cover(
    caller: Caller,
    path: web::Path<(String, String)>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| {
                may_change(&caller, "Hub")?;
                parse_paths(&path)
            },
            async |conn, (slug, code), _| {
                let if_match = write.if_match()?;
                find_locked::<LocalAuthorities>(conn, &code).await?;
                let cover = find(conn, &slug, &code).await?;
                let cover_id = cover.id;
                if let Some(if_match) = if_match {
                    require_current(
                        if_match,
                        &Cover::from(cover),
                        format_args!("The cover of {code} by hub {slug}"),
                    )?;
                }
                let at = covers::change_time(conn).await?;
                covers::close(conn, cover_id, at).await?;
                let details = serde_json::json!({"local_authority": code, "moved_to": null});
                Record::hub(slug.as_str())
                    .audit(conn, &caller, "cover_ended", details)
                    .await?;
                Answer::no_content()
            },
        )
        .await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(get_cover)
        .service(put_cover)
        .service(end_cover);
}
