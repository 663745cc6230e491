//! JSON request bodies as the document describes them, before the handlers read them:
//! - Every body is an object. serde's derived `Deserialize` also reads a struct from an array
//!   of its fields in order (`[null, null]` for two optional fields), so without this an array
//!   body was taken for an object (found by Schemathesis's negative data check).
//! - A number without a fraction is an integer: JSON Schema counts `251.0` as the integer
//!   251, so the document's `integer` fields allow it, but serde refuses a float for an
//!   integer field (found by Schemathesis's positive data check).
//!
//! Empty, over-long and unparseable bodies pass on, for the JSON extractor to refuse in its
//! usual words.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, ResponseError};
use serde_json::Value;

use crate::error::ApiError;
use crate::routes::idempotency::read_body;

/// Middleware (for `actix_web::middleware::from_fn`): 400 for a JSON body that is not an
/// object, and whole numbers written as integers.
pub async fn prepare(
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
    let body = with_integers(&body).unwrap_or(body);
    request.set_payload(Payload::from(body));
    next.call(request)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// The body with every number that has no fraction written as an integer, when it has such
/// a number written otherwise (`251.0`, `2.51e2`).
fn with_integers(body: &Bytes) -> Option<Bytes> {
    // A float is written with a digit then `.`, `e` or `E`: a body without that pair (most
    // bodies) has none, and is spared a second parse.
    let may_hold_float = body
        .windows(2)
        .any(|pair| pair[0].is_ascii_digit() && matches!(pair[1], b'.' | b'e' | b'E'));
    if !may_hold_float {
        return None;
    }
    let mut value: Value = serde_json::from_slice(body).ok()?;
    let changed = write_as_integers(&mut value);
    changed.then(|| Bytes::from(serde_json::to_vec(&value).expect("a JSON value serialises")))
}

/// Rewrites the whole floats within `value`; whether there was one. Only those a float holds
/// exactly (below 2^53): larger ones were not whole numbers as sent.
fn write_as_integers(value: &mut Value) -> bool {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    match value {
        Value::Number(number) => match number.as_f64() {
            Some(float) if number.is_f64() && float.fract() == 0.0 && float.abs() < EXACT => {
                *value = Value::from(float as i64);
                true
            }
            _ => false,
        },
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, item| write_as_integers(item) | changed),
        Value::Object(fields) => fields
            .values_mut()
            .fold(false, |changed, field| write_as_integers(field) | changed),
        Value::Null | Value::Bool(_) | Value::String(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(body: &str) -> Option<String> {
        with_integers(&Bytes::from(body.to_owned()))
            .map(|bytes| String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[test]
    fn whole_floats_become_integers_at_any_depth() {
        assert_eq!(
            rewritten(r#"{"capacity": 251.0, "leads": [{"n": 2.5e1}], "x": -0.0}"#).as_deref(),
            Some(r#"{"capacity":251,"leads":[{"n":25}],"x":0}"#)
        );
    }

    #[test]
    fn bodies_without_whole_floats_pass_unchanged() {
        for body in [
            r#"{"capacity": 251}"#,
            r#"{"ratio": 2.5}"#,
            r#"{"name": "251.0"}"#,
            r#"{"huge": 1e300}"#,
            "not json",
        ] {
            assert_eq!(rewritten(body), None, "{body}");
        }
    }
}
