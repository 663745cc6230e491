//! A hub's strategic partners (schools, alliances, universities and others working with it):
//! read one, and, for national admins, add, change and remove them. A retired hub's partners
//! no longer change.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::hubs::read::StrategicPartner;
use crate::api::hubs::write::Hubs;
use crate::api::reference_data::{Record, lock_current, may_change};
use crate::auth::Caller;
use crate::db::strategic_partners::{self as partners, StrategicPartnerFields};
use crate::db::{DbPool, lookups};
use crate::domain::{Slug, StrategicPartnerKind, Urn};
use crate::error::ApiError;
use crate::http::extract::paging::{FieldErrors, NoQueryParameters};
use crate::http::middleware::etag::require_current;
use crate::http::parse::{non_empty, parse_path, uuid, web_address};
use crate::http::write::{Answer, Write};

const TAG: &str = "Hubs";

/// A new strategic partner of a hub.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Twyford Church of England High School", "kind": "school", "school_urn": "137083", "website": null
}))]
pub struct NewStrategicPartner {
    /// Unique among the hub's partners.
    pub name: String,
    #[schema(value_type = StrategicPartnerKind)]
    pub kind: String,
    /// The partner's DfE URN when it is a school; a school the API knows.
    pub school_urn: Option<String>,
    /// `http://` or `https://`.
    pub website: Option<String>,
}

/// Changes to a strategic partner; what is left out stays, `null` clears `school_urn` or
/// `website`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"website": "https://www.twyford.ealing.sch.uk"}))]
pub struct StrategicPartnerChanges {
    pub name: Option<String>,
    #[schema(value_type = Option<StrategicPartnerKind>)]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "crate::http::parse::nullable")]
    #[schema(value_type = Option<String>)]
    pub school_urn: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::http::parse::nullable")]
    #[schema(value_type = Option<String>)]
    pub website: Option<Option<String>>,
}

/// Records in `errors` a URN no school has.
async fn check_school(
    conn: &mut AsyncPgConnection,
    urn: Option<&Urn>,
    errors: &mut FieldErrors,
) -> Result<(), ApiError> {
    if let Some(urn) = urn
        && lookups::school_status(conn, urn.as_str()).await?.is_none()
    {
        errors.refuse("school_urn", format!("no school has the URN {urn}"));
    }
    Ok(())
}

/// The partner as `GET` shows it.
async fn view(
    conn: &mut AsyncPgConnection,
    slug: &Slug,
    id: uuid::Uuid,
) -> Result<StrategicPartner, ApiError> {
    partners::find(conn, slug, id)
        .await?
        .map(StrategicPartner::from)
        .ok_or_else(|| not_found(slug, id))
}

fn not_found(slug: &Slug, id: uuid::Uuid) -> ApiError {
    ApiError::not_found(format!("Strategic partner {id} of hub {slug}"))
}

/// Locks a partner of a current hub for a change, checking `If-Match` against its view when
/// sent. Returns the hub's id and the partner's fields.
async fn lock(
    conn: &mut AsyncPgConnection,
    slug: &Slug,
    id: uuid::Uuid,
    if_match: Option<&header::HeaderValue>,
) -> Result<StrategicPartnerFields, ApiError> {
    let hub = lock_current::<Hubs>(conn, slug, None).await?;
    let fields = partners::lock(conn, hub.id, id)
        .await?
        .ok_or_else(|| not_found(slug, id))?;
    if let Some(if_match) = if_match {
        require_current(
            if_match,
            &view(conn, slug, id).await?,
            format_args!("Strategic partner {id}"),
        )?;
    }
    Ok(fields)
}

fn parse_paths(path: &(String, String)) -> Result<(Slug, uuid::Uuid), ApiError> {
    Ok((
        parse_path("slug", &path.0, Slug::parse)?,
        parse_path("id", &path.1, uuid)?,
    ))
}

/// Get a strategic partner
///
/// One strategic partner of a hub.
#[utoipa::path(
    tag = TAG,
    params(
        ("slug" = String, Path, description = "The hub's slug", example = "london-central-and-west"),
        ("id" = uuid::Uuid, Path, description = "The partner's id"),
    ),
    responses(
        (status = 200, description = "The partner", body = StrategicPartner, headers(("ETag" = String))),
        crate::http::problems::ReadErrors,
    )
)]
#[get("/hubs/{slug}/strategic-partners/{id}")]
pub async fn get_strategic_partner(
    path: web::Path<(String, String)>,
    _: NoQueryParameters,
    pool: web::Data<DbPool>,
) -> Result<web::Json<StrategicPartner>, ApiError> {
    let (slug, id) = parse_paths(&path)?;
    let mut conn = pool.get().await?;
    Ok(web::Json(view(&mut conn, &slug, id).await?))
}

