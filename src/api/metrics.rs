//! `GET /metrics`: the server's Prometheus metrics (`observability::metrics`), at the root
//! beside the probes. Open to whoever reaches the port unless a metrics token is configured.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use deadpool::managed::Timeouts;
use sha2::{Digest, Sha256};

use crate::config::Secret;
use crate::db::{DbPool, outbox};
use crate::error::ApiError;
use crate::observability::Metrics;
use crate::observability::metrics::{CONTENT_TYPE, OutboxBacklog};

/// Who may scrape: anyone (no token configured), or whoever sends the configured token as
/// `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct MetricsAccess {
    pub token: Option<Secret>,
}

impl MetricsAccess {
    fn check(&self, request: &HttpRequest) -> Result<(), ApiError> {
        let Some(token) = &self.token else {
            return Ok(());
        };
        let sent = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Digests are compared, so the time taken says nothing about the token.
        if Sha256::digest(sent) == Sha256::digest(token.expose()) {
            Ok(())
        } else {
            Err(ApiError::Unauthorized(
                "This server's metrics need its metrics token as a bearer token.".into(),
            ))
        }
    }
}

/// Metrics
///
/// The server's metrics in the Prometheus text exposition format (version 0.0.4): requests by
/// route pattern, method and status (`mathshub_http_requests_total`), their latency
/// (`mathshub_http_request_duration_seconds`), the connection pool as of the scrape
/// (`mathshub_db_pool_*`) and its timeouts, database failures by kind
/// (`mathshub_database_errors_total`), the outbox's backlog of mail and webhook deliveries
/// by channel (`mathshub_outbox_pending`, `mathshub_outbox_oldest_pending_seconds`,
/// `mathshub_outbox_dead`, read from the database)
/// and this process's deliveries by channel and outcome (`mathshub_outbox_deliveries_total`),
/// and the process's CPU, memory and open files
/// (`process_*`). Nothing personal: routes are patterns, never paths. Each server process
/// answers for itself; scrape every one. Open unless the server was started with a metrics
/// token (`MATHSHUB_METRICS_TOKEN`), which must then be sent as a bearer token.
#[utoipa::path(
    tag = "Operations",
    security((), ("metrics_token" = [])),
    responses(
        (status = 200, description = "The metrics", content_type = "text/plain; version=0.0.4",
         body = String,
         example = "# HELP mathshub_http_requests_total HTTP requests answered, by route pattern, method and status.\n# TYPE mathshub_http_requests_total counter\nmathshub_http_requests_total{method=\"GET\",route=\"/api/v1/hubs\",status=\"200\"} 42\n"),
        (status = 401, response = crate::http::problems::Unauthorized),
    )
)]
#[get("/metrics")]
pub async fn metrics(
    request: HttpRequest,
    access: web::Data<MetricsAccess>,
    metrics: web::Data<Metrics>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    access.check(&request)?;
    let text = metrics
        .render(pool.status(), outbox_backlog(&pool).await)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type(CONTENT_TYPE).body(text))
}

/// The outbox's backlog, or `None` when no connection is free at once or the read fails
/// (logged): a scrape never queues behind requests or counts among their pool timeouts, and
/// the process's own metrics are still worth scraping then.
async fn outbox_backlog(pool: &DbPool) -> Option<OutboxBacklog> {
    let at_once = Timeouts {
        wait: Some(Duration::ZERO),
        ..pool.timeouts()
    };
    let mut conn = pool.timeout_get(&at_once).await.ok()?;
    outbox::backlog(&mut conn)
        .await
        .inspect_err(|error| log::warn!("metrics: the outbox's backlog could not be read: {error}"))
        .ok()
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(metrics);
}
