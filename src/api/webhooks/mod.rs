//! `/partners/me/webhooks`: the endpoints a partner Teaching School Hub registers to have its
//! area's change feed pushed to it (`webhooks` delivers), their signing secrets, and their
//! deliveries. Partner callers only, each of their own area.

pub mod read;
pub mod views;
pub mod write;

use diesel_async::AsyncPgConnection;

use crate::auth::Caller;
use crate::auth::policy::own_area;
use crate::db::webhooks::{self as queries, EndpointRow};
use crate::error::ApiError;
use crate::http::parse::{parse_path, uuid};

pub const TAG: &str = "Webhooks";

/// The caller's Teaching School Hub: 403 for any caller but a partner.
fn own_area_of(caller: &Caller) -> Result<uuid::Uuid, ApiError> {
    own_area(caller).map_err(|refusal| refusal.into_error("Webhook endpoints"))
}

/// The endpoint `id` of the Teaching School Hub (locked when `for_update`): 404 when it has
/// none such, another area's included.
async fn endpoint_of(
    conn: &mut AsyncPgConnection,
    teaching_school_hub_id: uuid::Uuid,
    id: uuid::Uuid,
    for_update: bool,
) -> Result<EndpointRow, ApiError> {
    queries::find(conn, teaching_school_hub_id, id, for_update)
        .await?
        .ok_or_else(|| ApiError::not_found(format_args!("Webhook endpoint {id}")))
}

/// The caller's endpoint whose id `path` holds, locked for a write: 403 for any caller but a
/// partner, then 400 for a malformed id and 404 for one of no endpoint of the area.
async fn own_endpoint_for_update(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    path: &str,
) -> Result<EndpointRow, ApiError> {
    let teaching_school_hub_id = own_area_of(caller)?;
    let id = parse_path("id", path, uuid)?;
    endpoint_of(conn, teaching_school_hub_id, id, true).await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(read::list_webhooks)
        .service(write::create_webhook)
        .service(read::get_webhook)
        .service(write::update_webhook)
        .service(write::delete_webhook)
        .service(write::rotate_webhook_secret)
        .service(read::list_deliveries)
        .service(write::redeliver);
}
