//! `Idempotency-Key` on creating requests (IETF httpapi draft): a client that retries a `POST`
//! with the key it sent first gets the first answer again instead of a second record.
//!
//! Keys belong to the caller their bearer token names, so two callers cannot see or block
//! each other's. The same key with another method, path or body answers 422; while the first
//! request runs, 409. Only successful answers are kept (24 hours): a request that created
//! nothing frees its key, so the client may correct the body and retry with the same key.
//! Requests without a valid token, and the sign-in endpoints, are run as they come.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::auth::VerifiedToken;
use crate::db::DbPool;
use crate::db::idempotency_keys::{self, Claim, ClaimToken, Request, StoredAnswer};
use crate::error::ApiError;

/// The request header carrying the key.
pub const HEADER: &str = "idempotency-key";

/// Set on a replayed answer, so clients and logs can tell it from a fresh one.
const REPLAYED: &str = "idempotent-replayed";

/// Headers of a successful answer worth replaying with its body.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// Keys are 1 to 255 visible ASCII characters, optionally quoted as a structured-field string.
const MAX_KEY_CHARS: usize = 255;

/// Middleware (for `actix_web::middleware::from_fn`) honouring `Idempotency-Key` on `POST`.
pub async fn idempotent_creates(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let sent_key = request.headers().get(HEADER).cloned();
    let (Method::POST, Some(sent_key)) = (request.method().clone(), sent_key) else {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    if request.path().starts_with("/api/v1/auth/") {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let key = match parse_key(&sent_key) {
        Ok(key) => key,
        Err(error) => return Ok(request.error_response(error)),
    };
    let Some(token) = VerifiedToken::of(request.request()) else {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let pool = request
        .app_data::<web::Data<DbPool>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("the database pool is not configured"))?;
    let limit = body_limit(&request);
    let body = match read_body(request.take_payload(), limit).await {
        Ok(body) => body,
        Err(error) => return Ok(request.error_response(error)),
    };
    let path = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.path().to_owned(), ToString::to_string);
    let fingerprint = Sha256::digest(&body);
    let caller = token.subject();
    let claimed = async {
        let conn = pool.get().await?;
        let request = Request {
            caller: &caller,
            key: &key,
            method: "POST",
            path: &path,
            fingerprint: &fingerprint,
        };
        // The operation checks its caller's account anyway: checked here, pipelined beside
        // the claim, it costs no round trip of its own. If the check fails, the operation
        // checks again and answers for it.
        let (checked, claim) =
            tokio::join!(token.check(&conn), idempotency_keys::claim(&conn, &request));
        Ok::<_, ApiError>((checked.ok(), claim?))
    }
    .await;
    let claimed = claimed.map(|(checked, claim)| {
        if let Some(checked) = checked {
            request.extensions_mut().insert(checked);
        }
        claim
    });
    match claimed {
        Err(error) => Ok(request.error_response(error)),
        Ok(Claim::Mismatch) => Ok(request.error_response(ApiError::IdempotencyKeyReused)),
        Ok(Claim::InFlight) => {
            let mut response = ApiError::Conflict(
                "A request with this Idempotency-Key is still being processed; retry shortly to get its answer."
                    .into(),
            )
            .error_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            Ok(request.into_response(response))
        }
        Ok(Claim::Replay(answer)) => Ok(request.into_response(replay(answer))),
        Ok(Claim::Claimed(token)) => {
            request.set_payload(Payload::from(body));
            let response = next.call(request).await;
            let held = Held {
                pool: &pool,
                caller: &caller,
                key: &key,
                token,
            };
            match response {
                Ok(response) if response.status().is_success() => held.keep(response).await,
                other => {
                    held.release().await;
                    other.map(ServiceResponse::map_into_boxed_body)
                }
            }
        }
    }
}

/// The key as sent, or as the structured-field string it may be quoted as.
fn parse_key(value: &HeaderValue) -> Result<String, ApiError> {
    let text = value.to_str().unwrap_or_default();
    let key = text
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(text);
    let visible = |c: char| c.is_ascii_graphic() && c != '"' && c != '\\';
    if key.is_empty() || key.len() > MAX_KEY_CHARS || !key.chars().all(visible) {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters, such as a UUID",
        ));
    }
    Ok(key.to_owned())
}

