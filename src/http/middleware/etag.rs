//! Entity tags for every resource answered: the tag is a digest of the JSON body, so any
//! change of content changes it. On reads, `If-None-Match` with a current tag answers 304 with
//! no body; on writes, the tag of the resource as changed is the one a next `If-Match` sends.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse};
use sha2::{Digest, Sha256};

/// Middleware (for `actix_web::middleware::from_fn`) adding `ETag` to 200 answers of GET and
/// HEAD requests, honouring `If-None-Match`, and to the 200 and 201 answers of writes (a write
/// answers with the resource as its `GET` now shows it). Sign-in answers carry tokens, not
/// resources, and are left untagged.
pub async fn entity_tags(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    let credentials = request.path().starts_with("/api/v1/auth/");
    let if_none_match = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .filter(|_| readable)
        .cloned();
    let response = next.call(request).await?;
    let tagged = match response.status() {
        StatusCode::OK => !credentials,
        StatusCode::CREATED => !readable,
        _ => false,
    };
    if !tagged {
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let (mut head, body) = response.into_parts();
    let bytes = body::to_bytes(body)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.into()))?;
    let tag = entity_tag(&bytes);
    if if_none_match
        .as_ref()
        .is_some_and(|header| matches_any(header, &tag))
    {
        let not_modified = HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish();
        return Ok(ServiceResponse::new(request, not_modified));
    }
    head.headers_mut().insert(
        header::ETAG,
        HeaderValue::from_str(&tag).expect("hex is a valid header"),
    );
    Ok(ServiceResponse::new(
        request,
        head.set_body(BoxBody::new(bytes)),
    ))
}

/// A strong tag: the first 128 bits of the body's SHA-256, quoted.
pub fn entity_tag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("\"{hex}\"")
}

/// `If-None-Match` compares weakly (RFC 9110 §13.1.2): `W/` prefixes are ignored; `*` matches.
fn matches_any(header: &HeaderValue, tag: &str) -> bool {
    let Ok(header) = header.to_str() else {
        return false;
    };
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == tag
    })
}

/// The longest `If-Match` looked at: room for a few dozen tags, short of a denial of service.
pub const MAX_IF_MATCH_CHARS: usize = 1024;

/// The text an `If-Match` may hold: visible ASCII, spaces and tabs, which is what
/// `HeaderValue::to_str` reads.
pub const IF_MATCH_PATTERN: &str = "^[\\t -~]*$";

/// The `If-Match` a request sent, if any: 400 naming it when it is longer than
/// `MAX_IF_MATCH_CHARS` or not text (visible ASCII, spaces and tabs), as the document says.
/// Any other value is compared with the current version by `require_current`: one that names
/// no current version, however it is written, answers 412.
pub fn if_match(
    value: Option<&HeaderValue>,
) -> Result<Option<&HeaderValue>, crate::error::ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    if value.len() <= MAX_IF_MATCH_CHARS && value.to_str().is_ok() {
        Ok(Some(value))
    } else {
        Err(crate::error::ApiError::invalid(
            "If-Match",
            format!(
                "must be the `ETag` of a read (or a list of them, or `*`): text of at most \
                 {MAX_IF_MATCH_CHARS} characters"
            ),
        ))
    }
}

/// 412 unless `If-Match` names the version of `current`, the resource as its `GET` shows it
/// to this caller; `what` names it in the answer.
pub fn require_current(
    if_match: &HeaderValue,
    current: &impl serde::Serialize,
    what: impl std::fmt::Display,
) -> Result<(), crate::error::ApiError> {
    let body = serde_json::to_vec(current).map_err(crate::error::ApiError::internal)?;
    if matches_strongly(if_match, &entity_tag(&body)) {
        Ok(())
    } else {
        Err(crate::error::ApiError::PreconditionFailed(format!(
            "{what} changed since the version in If-Match; read it again."
        )))
    }
}

/// `require_current` for the `If-Match` a write sent, if any: `current` loads the resource
/// (as its `GET` shows it to this caller) only when one was sent, and a 412 names it
/// `"{what} {key}"`.
pub async fn require_current_if_sent<View: serde::Serialize>(
    if_match: Option<&HeaderValue>,
    what: &str,
    key: &impl std::fmt::Display,
    current: impl AsyncFnOnce() -> Result<View, crate::error::ApiError>,
) -> Result<(), crate::error::ApiError> {
    if let Some(if_match) = if_match {
        require_current(if_match, &current().await?, format_args!("{what} {key}"))?;
    }
    Ok(())
}

/// `If-Match` compares strongly (RFC 9110 §13.1.1): weak tags never match; `*` matches any
/// current representation.
fn matches_strongly(header: &HeaderValue, tag: &str) -> bool {
    let Ok(header) = header.to_str() else {
        return false;
    };
    header
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_differ_when_content_differs() {
        assert_ne!(entity_tag(b"{\"a\":1}"), entity_tag(b"{\"a\":2}"));
        assert_eq!(entity_tag(b"x"), entity_tag(b"x"));
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        let tag = entity_tag(b"body");
        let weak = HeaderValue::from_str(&format!("\"other\", W/{tag}")).unwrap();
        assert!(matches_any(&weak, &tag));
        assert!(matches_any(&HeaderValue::from_static("*"), &tag));
        assert!(!matches_any(&HeaderValue::from_static("\"stale\""), &tag));
    }

    #[test]
    fn if_match_compares_strongly_and_accepts_lists_and_star() {
        let tag = entity_tag(b"x");
        let header = |text: &str| HeaderValue::from_str(text).unwrap();
        assert!(matches_strongly(&header(&tag), &tag));
        assert!(matches_strongly(
            &header(&format!("\"other\", {tag}")),
            &tag
        ));
        assert!(matches_strongly(&header("*"), &tag));
        assert!(!matches_strongly(&header(&format!("W/{tag}")), &tag));
        assert!(!matches_strongly(&header("\"other\""), &tag));
    }
}
