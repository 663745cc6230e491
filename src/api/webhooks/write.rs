//! Registering, changing, rotating and deleting webhook endpoints, and asking for a
//! redelivery.

use actix_web::{HttpResponse, delete, patch, post, web};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::{WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret};
use super::{TAG, own_area_of, own_endpoint_for_update};
use crate::auth::Caller;
use crate::auth::secrets::random_bytes;
use crate::db::webhooks::{self as queries, EndpointSettings};
use crate::db::{DbPool, change_feed};
use crate::domain::webhook::{SigningKey, WebhookUrl};
use crate::domain::{ChangeKind, EndpointStatus, GssCode, LondonTime};
use crate::error::ApiError;
use crate::http::extract::paging::FieldErrors;
use crate::http::parse::{nullable, parse_path, uuid};
use crate::http::write::{Answer, Write};
use crate::webhooks::target::TargetPolicy;

/// How long deliveries are still signed with the secret a rotation replaced, so that a
/// partner can deploy the new one without dropping deliveries meanwhile.
pub const ROTATION_GRACE: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// The most authorities an endpoint may name (an area has fewer).
const MAX_AUTHORITIES: usize = 100;

/// A new webhook endpoint.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://tsh.example/hooks/mathshub", "event_types": ["opened", "filled", "cancelled"]}))]
pub struct NewWebhookEndpoint {
    /// Where deliveries are posted: `https`, on a host with public addresses only.
    pub url: WebhookUrl,
    /// The kinds of change to deliver, at least one.
    #[schema(min_items = 1, max_items = 8)]
    pub event_types: Vec<ChangeKind>,
    /// Only the changes of the hubs serving these authorities of the area (GSS codes); left
    /// out, the whole area's.
    #[schema(inline, min_items = 1, max_items = 100)]
    pub local_authorities: Option<Vec<GssCode>>,
}

/// `NewWebhookEndpoint` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "NewWebhookEndpoint", deny_unknown_fields)]
pub struct NewWebhookEndpointForm {
    url: String,
    event_types: Vec<String>,
    local_authorities: Option<Vec<String>>,
}

/// Changes to an endpoint: what is left out stays; `local_authorities: null` widens it to the
/// whole area; `status` pauses it (`paused`) or resumes it (`active`), a disabled one too.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "paused"}))]
pub struct WebhookEndpointChanges {
    pub url: Option<WebhookUrl>,
    #[schema(min_items = 1, max_items = 8)]
    pub event_types: Option<Vec<ChangeKind>>,
    #[schema(inline, value_type = Option<Vec<GssCode>>, min_items = 1, max_items = 100)]
    pub local_authorities: Option<Option<Vec<GssCode>>>,
    /// `active` or `paused`.
    pub status: Option<EndpointStatus>,
}

/// `WebhookEndpointChanges` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "WebhookEndpointChanges", deny_unknown_fields)]
pub struct WebhookEndpointChangesForm {
    url: Option<String>,
    event_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    local_authorities: Option<Option<Vec<String>>>,
    status: Option<String>,
}

fn event_types(errors: &mut FieldErrors, raw: Option<Vec<String>>) -> Option<Vec<ChangeKind>> {
    let kinds = errors.parse_each("event_types", raw, ChangeKind::ALL.len(), ChangeKind::parse)?;
    if kinds.is_empty() {
        errors.push("event_types", "must name at least one kind of change");
        return None;
    }
    Some(kinds)
}

fn authorities(errors: &mut FieldErrors, raw: Option<Vec<String>>) -> Option<Vec<GssCode>> {
    let codes = errors.parse_each("local_authorities", raw, MAX_AUTHORITIES, GssCode::parse)?;
    if codes.is_empty() {
        errors.push(
            "local_authorities",
            "must name at least one authority; leave it out (or send null) for the whole area",
        );
        return None;
    }
    Some(codes)
}

fn status(text: &str) -> Result<EndpointStatus, crate::domain::ParseError> {
    match EndpointStatus::parse(text)? {
        EndpointStatus::Disabled => Err(crate::domain::ParseError(
            "must be active or paused: only the service disables an endpoint".into(),
        )),
        chosen => Ok(chosen),
    }
}

impl TryFrom<NewWebhookEndpointForm> for NewWebhookEndpoint {
    type Error = ApiError;

    fn try_from(form: NewWebhookEndpointForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::judged();
        let url = errors.parse("url", Some(form.url), WebhookUrl::parse);
        let event_types = event_types(&mut errors, Some(form.event_types));
        let local_authorities = form
            .local_authorities
            .map(|raw| authorities(&mut errors, Some(raw)));
        errors.finish(|| {
            Some(Self {
                url: url?,
                event_types: event_types?,
                local_authorities: match local_authorities {
                    Some(codes) => Some(codes?),
                    None => None,
                },
            })
        })
    }
}