/// The most a keyed request's body may hold: the limit of its media type (CSV uploads are
/// larger than JSON bodies).
fn body_limit(request: &ServiceRequest) -> usize {
    let csv = request
        .mime_type()
        .ok()
        .flatten()
        .is_some_and(|mime| mime.essence_str() == "text/csv");
    if csv {
        crate::startup::MAX_CSV_BYTES
    } else {
        crate::startup::MAX_JSON_BYTES
    }
}

/// The body, up to `limit` bytes: a keyed request is read whole to be fingerprinted.
pub(crate) async fn read_body(mut payload: Payload, limit: usize) -> Result<Bytes, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| ApiError::invalid("body", error.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(format!(
                "Request bodies are limited to {limit} bytes."
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The first answer, sent again.
fn replay(answer: StoredAnswer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    for (name, value) in &answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            response.insert_header((name, value));
        }
    }
    response.insert_header((
        HeaderName::from_static(REPLAYED),
        HeaderValue::from_static("true"),
    ));
    response.body(answer.body)
}

/// A key this request holds while it runs.
struct Held<'a> {
    pool: &'a DbPool,
    caller: &'a str,
    key: &'a str,
    token: ClaimToken,
}

impl Held<'_> {
    /// Records a successful answer for retries, and sends it.
    async fn keep(
        self,
        response: ServiceResponse<impl MessageBody + 'static>,
    ) -> Result<ServiceResponse<BoxBody>, Error> {
        let (request, response) = response.into_parts();
        let (head, body) = response.into_parts();
        let body = body::to_bytes(body)
            .await
            .map_err(|error| actix_web::error::ErrorInternalServerError(error.into()))?;
        let answer = StoredAnswer {
            status: head.status().as_u16(),
            headers: KEPT_HEADERS
                .iter()
                .filter_map(|name| {
                    let value = head.headers().get(name)?.to_str().ok()?;
                    Some((name.to_string(), value.to_owned()))
                })
                .collect(),
            body: body.to_vec(),
        };
        let recorded = async {
            let mut conn = self.pool.get().await?;
            idempotency_keys::complete(&mut conn, self.caller, self.key, self.token, &answer)
                .await?;
            Ok::<_, ApiError>(())
        }
        .await;
        if let Err(error) = recorded {
            // The change is made; a retry meets the key in flight until it is taken over.
            log::warn!("could not record the answer for an idempotency key: {error}");
        }
        Ok(ServiceResponse::new(
            request,
            head.set_body(BoxBody::new(body)),
        ))
    }

    /// Frees the key of a request that created nothing.
    async fn release(self) {
        let released = async {
            let mut conn = self.pool.get().await?;
            idempotency_keys::release(&mut conn, self.caller, self.key, self.token).await?;
            Ok::<_, ApiError>(())
        }
        .await;
        if let Err(error) = released {
            log::warn!("could not free an idempotency key: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_quoted_or_not() {
        let key = |text: &str| parse_key(&HeaderValue::from_str(text).unwrap());
        assert_eq!(
            key("8e03978e-40d5-43e8-bc93-6894a57f9324").unwrap(),
            "8e03978e-40d5-43e8-bc93-6894a57f9324"
        );
        assert_eq!(key("\"abc\"").unwrap(), "abc");
        assert!(key("").is_err());
        assert!(key("\"\"").is_err());
        assert!(key("has space").is_err());
        assert!(key(&"k".repeat(256)).is_err());
        assert!(key(&"k".repeat(255)).is_ok());
    }
}
