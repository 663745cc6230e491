//! The HTTP layer: one module per resource, each extracting and parsing input, calling its
//! queries in `db/`, and mapping rows to views. Every route of the service is registered here.

pub mod attendance;
pub mod audit;
pub mod auth;
pub mod calendars;
pub mod change_feed;
pub mod cursor;
pub mod deferred;
pub mod enrolment_register;
pub mod enrolment_writes;
pub mod enrolments;
pub mod etag;
pub mod fees;
pub mod health;
pub mod hub_covers;
pub mod hub_writes;
pub mod hubs;
pub mod icalendar;
pub mod idempotency;
pub mod json_bodies;
pub mod lead_writes;
pub mod leads;
pub mod list;
pub mod local_authorities;
pub mod local_authority_writes;
pub mod me;
pub mod metrics;
pub mod negotiation;
pub mod partners;
pub mod problems;
pub mod project_writes;
pub mod projects;
pub mod reach;
pub mod reach_table;
pub mod reach_views;
pub mod reference_writes;
pub mod refs;
pub mod request_scope;
pub mod school_import;
pub mod schools;
pub mod session_writes;
pub mod sessions;
pub mod signposting;
pub mod strategic_partners;
pub mod teaching_school_hub_writes;
pub mod teaching_school_hubs;
pub mod unknown;
pub mod users;
pub mod work_group_writes;
pub mod work_groups;
pub mod write;

use actix_web::middleware::from_fn;
use utoipa_actix_web::scope;

use crate::domain::ParseError;
use crate::error::ApiError;

/// Every route of the service: the probes and metrics at the root and the API under `/api/v1`.
pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .configure(health::configure)
        .configure(metrics::configure)
        .service(
            scope("/api/v1")
                .wrap(from_fn(etag::entity_tags))
                .configure(configure_api),
        );
}

/// Registers every `/api/v1` endpoint.
fn configure_api(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    local_authorities::configure(config);
    local_authority_writes::configure(config);
    hubs::configure(config);
    hub_writes::configure(config);
    hub_covers::configure(config);
    strategic_partners::configure(config);
    teaching_school_hubs::configure(config);
    teaching_school_hub_writes::configure(config);
    schools::configure(config);
    school_import::configure(config);
    projects::configure(config);
    project_writes::configure(config);
    work_groups::configure(config);
    sessions::configure(config);
    leads::configure(config);
    lead_writes::configure(config);
    auth::configure(config);
    me::configure(config);
    users::configure(config);
    partners::configure(config);
    enrolments::configure(config);
    enrolment_writes::configure(config);
    work_group_writes::configure(config);
    session_writes::configure(config);
    attendance::configure(config);
    fees::configure(config);
    audit::configure(config);
    calendars::configure(config);
    signposting::configure(config);
    change_feed::configure(config);
    reach::configure(config);
}

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
/// document's `maxLength` counts them so), kept trimmed.
pub fn non_empty(text: &str) -> Result<String, ParseError> {
    let trimmed = text.trim();
    if text.chars().count() > 200 {
        Err(ParseError("must be at most 200 characters".into()))
    } else if trimmed.is_empty() {
        Err(ParseError("must not be empty".into()))
    } else {
        Ok(trimmed.to_owned())
    }
}

/// Free text of a body (a bio, an outline): possibly empty, at most `max` characters as sent,
/// kept trimmed.
pub fn text_up_to(max: usize) -> impl Fn(&str) -> Result<String, ParseError> {
    move |text| {
        if text.chars().count() > max {
            Err(ParseError(format!("must be at most {max} characters")))
        } else {
            Ok(text.trim().to_owned())
        }
    }
}

/// Applies one field of a change: what was sent replaces what is stored.
pub fn set_if_sent<T>(stored: &mut T, sent: Option<T>) {
    if let Some(sent) = sent {
        *stored = sent;
    }
}

/// A web address (`http://` or `https://`), as the columns store it.
pub fn web_address(text: &str) -> Result<String, ParseError> {
    crate::domain::WebAddress::parse(text).map(crate::domain::WebAddress::into_inner)
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
/// out (keep it). Use with `#[serde(default, deserialize_with = "crate::routes::nullable")]`.
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
