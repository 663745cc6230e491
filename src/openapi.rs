//! The OpenAPI document: its base (title, description, tags, shared error responses) is
//! declared here once; paths and schemas are collected from the handlers themselves.

use actix_web::App;
use utoipa::{IntoResponses, OpenApi, ToResponse};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Maths Hubs API",
        description = "The offer of England's Maths Hubs programme: hubs and the local authorities they \
cover, Teaching School Hubs, schools, Network Collaborative Projects and the work groups that deliver \
them locally, their sessions and their leads.\n\nErrors are RFC 9457 `application/problem+json`. Lists \
are paginated by keyset: pass `next_cursor` back as `cursor`, or follow the `Link: rel=\"next\"` header. \
Single resources and lists carry an `ETag`; send it back in `If-None-Match` to get 304 when nothing changed. \
Times are RFC 3339 with the Europe/London offset.",
        license(name = "MIT"),
        version = "1.0.0",
    ),
    tags(
        (name = "Local authorities", description = "England's local authorities, keyed by ONS GSS code."),
        (name = "Hubs", description = "The 40 Maths Hubs and the areas they cover: \"find your hub\"."),
        (name = "Teaching School Hubs", description = "Teaching School Hubs, their areas and partner Maths Hubs."),
        (name = "Schools", description = "Schools by DfE URN, as Get Information about Schools records them."),
        (name = "Projects", description = "Network Collaborative Projects and their eligibility and fee policy."),
        (name = "Work groups", description = "A hub's local delivery of a project, with its sessions and leads."),
        (name = "Sessions", description = "Meetings of work groups, for calendars."),
        (name = "Leads", description = "Public profiles of Local Leaders of Maths Education."),
        (name = "Operations", description = "Health and readiness probes."),
    ),
    components(schemas(Problem, FieldError), responses(BadRequest, NotFound, Unavailable))
)]
struct ApiBase;

/// 400: some input is malformed; `errors` names each field.
#[derive(ToResponse)]
#[response(
    description = "Invalid input: `errors` names every invalid field or parameter",
    content_type = "application/problem+json"
)]
pub struct BadRequest(#[to_schema] pub Problem);

/// 404: nothing by that key (or nothing the caller may know about).
#[derive(ToResponse)]
#[response(
    description = "No such resource",
    content_type = "application/problem+json"
)]
pub struct NotFound(#[to_schema] pub Problem);

/// 503: the database is busy or unreachable; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(
    description = "The database is busy or unreachable; retry after `Retry-After` seconds",
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))
)]
pub struct Unavailable(#[to_schema] pub Problem);

/// The answers besides 200 that every list endpoint can give.
#[derive(IntoResponses)]
pub enum ListErrors {
    #[response(
        status = 304,
        description = "Not modified since the `If-None-Match` tag"
    )]
    NotModified,
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The answers besides 200 that every read of one resource by its key can give.
#[derive(IntoResponses)]
pub enum ReadErrors {
    #[response(
        status = 304,
        description = "Not modified since the `If-None-Match` tag"
    )]
    NotModified,
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The base document, before handlers add their paths.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiBase::openapi()
}

/// The whole document, exactly as the server serves it at `/api-docs/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(base())
        .configure(crate::startup::configure_routes)
        .split_for_parts();
    document
}

/// The document as committed in `openapi/openapi.json`: pretty JSON with a final newline.
pub fn to_pretty_json(document: &utoipa::openapi::OpenApi) -> String {
    let mut json = document
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}