impl TryFrom<WebhookEndpointChangesForm> for WebhookEndpointChanges {
    type Error = ApiError;

    fn try_from(form: WebhookEndpointChangesForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::judged();
        let url = errors.parse("url", form.url, WebhookUrl::parse);
        let event_types = form
            .event_types
            .map(|raw| event_types(&mut errors, Some(raw)));
        let local_authorities = form
            .local_authorities
            .map(|raw| raw.map(|codes| authorities(&mut errors, Some(codes))));
        let status = errors.parse("status", form.status, status);
        errors.finish(|| {
            Some(Self {
                url,
                event_types: match event_types {
                    Some(kinds) => Some(kinds?),
                    None => None,
                },
                local_authorities: match local_authorities {
                    Some(Some(codes)) => Some(Some(codes?)),
                    Some(None) => Some(None),
                    None => None,
                },
                status,
            })
        })
    }
}

/// Refuses (422, naming `url`) an address the service will not send to.
async fn judge_target(targets: &TargetPolicy, url: &WebhookUrl) -> Result<(), ApiError> {
    targets
        .check(url.url())
        .await
        .map_err(|why| ApiError::unprocessable("url", why))
}

/// The settings as stored, once the authorities are judged against the partner's area (422
/// naming the one outside it).
async fn settled(
    conn: &mut AsyncPgConnection,
    teaching_school_hub_id: uuid::Uuid,
    url: &WebhookUrl,
    event_types: Vec<ChangeKind>,
    local_authorities: Option<Vec<String>>,
) -> Result<EndpointSettings, ApiError> {
    if let Some(codes) = &local_authorities {
        let outside = queries::outside_area(conn, teaching_school_hub_id, codes).await?;
        if let Some(code) = outside.first() {
            let index = codes.iter().position(|c| c == code).unwrap_or_default();
            return Err(ApiError::unprocessable(
                format!("local_authorities[{index}]"),
                format!("{code} is not an authority of your area"),
            ));
        }
    }
    Ok(EndpointSettings {
        url: url.as_str().to_owned(),
        event_types,
        local_authorities,
    })
}

fn new_key() -> SigningKey {
    SigningKey::from_bytes(random_bytes(SigningKey::BYTES))
}

fn codes(local_authorities: Option<Vec<GssCode>>) -> Option<Vec<String>> {
    local_authorities.map(|codes| codes.iter().map(|code| code.as_str().to_owned()).collect())
}

/// Register a webhook endpoint
///
/// For a partner Teaching School Hub (partner token): posts the changes of its area's work
/// groups to `url` as they happen, from now on: the items of `GET /partners/me/changes`,
/// each in a `ChangeEvent` envelope, signed the Standard Webhooks way with the `secret` in
/// this answer (shown this once; see the document's `webhooks`). `url` must be `https` on a
/// host whose addresses are all public (private, loopback and link-local ones are refused,
/// now and at every delivery); an endpoint answering 2xx has the delivery, and anything else
/// (a redirect included) is tried again later. A bad `url`, an unknown event type or an
/// authority outside the area answers 422 naming the field. Other roles get 403.
#[utoipa::path(
    tag = TAG,
    request_body = NewWebhookEndpoint,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered; the secret is shown this once", body = WebhookEndpointWithSecret,
         headers(("Location" = String, description = "The endpoint's URL"))),
        crate::http::problems::ProtectedWriteErrors,
    )
)]
#[post("/partners/me/webhooks")]
pub async fn create_webhook(
    caller: Caller,
    write: Write<NewWebhookEndpointForm>,
    targets: web::Data<TargetPolicy>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| own_area_of(&caller),
            async |conn, teaching_school_hub_id, form| {
                let body = NewWebhookEndpoint::try_from(form)?;
                judge_target(&targets, &body.url).await?;
                let settings = settled(
                    conn,
                    teaching_school_hub_id,
                    &body.url,
                    body.event_types,
                    codes(body.local_authorities),
                )
                .await?;
                let key = new_key();
                let from = change_feed::frontier(conn).await?;
                let row =
                    queries::insert(conn, teaching_school_hub_id, &settings, &key, from).await?;
                let endpoint = WebhookEndpoint::from(row);
                Answer::created(
                    format!("/api/v1/partners/me/webhooks/{}", endpoint.id),
                    &WebhookEndpointWithSecret {
                        endpoint,
                        secret: key.reveal(),
                    },
                )
            },
        )
        .await
}

