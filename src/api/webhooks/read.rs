//! Reading webhook endpoints and their deliveries.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::views::{WebhookDelivery, WebhookEndpoint};
use super::{TAG, endpoint_of, own_area_of};
use crate::auth::Caller;
use crate::db::DbPool;
use crate::db::webhooks as queries;
use crate::domain::DeliveryStatus;
use crate::error::ApiError;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::paging::{
    FieldErrors, Filters, ListQuery, NoQueryParameters, Page, Unfiltered,
};
use crate::http::parse::{parse_path, uuid};

type EndpointList = ListQuery<Unfiltered, (chrono::DateTime<chrono::Utc>, Uuid)>;

/// List webhook endpoints
///
/// The webhook endpoints of the caller's area (partner token), oldest first, without their
/// secrets. Other roles get 403.
#[utoipa::path(
    tag = TAG,
    params(EndpointList),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of endpoints", body = Page<WebhookEndpoint>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ProtectedListErrors,
    )
)]
#[get("/partners/me/webhooks")]
pub async fn list_webhooks(
    caller: Caller,
    request: HttpRequest,
    query: Deferred<EndpointList>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let teaching_school_hub_id = own_area_of(&caller)?;
    let query = query.take()?;
    query
        .respond(
            &request,
            &pool,
            async |conn, _, after, count| {
                queries::list(conn, teaching_school_hub_id, after, count).await
            },
            |endpoint: &WebhookEndpoint| (endpoint.created_at.0, endpoint.id),
        )
        .await
}

/// Get a webhook endpoint
///
/// One webhook endpoint of the caller's area, without its secret: its settings, status and
/// whether deliveries to it are failing.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The endpoint's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoint", body = WebhookEndpoint, headers(("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/partners/me/webhooks/{id}")]
pub async fn get_webhook(
    caller: Caller,
    path: web::Path<String>,
    query: Deferred<NoQueryParameters>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<WebhookEndpoint>, ApiError> {
    let teaching_school_hub_id = own_area_of(&caller)?;
    let id = parse_path("id", &path, uuid)?;
    query.take()?;
    let mut conn = pool.get().await?;
    let row = endpoint_of(&mut conn, teaching_school_hub_id, id, false).await?;
    Ok(web::Json(row.into()))
}

/// Filters of an endpoint's deliveries.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state: `dead` lists those every attempt of failed.
    #[param(value_type = Option<DeliveryStatus>)]
    status: Option<String>,
}

#[derive(Debug, Default)]
pub struct DeliveryFilter {
    status: Option<DeliveryStatus>,
}

impl Filters for DeliveryFilter {
    type Raw = DeliveryQuery;

    fn parse(raw: DeliveryQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            status: errors.parse("status", raw.status, DeliveryStatus::parse),
        })
    }
}

type DeliveryList = ListQuery<DeliveryFilter, (chrono::DateTime<chrono::Utc>, Uuid)>;

/// List a webhook endpoint's deliveries
///
/// The deliveries to one endpoint of the caller's area, newest first: each event's status,
/// attempts, the endpoint's last answer (its status and the start of its body) and, while
/// pending, when it is next tried.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The endpoint's id"), DeliveryList),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of deliveries", body = Page<WebhookDelivery>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/partners/me/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    caller: Caller,
    request: HttpRequest,
    path: web::Path<String>,
    query: Deferred<DeliveryList>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let teaching_school_hub_id = own_area_of(&caller)?;
    let id = parse_path("id", &path, uuid)?;
    let query = query.take()?;
    {
        let mut conn = pool.get().await?;
        endpoint_of(&mut conn, teaching_school_hub_id, id, false).await?;
    }
    query
        .respond(
            &request,
            &pool,
            async |conn, filter, after, count| {
                queries::deliveries(conn, id, filter.status, after, count).await
            },
            |delivery: &WebhookDelivery| (delivery.created_at.0, delivery.id),
        )
        .await
}
