//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{HttpResponse, get, web};
use diesel_async::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbPool;
use crate::error::ApiError;
use crate::observability::Liveness;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness
///
/// Answers 200 while the process can do its work, without touching the database (a database
/// that is away is `/readyz`'s business, and the process waits for it). Answers 503 when the
/// process cannot mend by itself what failed: the embedded PostgreSQL server it runs died
/// and could not be started again. Restart the process then.
#[utoipa::path(
    tag = "Operations",
    responses(
        (status = 200, description = "The process is live", body = Health),
        (status = 503, response = crate::http::problems::NotLive),
    )
)]
#[get("/healthz")]
pub async fn healthz(liveness: web::Data<Liveness>) -> Result<HttpResponse, ApiError> {
    match liveness.failure() {
        Some(reason) => Err(ApiError::NotLive(reason)),
        None => Ok(HttpResponse::Ok().json(Health { status: "ok" })),
    }
}

/// Readiness
///
/// Answers 200 when a database connection can be had and answers a query, and 503
/// problem+json (with `Retry-After`) when it cannot.
#[utoipa::path(
    tag = "Operations",
    responses(
        (status = 200, description = "The database is reachable", body = Health),
        (status = 503, response = crate::http::problems::Unavailable),
    )
)]
#[get("/readyz")]
pub async fn readyz(pool: web::Data<DbPool>) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .await
        .map_err(|error| ApiError::Unavailable(format!("readiness query failed: {error}")))?;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(healthz).service(readyz);
}