/// Change a webhook endpoint
///
/// Changes the address, the event types or the authorities of an endpoint of the caller's
/// area, or pauses (`status: paused`) or resumes it (`active`, also for one the service
/// disabled). While it is paused or disabled nothing is sent; on resuming, the changes made
/// meanwhile follow (deliveries go side by side: order them by `timestamp` and the feed's
/// `id`). An `If-Match` sent must match its current `ETag`.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The endpoint's id")),
    request_body = WebhookEndpointChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoint, changed", body = WebhookEndpoint),
        crate::http::problems::ProtectedUpdateErrors,
    )
)]
#[patch("/partners/me/webhooks/{id}")]
pub async fn update_webhook(
    caller: Caller,
    path: web::Path<String>,
    write: Write<WebhookEndpointChangesForm>,
    targets: web::Data<TargetPolicy>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| own_endpoint_for_update(conn, &caller, &path).await,
            async |conn, current, form| {
                let changes = WebhookEndpointChanges::try_from(form)?;
                crate::http::middleware::etag::require_current_if_sent(
                    write.if_match()?,
                    "Webhook endpoint",
                    &current.id,
                    async || Ok(WebhookEndpoint::from(current.clone())),
                )
                .await?;
                // Only a new address is judged: pausing an endpoint must not depend on its
                // host resolving now.
                let url = match changes.url {
                    Some(url) => {
                        judge_target(&targets, &url).await?;
                        url
                    }
                    None => WebhookUrl::parse(&current.url).map_err(ApiError::internal)?,
                };
                let local_authorities = match changes.local_authorities {
                    Some(chosen) => codes(chosen),
                    None => current.local_authorities.clone(),
                };
                let settings = settled(
                    conn,
                    current.teaching_school_hub_id,
                    &url,
                    changes
                        .event_types
                        .unwrap_or_else(|| current.event_types.clone()),
                    local_authorities,
                )
                .await?;
                let status = changes.status.unwrap_or(current.status);
                let row = queries::update(conn, current.id, &settings, status).await?;
                Answer::ok(&WebhookEndpoint::from(row))
            },
        )
        .await
}

/// Delete a webhook endpoint
///
/// Stops deliveries to an endpoint of the caller's area for good and forgets it and its
/// deliveries.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The endpoint's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[delete("/partners/me/webhooks/{id}")]
pub async fn delete_webhook(
    caller: Caller,
    path: web::Path<String>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| own_endpoint_for_update(conn, &caller, &path).await,
            async |conn, endpoint, _| {
                queries::delete(conn, endpoint.teaching_school_hub_id, endpoint.id).await?;
                Answer::no_content()
            },
        )
        .await
}

/// A new signing secret, and until when the one it replaced still signs.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedSecret {
    /// The new key, shown this once.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
    /// Until then every delivery carries a signature by each key.
    pub previous_secret_valid_until: LondonTime,
}

/// Rotate a webhook signing secret
///
/// Makes a new signing secret for an endpoint of the caller's area and returns it, this
/// once. For the next 24 hours every delivery carries two signatures in
/// `webhook-signature`, one by each secret, so deliveries verify before and after the
/// receiver switches; then the old secret stops. Rotating again within the 24 hours ends the
/// older secret at once.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The endpoint's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new secret, shown this once", body = RotatedSecret),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/partners/me/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    caller: Caller,
    path: web::Path<String>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |conn| own_endpoint_for_update(conn, &caller, &path).await,
            async |conn, endpoint, _| {
                let key = new_key();
                let row = queries::rotate(conn, endpoint.id, &key, ROTATION_GRACE).await?;
                let until = row
                    .previous_secret_until
                    .ok_or_else(|| ApiError::internal("a rotation keeps the previous secret"))?;
                Answer::ok(&RotatedSecret {
                    secret: key.reveal(),
                    previous_secret_valid_until: LondonTime(until),
                })
            },
        )
        .await
}

/// Redeliver a webhook delivery
///
/// Puts one delivery of an endpoint of the caller's area back in line, to be posted at once
/// under the same `webhook-id` with its attempts counted afresh: one that was dead, or one
/// delivered that the receiver lost (drop duplicates by `webhook-id` only after processing
/// them). Deliveries to a paused or disabled endpoint wait until it is resumed.
#[utoipa::path(
    tag = TAG,
    params(
        ("id" = uuid::Uuid, Path, description = "The endpoint's id"),
        ("delivery" = uuid::Uuid, Path, description = "The delivery's id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The delivery, in line to be sent", body = WebhookDelivery),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/partners/me/webhooks/{id}/deliveries/{delivery}/redeliver")]
pub async fn redeliver(
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
            async |conn| {
                let endpoint = own_endpoint_for_update(conn, &caller, &path.0).await?;
                Ok((endpoint, parse_path("delivery", &path.1, uuid)?))
            },
            async |conn, (endpoint, delivery), _| {
                let row = queries::redeliver(conn, endpoint.id, delivery)
                    .await?
                    .ok_or_else(|| {
                        ApiError::NotFound(format!(
                            "Webhook endpoint {} has no delivery {delivery}.",
                            endpoint.id
                        ))
                    })?;
                Answer::ok(&WebhookDelivery::from(row))
            },
        )
        .await
}
