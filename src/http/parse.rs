//! Parsing what a request names in its path and query: ids, hubs by slug, flags, texts, and
//! the `PATCH` convention that `null` clears a field.

use crate::domain::ParseError;
use crate::error::ApiError;

/// Parses a path parameter, answering 400 naming the parameter when it is malformed.
pub fn parse_path<T>(
    name: &str,
    raw: &str,
    parse: impl FnOnce(&str) -> Result<T, ParseError>,
) -> Result<T, ApiError> {
    parse(raw).map_err(|error| ApiError::invalid(name, error.0))
}

/// The hub a request names by `slug`, as the rights see it: its id, or `policy::UNKNOWN_HUB`
/// when no hub has that slug (or it is not one), so that it is refused as another hub would
/// be. Those it is not refused to are told it does not exist when the request is checked.
pub async fn named_hub(
    conn: &mut diesel_async::AsyncPgConnection,
    slug: &str,
) -> Result<uuid::Uuid, ApiError> {
    let Ok(slug) = crate::domain::Slug::parse(slug) else {
        return Ok(crate::auth::policy::UNKNOWN_HUB);
    };
    let id = crate::db::lookups::hub_id(conn, slug.as_str()).await?;
    Ok(id.unwrap_or(crate::auth::policy::UNKNOWN_HUB))
}

/// Names and free text filters: anything but blank, at most 200 characters as sent (the
/// document's `maxLength` counts them so), kept trimmed (`domain::NonBlank`).
pub fn non_empty(text: &str) -> Result<String, ParseError> {
    <crate::domain::NonBlank>::parse(text).map(crate::domain::NonBlank::into_inner)
}

/// Applies one field of a change: what was sent replaces what is stored.
pub fn set_if_sent<T>(stored: &mut T, sent: Option<T>) {
    if let Some(sent) = sent {
        *stored = sent;
    }
}

/// `true` or `false`, as query parameters spell them.
pub fn boolean(text: &str) -> Result<bool, ParseError> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ParseError("must be true or false".into())),
    }
}

/// For `PATCH` bodies: `Some(None)` for a field sent as `null` (clear it), `None` for one left
/// out (keep it). Use with `#[serde(default, deserialize_with = "crate::http::parse::nullable")]`.
pub fn nullable<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// Ids are UUIDs, written as the document's `format: uuid` says: 36 characters, hyphenated
/// (the `uuid` crate would also take the simple, braced and URN forms).
pub fn uuid(text: &str) -> Result<uuid::Uuid, ParseError> {
    uuid::Uuid::try_parse(text)
        .ok()
        .filter(|_| text.len() == 36)
        .ok_or_else(|| {
            ParseError("must be a UUID, such as 01931b8e-7c2a-7d3e-9a41-3c5f0e2b7a10".into())
        })
}
