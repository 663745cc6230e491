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
use crate::domain::{NonBlank, Slug, StrategicPartnerKind, Urn, WebAddress};
use crate::error::ApiError;
use crate::http::extract::paging::{FieldErrors, NoQueryParameters};
use crate::http::middleware::etag::require_current_if_sent;
use crate::http::parse::{nullable, parse_path, set_if_sent, uuid};
use crate::http::write::{Answer, Write};

const TAG: &str = "Hubs";

/// A new strategic partner of a hub.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Twyford Church of England High School", "kind": "school", "school_urn": "137083", "website": null
}))]
pub struct NewStrategicPartner {
    /// Unique among the hub's partners.
    #[schema(inline)]
    pub name: NonBlank,
    pub kind: StrategicPartnerKind,
    /// The partner's DfE URN when it is a school; a school the API knows.
    #[schema(inline)]
    pub school_urn: Option<Urn>,
    /// `http://` or `https://`.
    #[schema(inline)]
    pub website: Option<WebAddress>,
}

/// `NewStrategicPartner` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "NewStrategicPartner", deny_unknown_fields)]
pub struct NewStrategicPartnerForm {
    name: String,
    kind: String,
    school_urn: Option<String>,
    website: Option<String>,
}

impl TryFrom<NewStrategicPartnerForm> for NewStrategicPartner {
    type Error = ApiError;

    fn try_from(form: NewStrategicPartnerForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let name = errors.parse("name", Some(form.name), NonBlank::parse);
        let kind = errors.parse("kind", Some(form.kind), StrategicPartnerKind::parse);
        let school_urn = errors.parse("school_urn", form.school_urn, Urn::parse);
        let website = errors.parse("website", form.website, WebAddress::parse);
        errors.finish(|| {
            Some(Self {
                name: name?,
                kind: kind?,
                school_urn,
                website,
            })
        })
    }
}

/// Changes to a strategic partner; what is left out stays, `null` clears `school_urn` or
/// `website`.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"website": "https://www.twyford.ealing.sch.uk"}))]
pub struct StrategicPartnerChanges {
    #[schema(inline)]
    pub name: Option<NonBlank>,
    pub kind: Option<StrategicPartnerKind>,
    #[schema(inline)]
    pub school_urn: Option<Option<Urn>>,
    #[schema(inline)]
    pub website: Option<Option<WebAddress>>,
}

/// `StrategicPartnerChanges` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "StrategicPartnerChanges", deny_unknown_fields)]
pub struct StrategicPartnerChangesForm {
    name: Option<String>,
    kind: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    school_urn: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    website: Option<Option<String>>,
}

impl TryFrom<StrategicPartnerChangesForm> for StrategicPartnerChanges {
    type Error = ApiError;

    fn try_from(form: StrategicPartnerChangesForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let name = errors.parse("name", form.name, NonBlank::parse);
        let kind = errors.parse("kind", form.kind, StrategicPartnerKind::parse);
        let school_urn = errors.parse_nullable("school_urn", form.school_urn, Urn::parse);
        let website = errors.parse_nullable("website", form.website, WebAddress::parse);
        errors.finish(|| {
            Some(Self {
                name,
                kind,
                school_urn,
                website,
            })
        })
    }
}

impl StrategicPartnerChanges {
    /// `fields` with what was sent set.
    fn apply_to(self, mut fields: StrategicPartnerFields) -> StrategicPartnerFields {
        set_if_sent(&mut fields.name, self.name.map(NonBlank::into_inner));
        set_if_sent(&mut fields.kind, self.kind);
        set_if_sent(
            &mut fields.school_urn,
            self.school_urn.map(|urn| urn.map(Urn::into_inner)),
        );
        set_if_sent(
            &mut fields.website,
            self.website
                .map(|website| website.map(WebAddress::into_inner)),
        );
        fields
    }
}

/// Answers 422 naming `school_urn` when no school has the URN.
async fn require_school(conn: &mut AsyncPgConnection, urn: Option<&Urn>) -> Result<(), ApiError> {
    if let Some(urn) = urn
        && lookups::school_status(conn, urn.as_str()).await?.is_none()
    {
        let mut errors = FieldErrors::default();
        errors.refuse("school_urn", format!("no school has the URN {urn}"));
        return errors.into_result();
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
    require_current_if_sent(if_match, "Strategic partner", &id, async || {
        view(conn, slug, id).await
    })
    .await?;
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
    write: Write<NewStrategicPartnerForm>,
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
            async |conn, slug, form| {
                let hub = lock_current::<Hubs>(conn, &slug, None).await?;
                let body = NewStrategicPartner::try_from(form)?;
                require_school(conn, body.school_urn.as_ref()).await?;
                let fields = StrategicPartnerFields {
                    name: body.name.into_inner(),
                    kind: body.kind,
                    school_urn: body.school_urn.map(Urn::into_inner),
                    website: body.website.map(WebAddress::into_inner),
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
    write: Write<StrategicPartnerChangesForm>,
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
            async |conn, (slug, id), form| {
                let before = lock(conn, &slug, id, write.if_match()?).await?;
                let changes = StrategicPartnerChanges::try_from(form)?;
                require_school(conn, changes.school_urn.as_ref().and_then(Option::as_ref)).await?;
                let fields = changes.apply_to(before.clone());
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
