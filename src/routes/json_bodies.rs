//! Every JSON request body of the API is an object, as the document says. serde's derived
//! `Deserialize` also reads a struct from an array of its fields in order (`[null, null]` for
//! two optional fields), so without this middleware an array body was taken for an object
//! (found by Schemathesis's negative data check). Empty and over-long bodies pass on, for the
//! JSON extractor to refuse in its usual words.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError};

use crate::error::ApiError;
use crate::routes::idempotency::read_body;

/// Middleware (for `actix_web::middleware::from_fn`): 400 for a JSON body that is not an object.
pub async fn objects_only(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let is_json = request
        .mime_type()
        .ok()
        .flatten()
        .is_some_and(|mime| mime.essence_str() == "application/json");
    if !is_json {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let body = match read_body(request.take_payload(), crate::startup::MAX_JSON_BYTES).await {
        Ok(body) => body,
        Err(error) => return Ok(request.into_response(error.error_response())),
    };
    let first = body.iter().find(|byte| !byte.is_ascii_whitespace());
    if first.is_some_and(|&byte| byte != b'{') {
        let error = ApiError::invalid("body", "must be a JSON object");
        return Ok(request.into_response(error.error_response()));
    }
    request.set_payload(Payload::from(body));
    next.call(request)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}
