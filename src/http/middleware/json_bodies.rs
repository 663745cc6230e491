//! JSON request bodies as the document describes them:
//! - Every body is an object. serde's derived `Deserialize` also reads a struct from an array
//!   of its fields in order (`[null, null]` for two optional fields), so without this an array
//!   body was taken for an object (found by Schemathesis's negative data check).
//! - A number without a fraction is an integer: JSON Schema counts `251.0` as the integer
//!   251, so the document's `integer` fields allow it, but serde refuses a float for an
//!   integer field (found by Schemathesis's positive data check).
//!
//! Protected operations read their body through `http::write::Write`, which parses it only
//! once the caller's rights are known; `Json` is for the operations anyone may call (signing
//! in), which parse it at once.

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;

/// Largest JSON request body accepted; larger ones answer 413.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

/// The body of an operation anyone may call, parsed before the handler runs (400 or 413).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        const LIMIT: usize = MAX_JSON_BYTES;
        let media_type = media_type(request);
        let body = read_body(request, payload.take(), LIMIT);
        Box::pin(async move {
            let body = body
                .await
                .map_err(|unread| unread.error(|| too_large(LIMIT)))?;
            parse(media_type.as_deref(), &body).map(Self)
        })
    }
}

/// 413 for a JSON body over the limit.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!("Request bodies are limited to {limit} bytes."))
}

/// The essence of the request's media type (`application/json`), if it names one.
pub fn media_type(request: &HttpRequest) -> Option<String> {
    request
        .mime_type()
        .ok()
        .flatten()
        .map(|mime| mime.essence_str().to_owned())
}

/// Why a body could not be read.
#[derive(Debug, Clone)]
pub enum Unread {
    /// It is longer than the operation takes.
    TooLarge,
    /// The connection failed while it arrived.
    Broken(String),
}

impl Unread {
    /// The answer: `too_large` (413) or 400 naming `body`.
    pub fn error(&self, too_large: impl FnOnce() -> ApiError) -> ApiError {
        match self {
            Self::TooLarge => too_large(),
            Self::Broken(reason) => {
                ApiError::invalid("body", format!("could not be read: {reason}"))
            }
        }
    }
}

/// The body, up to `limit` bytes: refused at once when `Content-Length` says it is longer,
/// otherwise as soon as more has arrived.
pub fn read_body(
    request: &HttpRequest,
    mut payload: Payload,
    limit: usize,
) -> impl Future<Output = Result<Bytes, Unread>> + 'static {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
    async move {
        if declared.is_some_and(|length| length > limit as u64) {
            return Err(Unread::TooLarge);
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|error| Unread::Broken(error.to_string()))?;
            if body.len() + chunk.len() > limit {
                return Err(Unread::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }
}

/// A JSON body of `media_type` as `T`: 400 naming `body` unless it is sent as
/// `application/json` and is a JSON object of `T`'s fields.
pub fn parse<T: DeserializeOwned>(media_type: Option<&str>, body: &[u8]) -> Result<T, ApiError> {
    if media_type != Some("application/json") {
        return Err(ApiError::invalid(
            "body",
            "must be sent as application/json",
        ));
    }
    let first = body.iter().find(|byte| !byte.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    }
    let rewritten = with_integers(body);
    serde_json::from_slice(rewritten.as_deref().unwrap_or(body))
        .map_err(|error| ApiError::invalid("body", error.to_string()))
}

/// The body with every number that has no fraction written as an integer, when it has such
/// a number written otherwise (`251.0`, `2.51e2`).
fn with_integers(body: &[u8]) -> Option<Vec<u8>> {
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
    changed.then(|| serde_json::to_vec(&value).ok()).flatten()
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
        with_integers(body.as_bytes()).map(|bytes| String::from_utf8(bytes).unwrap())
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
