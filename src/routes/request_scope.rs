//! Middleware around every request, outside all the others but the access log: it gives the
//! request its id, handles it within its [`RequestScope`] (so problem bodies and log lines
//! written meanwhile carry the id, and database failures are counted), echoes the id in
//! `X-Request-Id` on every answer, and counts and times the request by route pattern.
//!
//! An error that escapes the inner middleware (rare: they answer for their own failures)
//! arrives without its request, so it is answered here, in scope, and counted under the
//! `unmatched` route.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::middleware::Next;
use actix_web::{Error, web};

use crate::error::ApiError;
use crate::observability::Metrics;
use crate::observability::metrics::UNMATCHED_ROUTE;
use crate::observability::request_id::{self, RequestId};
use crate::observability::scope::{CURRENT, RequestScope};

/// Middleware (for `actix_web::middleware::from_fn`) scoping each request; see the module.
pub async fn scope_requests(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let id = request
        .headers()
        .get(request_id::HEADER)
        .and_then(RequestId::from_client)
        .unwrap_or_else(RequestId::generate);
    let metrics = request
        .app_data::<web::Data<Metrics>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("the metrics are not configured"))?;
    let header = id.header_value();
    let method = request.method().clone();
    let scope = RequestScope {
        id,
        metrics: metrics.clone(),
    };
    let outcome = CURRENT
        .scope(scope, async move {
            match next.call(request).await {
                Ok(response) => Ok(response.map_into_boxed_body()),
                // The request is gone with the error, so its answer is made here, in scope,
                // and handed on for the server to send.
                Err(error) => {
                    let answer = error.error_response();
                    Err((error, answer))
                }
            }
        })
        .await;
    match outcome {
        Ok(mut response) => {
            let route = response.request().match_pattern();
            metrics.observe_request(
                route.as_deref().unwrap_or(UNMATCHED_ROUTE),
                response.request().method(),
                response.status(),
                started.elapsed(),
            );
            response.headers_mut().insert(request_id::HEADER, header);
            Ok(response)
        }
        Err((error, mut answer)) => {
            metrics.observe_request(UNMATCHED_ROUTE, &method, answer.status(), started.elapsed());
            answer.headers_mut().insert(request_id::HEADER, header);
            Err(InternalError::from_response(error, answer).into())
        }
    }
}