/// Add a strategic partner
///
/// Adds a strategic partner to a current hub, for national admins. A school partner may name
/// its URN (a school the API knows). A name the hub's partners already use answers 409.
#[utoipa::path(
    tag = TAG,
    params(("slug" = String, Path, description = "The hub's slug", example = "london-central-and-west")),
    request_body = NewStrategicPartner,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = StrategicPartner,
         headers(("Location" = String, description = "The new partner's URL"))),
        crate::http::problems::ProtectedWriteErrors,
        (status = 404, response = crate::http::problems::NotFound),
    )
)]
#[post("/hubs/{slug}/strategic-partners")]
pub async fn create_strategic_partner(
    caller: Caller,
    path: web::Path<String>,
    write: Write<NewStrategicPartner>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| {
                may_change(&caller, "Hub")?;
                parse_path("slug", &path, Slug::parse)
            },
            async |conn, slug, body| {
                let mut errors = FieldErrors::default();
                let name = errors.parse("name", Some(body.name), non_empty);
                let kind = errors.parse("kind", Some(body.kind), StrategicPartnerKind::parse);
                let urn = errors.parse("school_urn", body.school_urn, Urn::parse);
                let website = errors.parse("website", body.website, web_address);
                let hub = lock_current::<Hubs>(conn, &slug, None).await?;
                check_school(conn, urn.as_ref(), &mut errors).await?;
                errors.into_result()?;
                let fields = StrategicPartnerFields {
                    name: name.expect("parsed"),
                    kind: kind.expect("parsed"),
                    school_urn: urn.map(Urn::into_inner),
                    website,
                };
                let id = partners::insert(conn, hub.id, &fields).await?;
                let details = serde_json::json!({"hub": slug, "after": fields});
                Record::strategic_partner(&id.to_string())
                    .audit(conn, &caller, "created", details)
                    .await?;
                let created = view(conn, &slug, id).await?;
                Answer::created(
                    format!("/api/v1/hubs/{slug}/strategic-partners/{}", created.id),
                    &created,
                )
            },
        )
        .await
}

/// Update a strategic partner
///
/// Changes a strategic partner of a current hub, for national admins; fields left out stay.
/// Send the partner's `ETag` in `If-Match` to refuse the change (412) if it changed since.
#[utoipa::path(
    tag = TAG,
    params(
        ("slug" = String, Path, description = "The hub's slug", example = "london-central-and-west"),
        ("id" = uuid::Uuid, Path, description = "The partner's id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on"),
    ),
    request_body = StrategicPartnerChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed partner", body = StrategicPartner),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[patch("/hubs/{slug}/strategic-partners/{id}")]
pub async fn update_strategic_partner(
    caller: Caller,
    path: web::Path<(String, String)>,
    write: Write<StrategicPartnerChanges>,
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
            async |conn, (slug, id), changes| {
                let mut errors = FieldErrors::default();
                let name = errors.parse("name", changes.name, non_empty);
                let kind = errors.parse("kind", changes.kind, StrategicPartnerKind::parse);
                let urn = errors.parse_nullable("school_urn", changes.school_urn, Urn::parse);
                let website = errors.parse_nullable("website", changes.website, web_address);
                let before = lock(conn, &slug, id, write.if_match()?).await?;
                check_school(conn, urn.as_ref().and_then(Option::as_ref), &mut errors).await?;
                errors.into_result()?;
                let mut fields = before.clone();
                fields.name = name.unwrap_or(fields.name);
                fields.kind = kind.unwrap_or(fields.kind);
                if let Some(urn) = urn {
                    fields.school_urn = urn.map(Urn::into_inner);
                }
                fields.website = website.unwrap_or(fields.website);
                partners::update(conn, id, &fields).await?;
                let details = serde_json::json!({"hub": slug, "before": before, "after": fields});
                Record::strategic_partner(&id.to_string())
                    .audit(conn, &caller, "updated", details)
                    .await?;
                Answer::ok(&view(conn, &slug, id).await?)
            },
        )
        .await
}

/// Remove a strategic partner
///
/// Removes a strategic partner from a current hub, for national admins. Send the partner's
/// `ETag` in `If-Match` to refuse the removal (412) if it changed since.
#[utoipa::path(
    tag = TAG,
    params(
        ("slug" = String, Path, description = "The hub's slug", example = "london-central-and-west"),
        ("id" = uuid::Uuid, Path, description = "The partner's id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the removal is based on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        crate::http::problems::ProtectedActionErrors,
        (status = 412, response = crate::http::problems::PreconditionFailed),
    )
)]
#[delete("/hubs/{slug}/strategic-partners/{id}")]
pub async fn delete_strategic_partner(
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
            async |conn, (slug, id), _| {
                let before = lock(conn, &slug, id, write.if_match()?).await?;
                partners::delete(conn, id).await?;
                let details = serde_json::json!({"hub": slug, "before": before});
                Record::strategic_partner(&id.to_string())
                    .audit(conn, &caller, "deleted", details)
                    .await?;
                Answer::no_content()
            },
        )
        .await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(get_strategic_partner)
        .service(create_strategic_partner)
        .service(update_strategic_partner)
        .service(delete_strategic_partner);
}
