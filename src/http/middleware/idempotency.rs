//! `Idempotency-Key` on `POST`s (IETF httpapi draft): a client that retries a request with
//! the key it sent first gets the first answer again instead of a second change.
//!
//! Keys belong to the caller, so two callers cannot see or block each other's. A key is
//! judged once the rights allow the request (`http::write`): the same key with another
//! method, path or body answers 422; while its first request runs, 409. The answer is
//! recorded in the transaction that makes the change, so a change that was committed has its
//! answer kept whatever happens to the process next, and a request that changed nothing
//! leaves no record: the client may correct it and retry with the same key. Keys are kept 24
//! hours.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use diesel_async::AsyncPgConnection;
use sha2::{Digest, Sha256};

use crate::auth::{Caller, CallerKind};
use crate::db::idempotency_keys::{self, Held, Request, StoredAnswer};
use crate::error::ApiError;

/// The request header carrying the key.
pub const HEADER: &str = "idempotency-key";

/// Set on a replayed answer, so clients and logs can tell it from a fresh one.
const REPLAYED: &str = "idempotent-replayed";

/// Keys are 1 to 255 visible ASCII characters, optionally quoted as a structured-field string.
const MAX_KEY_CHARS: usize = 255;

/// The key a `POST` carried, as sent; judged only once the rights allow the request.
#[derive(Debug, Clone)]
pub struct SentKey {
    /// `None` when the header is not a key.
    key: Option<String>,
    /// With the query string: a key stands for one request.
    path: String,
}

/// What a request holding its key does next.
#[derive(Debug)]
pub enum Judged {
    /// Runs, and records its answer with `HeldKey::record`.
    Run(HeldKey),
    /// Answers as the key's first request did.
    Replay(StoredAnswer),
    /// Answers 409: the key's first request is still running.
    InFlight,
}

/// A key this request holds until its transaction ends.
#[derive(Debug)]
pub struct HeldKey {
    caller: String,
    key: String,
    path: String,
    fingerprint: Vec<u8>,
}

impl SentKey {
    /// The key of a `POST` that sent one.
    pub fn of(request: &HttpRequest) -> Option<Self> {
        if request.method() != Method::POST {
            return None;
        }
        let sent = request.headers().get(HEADER)?;
        Some(Self {
            key: parse_key(sent),
            path: request
                .uri()
                .path_and_query()
                .map_or_else(|| request.path().to_owned(), ToString::to_string),
        })
    }

    /// Holds the key for `caller` in the transaction on `conn` and judges this request (its
    /// `body` as sent) against the key's record: 400 for a malformed key, 422 when the key
    /// stands for another request.
    pub async fn judge(
        &self,
        conn: &AsyncPgConnection,
        caller: &Caller,
        body: &[u8],
    ) -> Result<Judged, ApiError> {
        let key = self.key.clone().ok_or_else(|| {
            ApiError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters, such as a UUID",
            )
        })?;
        let held = HeldKey {
            caller: owner(caller),
            key,
            path: self.path.clone(),
            fingerprint: Sha256::digest(body).to_vec(),
        };
        match idempotency_keys::hold(conn, &held.request()).await? {
            Held::Free => Ok(Judged::Run(held)),
            Held::Replay(answer) => Ok(Judged::Replay(answer)),
            Held::InFlight => Ok(Judged::InFlight),
            Held::Mismatch => Err(ApiError::IdempotencyKeyReused),
        }
    }
}

impl HeldKey {
    fn request(&self) -> Request<'_> {
        Request {
            caller: &self.caller,
            key: &self.key,
            method: "POST",
            path: &self.path,
            fingerprint: &self.fingerprint,
        }
    }

    /// Records `answer` for retries, in the transaction that made the change it answers.
    pub async fn record(
        &self,
        conn: &mut AsyncPgConnection,
        answer: &StoredAnswer,
    ) -> Result<(), ApiError> {
        idempotency_keys::record(conn, &self.request(), answer).await?;
        Ok(())
    }
}

/// Whom a key belongs to: the account, or the partner client, the token names.
fn owner(caller: &Caller) -> String {
    match caller.kind {
        CallerKind::User => format!("user:{}", caller.id),
        CallerKind::PartnerClient => format!("partner-client:{}", caller.id),
    }
}

/// The key as sent, or as the structured-field string it may be quoted as.
fn parse_key(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let key = text
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(text);
    let visible = |c: char| c.is_ascii_graphic() && c != '"' && c != '\\';
    (!key.is_empty() && key.len() <= MAX_KEY_CHARS && key.chars().all(visible))
        .then(|| key.to_owned())
}

/// The first answer, sent again.
pub fn replay(answer: StoredAnswer) -> HttpResponse {
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
    // Every answer kept is JSON, or empty.
    if !answer.body.is_empty() {
        response.content_type("application/json");
    }
    response.body(answer.body)
}

/// 409 while the key's first request runs, with when to try again for its answer.
pub fn in_flight() -> HttpResponse {
    let mut response = ApiError::Conflict(
        "A request with this Idempotency-Key is still being processed; retry shortly to get its answer."
            .into(),
    )
    .error_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_quoted_or_not() {
        let key = |text: &str| parse_key(&HeaderValue::from_str(text).unwrap());
        assert_eq!(
            key("8e03978e-40d5-43e8-bc93-6894a57f9324").as_deref(),
            Some("8e03978e-40d5-43e8-bc93-6894a57f9324")
        );
        assert_eq!(key("\"abc\"").as_deref(), Some("abc"));
        assert!(key("").is_none());
        assert!(key("\"\"").is_none());
        assert!(key("has space").is_none());
        assert!(key(&"k".repeat(256)).is_none());
        assert!(key(&"k".repeat(255)).is_some());
    }
}
