//! Middleware around every request, outside all the others but the access log: it gives the
//! request its id, handles it within its [`RequestScope`] (so problem bodies and log lines
//! written meanwhile carry the id, and database failures are counted), echoes the id in
//! `X-Request-Id` on every answer, and counts and times the request by route pattern.
//!
//! An error that escapes the inner middleware (rare: they answer for their own failures), or a
//! panic, arrives without its request, so it is answered here, in scope, and counted under the
//! `unmatched` route.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::middleware::Next;
use actix_web::{Error, web};
use futures_util::FutureExt;

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
            // A panic is a bug, but it must not cost the client its answer: uncaught, it ends
            // the connection without one. The panic hook has printed it already.
            let call = AssertUnwindSafe(next.call(request)).catch_unwind().await;
            let failure = match call {
                Ok(Ok(response)) => return Ok(response.map_into_boxed_body()),
                Ok(Err(error)) => error,
                Err(_) => ApiError::internal("a handler panicked").into(),
            };
            // The request is gone with the error, so its answer is made here, in scope, and
            // handed on for the server to send.
            let answer = failure.error_response();
            Err((failure, answer))
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

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::test::{TestRequest, init_service, try_call_service};
    use actix_web::{App, HttpResponse};

    use super::*;

    #[actix_web::test]
    async fn a_panicking_handler_answers_500_problem_naming_the_request() {
        async fn panics() -> HttpResponse {
            panic!("a bug in a handler")
        }
        let app = init_service(
            App::new()
                .app_data(web::Data::new(Metrics::new()))
                .route("/", web::get().to(panics))
                .wrap(from_fn(scope_requests)),
        )
        .await;
        let request = TestRequest::get()
            .uri("/")
            .insert_header((request_id::HEADER, "panic-test-1"))
            .to_request();

        let error = try_call_service(&app, request).await.unwrap_err();

        let answer = error.error_response();
        assert_eq!(answer.status(), 500);
        assert_eq!(
            answer.headers().get(request_id::HEADER).unwrap(),
            "panic-test-1"
        );
        let body = actix_web::body::to_bytes(answer.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["status"], 500);
        assert_eq!(body["request_id"], "panic-test-1");
    }
}
