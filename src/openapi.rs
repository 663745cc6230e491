//! The OpenAPI document: its base (title, description, tags, shared error responses) is
//! declared here once; paths and schemas are collected from the handlers themselves.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi, ToResponse};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, Problem};

mod answers;
mod links;
mod vocabulary;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Maths Hubs API",
        description = "The offer of England's Maths Hubs programme: hubs and the local authorities they \
cover, Teaching School Hubs, schools, Network Collaborative Projects and the work groups that deliver \
them locally, their sessions and their leads.\n\nErrors are RFC 9457 `application/problem+json`. Lists \
are paginated by keyset: pass `next_cursor` back as `cursor`, or follow the `Link: rel=\"next\"` header. \
Single resources and lists carry an `ETag`; send it back in `If-None-Match` to get 304 when nothing changed. \
Times are RFC 3339 with the Europe/London offset.\n\nReading the public catalogue needs no token. \
Everything else needs `Authorization: Bearer <access token>`: people sign in at `POST /api/v1/auth/login` \
(email and password), partner integrations at `POST /api/v1/auth/token` (OAuth 2.0 client credentials). \
In Swagger UI, sign in, copy `access_token`, and paste it into **Authorize**. Without a valid token a \
protected operation answers 401; with a token that lacks the right, 403, or 404 where the object is \
private to those allowed.\n\nEvery answer carries `X-Request-Id`: the id the client sent in that header (1 to 128 \
visible ASCII characters), or else one made for the request (a UUID v7). Problem bodies repeat it as `request_id`; \
quote it when reporting a problem.",
        license(name = "MIT", identifier = "MIT"),
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
        (name = "Calendars", description = "iCalendar feeds (RFC 5545) to subscribe to: a work group's, a hub's, and each participant's and lead's own at a secret address."),
        (name = "Leads", description = "Public profiles of Local Leaders of Maths Education."),
        (name = "Authentication", description = "Signing in and out: passwords, refresh tokens, partner client credentials."),
        (name = "Account", description = "The caller's own account."),
        (name = "Users", description = "Accounts: national admins manage all, hub managers their hub's leads."),
        (name = "Enrolments", description = "Expressions of interest and places: the participant's own, and a group's for its staff."),
        (name = "Attendance", description = "Registers of sessions, kept by each group's leads, its hub's managers and admins."),
        (name = "Fees", description = "The fee ledger: non-attendance and late-withdrawal fees schools owe (hub managers, admins)."),
        (name = "Reports", description = "The reach report: schools and participants engaged per hub, by authority, phase, project and referring Teaching School Hub (admins, hub managers, leads, partners)."),
        (name = "Partners", description = "Credentials of partner Teaching School Hubs' integrations (admins)."),
        (name = "Signposting", description = "What Teaching School Hubs signpost to their schools: each local authority's open work groups with links to express interest, and the change feed partner sites follow."),
        (name = "Audit", description = "Who changed what and when (admins)."),
        (name = "Operations", description = "Health and readiness probes, and Prometheus metrics."),
    ),
    servers((
        url = "/",
        description = "The server that serves this document: production, staging or a local run alike, since \
every environment serves the same API at the same paths (relative addresses keep Swagger UI's requests on the \
server it was loaded from)."
    )),
    modifiers(&BearerScheme, &PublicServers),
    components(
        schemas(Problem, FieldError),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, Conflict, NotEligible, Unprocessable,
            PreconditionFailed, PayloadTooLarge, CsvTooLarge, NotAcceptable, TooManyRequests, Unavailable,
            NotLive, InternalError
        )
    )
)]
struct ApiBase;

/// The one security scheme: `bearer`, an access token from `/auth/login` or `/auth/token`.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token (15 minutes) from `POST /api/v1/auth/login` or `POST /api/v1/auth/token`: \
                         a JWT issued and checked as RFC8725 (JSON Web Token Best Current Practices) asks: one \
                         allowed algorithm (HS256), `exp`, `iss`, `aud` and `sub` required, `nbf` checked, and \
                         access and refresh tokens not interchangeable (`auth::tokens`).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The token a server started with `MATHSHUB_METRICS_TOKEN` asks for at `/metrics`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The API is for the public (a catalogue anyone reads, accounts for schools' staff and
/// partners' integrations), so its server is declared external (`x-internal: false`).
struct PublicServers;

impl Modify for PublicServers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::extensions::ExtensionsBuilder;

        for server in openapi.servers.iter_mut().flatten() {
            server
                .extensions
                .get_or_insert_with(Default::default)
                .merge(ExtensionsBuilder::new().add("x-internal", false).build());
        }
    }
}

/// 400: some input is malformed; `errors` names each field.
#[derive(ToResponse)]
#[response(
    description = "Invalid input: `errors` names every invalid field or parameter",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/validation", "title": "Invalid request", "status": 400, "detail": "1 field is invalid", "errors": [{"field": "limit", "message": "must be between 1 and 100"}]})
)]
pub struct BadRequest(pub Problem);

/// 401: no valid access token.
#[derive(ToResponse)]
#[response(
    description = "No valid credentials: the access token is missing, malformed, expired or revoked (or, when signing in, the credentials are wrong)",
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"mathshub\"`")),
    example = json!({"type": "https://mathshub.invalid/problems/unauthorized", "title": "Unauthorized", "status": 401, "detail": "The access token has expired: refresh it at POST /api/v1/auth/refresh."})
)]
pub struct Unauthorized(pub Problem);

/// 403: a valid token without the right.
#[derive(ToResponse)]
#[response(
    description = "The caller's role or reach does not allow this; `detail` says who may",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/forbidden", "title": "Forbidden", "status": 403, "detail": "Only national admins manage partner credentials."})
)]
pub struct Forbidden(pub Problem);

/// 409: the change breaks a rule of the current state.
#[derive(ToResponse)]
#[response(
    description = "The request conflicts with the current state; `detail` names the rule",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/conflict", "title": "Conflict", "status": 409, "detail": "An account already uses this email address."})
)]
pub struct Conflict(pub Problem);

/// 422: an `Idempotency-Key` sent again with another request.
#[derive(ToResponse)]
#[response(
    description = "The `Idempotency-Key` was first sent with another request (method, path or body); use a new key for a new request",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/idempotency-key-reused", "title": "Idempotency key reused", "status": 422, "detail": "This Idempotency-Key was first sent with another request (method, path or body): send a new key for a new request."})
)]
pub struct IdempotencyKeyReused(pub Problem);

/// 422: the participant is not eligible for the group (or, with a reused `Idempotency-Key`,
/// the key stood for another request).
#[derive(ToResponse)]
#[response(
    description = "Not eligible: `errors` names each eligibility rule failed (role in school, school phase or status, an earlier project not completed by the school); or the `Idempotency-Key` was first sent with another request",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/not-eligible", "title": "Not eligible", "status": 422, "detail": "Not eligible for this work group: the project is not open to the role prospective_head_of_department.", "errors": [{"field": "role_in_school", "message": "the project is not open to the role prospective_head_of_department"}]})
)]
pub struct NotEligible(pub Problem);

/// 422: well-formed input that cannot be used (`ApiError::Unprocessable`).
#[derive(ToResponse)]
#[response(
    description = "Well-formed, but it cannot be used: `errors` names each field that names something that does not exist (an unknown hub, school or project), or breaks a rule between fields or with what is stored. On a create, also an `Idempotency-Key` first sent with another request (`type` ends in `idempotency-key-reused`).",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/unprocessable", "title": "Request cannot be carried out", "status": 422, "detail": "1 field is well-formed but cannot be used as sent", "errors": [{"field": "hub", "message": "no hub has the slug london-north-west"}]})
)]
pub struct Unprocessable(pub Problem);

/// 412: `If-Match` names a version that is no longer current.
#[derive(ToResponse)]
#[response(
    description = "The resource changed since the `If-Match` version; read it again",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/precondition-failed", "title": "Precondition failed", "status": 412, "detail": "User 01931b8e-7c2a-7d3e-9a41-3c5f0e2b7a10 changed since the version in If-Match; read it again."})
)]
pub struct PreconditionFailed(pub Problem);

/// 413: the body is over the limit.
#[derive(ToResponse)]
#[response(
    description = "The request body is larger than 256 KiB",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/payload-too-large", "title": "Request body too large", "status": 413, "detail": "Request bodies are limited to 262144 bytes."})
)]
pub struct PayloadTooLarge(pub Problem);

/// 413 for a file upload: the file is over its limit (`startup::MAX_CSV_BYTES`).
#[derive(ToResponse)]
#[response(
    description = "The CSV file is larger than 128 MiB",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/payload-too-large", "title": "Request body too large", "status": 413, "detail": "CSV files are limited to 134217728 bytes (128 MiB)."})
)]
pub struct CsvTooLarge(pub Problem);

/// 406: `Accept` names no media type the operation answers in.
#[derive(ToResponse)]
#[response(
    description = "`Accept` names no media type this operation answers in; `detail` lists them",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/not-acceptable", "title": "Not acceptable", "status": 406, "detail": "This operation answers in application/json or text/csv: name one of them in Accept."})
)]
pub struct NotAcceptable(pub Problem);

/// 429: too many attempts.
#[derive(ToResponse)]
#[response(
    description = "Too many attempts from this address or on this account (sign-in), or expressions of interest by this participant; retry after `Retry-After` seconds",
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds until attempts are counted afresh")),
    example = json!({"type": "https://mathshub.invalid/problems/too-many-requests", "title": "Too many requests", "status": 429, "detail": "Too many attempts; retry in 42 seconds."})
)]
pub struct TooManyRequests(pub Problem);

/// 404: nothing by that key (or nothing the caller may know about).
#[derive(ToResponse)]
#[response(
    description = "No such resource",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/not-found", "title": "Not found", "status": 404, "detail": "User 01931b8e-7c2a-7d3e-9a41-3c5f0e2b7a10 was not found"})
)]
pub struct NotFound(pub Problem);

/// 503: the database is busy or unreachable; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(
    description = "The database is busy or unreachable; retry after `Retry-After` seconds",
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds to wait before retrying")),
    example = json!({"type": "https://mathshub.invalid/problems/unavailable", "title": "Service unavailable", "status": 503, "detail": "The database is busy or unreachable; retry shortly."})
)]
pub struct Unavailable(pub Problem);

/// 503 from `/healthz`: the process cannot mend by itself what failed; restart it.
#[derive(ToResponse)]
#[response(
    description = "The process cannot mend by itself what failed (the detail says what): restart it",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/not-live", "title": "Not live", "status": 503, "detail": "The embedded PostgreSQL server died and could not be restarted (the server's log says why); restart mathshub."})
)]
pub struct NotLive(pub Problem);

/// 500: a fault of ours (`ApiError::Internal`), logged with its cause; the answer says no more.
#[derive(ToResponse)]
#[response(
    description = "Something went wrong on the server's side; the cause is logged under the request's id, never shown",
    content_type = "application/problem+json",
    example = json!({"type": "https://mathshub.invalid/problems/internal", "title": "Internal server error", "status": 500, "detail": "Something went wrong on our side; it has been logged."})
)]
pub struct InternalError(pub Problem);

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

/// The answers besides 200 of a public read that shows more to some callers with a token.
#[derive(IntoResponses)]
pub enum PersonalisedReadErrors {
    #[response(
        status = 304,
        description = "Not modified since the `If-None-Match` tag"
    )]
    NotModified,
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The answers besides 200 of a list that needs a token.
#[derive(IntoResponses)]
pub enum ProtectedListErrors {
    #[response(
        status = 304,
        description = "Not modified since the `If-None-Match` tag"
    )]
    NotModified,
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The answers besides 200 of a read that needs a token.
#[derive(IntoResponses)]
pub enum ProtectedReadErrors {
    #[response(
        status = 304,
        description = "Not modified since the `If-None-Match` tag"
    )]
    NotModified,
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The answers besides 201 of a create that needs a token.
#[derive(IntoResponses)]
pub enum ProtectedWriteErrors {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 409)]
    Conflict(#[ref_response] Conflict),
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] PayloadTooLarge),
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The answers besides 200 of a `PATCH` of one resource.
#[derive(IntoResponses)]
pub enum ProtectedUpdateErrors {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 409)]
    Conflict(#[ref_response] Conflict),
    #[response(status = 412)]
    PreconditionFailed(#[ref_response] PreconditionFailed),
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] PayloadTooLarge),
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The answers besides 200 of an action (`POST /…/{id}/verb`) on one resource.
#[derive(IntoResponses)]
pub enum ProtectedActionErrors {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 409)]
    Conflict(#[ref_response] Conflict),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The answers besides 201 of an expression of interest.
#[derive(IntoResponses)]
pub enum EnrolErrors {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 409)]
    Conflict(#[ref_response] Conflict),
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] PayloadTooLarge),
    #[response(status = 422)]
    NotEligible(#[ref_response] NotEligible),
    #[response(status = 429)]
    TooManyRequests(#[ref_response] TooManyRequests),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The answers besides 200 of a file upload that needs a token.
#[derive(IntoResponses)]
pub enum ProtectedUploadErrors {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] CsvTooLarge),
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

/// The answers besides 200 of a change to the caller's own account.
#[derive(IntoResponses)]
pub enum ProtectedSelfUpdateErrors {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] PayloadTooLarge),
    #[response(status = 422)]
    Unprocessable(#[ref_response] Unprocessable),
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
    finish(document)
}

/// Completes the document the handlers declared with what every operation shares (keys,
/// entity tags, request ids, the vocabulary of errors).
pub fn finish(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    declare_idempotency_keys(&mut document);
    declare_write_entity_tags(&mut document);
    vocabulary::declare(&mut document);
    links::declare(&mut document);
    answers::declare_internal_errors(&mut document);
    answers::declare_cors_origin(&mut document);
    answers::bound_response_headers(&mut document);
    declare_request_ids(&mut document);
    declare_anonymous_access(&mut document);
    refer_to_page_items(&mut document);
    document
}

/// An operation that declares no security is public (the catalogue, the probes, signing in):
/// it says so with the empty requirement `{}` rather than by leaving security out.
fn declare_anonymous_access(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::SecurityRequirement;

    for operation in document.paths.paths.values_mut().flat_map(operations_mut) {
        operation
            .security
            .get_or_insert_with(|| vec![SecurityRequirement::default()]);
    }
}

/// utoipa writes the items of each generic `Page<T>` body inline into `Page_T`, and registers
/// `T` beside it all the same: the page refers to that component instead (when it is the very
/// schema written inline), so each item schema is written once and used.
fn refer_to_page_items(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{ArrayItems, Schema};
    use utoipa::openapi::{Ref, RefOr};

    let Some(components) = document.components.as_mut() else {
        return;
    };
    let as_json = |schema: &RefOr<Schema>| serde_json::to_value(schema).ok();
    let mut replacements = Vec::new();
    for (name, page) in &components.schemas {
        let Some(item_name) = name.strip_prefix("Page_") else {
            continue;
        };
        let RefOr::T(Schema::Object(page)) = page else {
            continue;
        };
        let Some(RefOr::T(Schema::Array(items))) = page.properties.get("items") else {
            continue;
        };
        let ArrayItems::RefOrSchema(inline) = &items.items else {
            continue;
        };
        let Some(component) = components.schemas.get(item_name) else {
            continue;
        };
        if as_json(inline).is_some() && as_json(inline) == as_json(component) {
            replacements.push((name.clone(), item_name.to_owned()));
        }
    }
    for (page_name, item_name) in replacements {
        if let Some(RefOr::T(Schema::Object(page))) = components.schemas.get_mut(&page_name)
            && let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items")
        {
            items.items =
                ArrayItems::RefOrSchema(Box::new(Ref::from_schema_name(item_name).into()));
        }
    }
}

/// Every answer, whatever its status, carries `X-Request-Id` (`routes::request_scope`): the
/// header is declared once among the components and referred to from each response the
/// operations declare and each shared one they refer to.
fn declare_request_ids(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{HeaderBuilder, ObjectBuilder, Ref, RefOr, Type};

    const NAME: &str = "X-Request-Id";

    let header = HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(128))
                .pattern(Some("^[!-~]+$"))
                .examples(["0193a0c4-5e2b-7c3d-8f4a-1b2c3d4e5f60"]),
        ))
        .description(Some(
            "The request's id: the `X-Request-Id` the client sent, when 1 to 128 visible ASCII \
             characters, or else a UUID v7 made for it. Logs and problem bodies name it too.",
        ))
        .build();
    let components = document.components.get_or_insert_with(Default::default);
    components.headers.insert(NAME.into(), header.into());
    let reference = RefOr::Ref(Ref::new(format!("#/components/headers/{NAME}")));
    let operations = document.paths.paths.values_mut().flat_map(operations_mut);
    let inline = operations.flat_map(|operation| operation.responses.responses.values_mut());
    let shared = document
        .components
        .iter_mut()
        .flat_map(|components| components.responses.values_mut());
    for response in inline.chain(shared) {
        if let RefOr::T(response) = response {
            response.headers.insert(NAME.into(), reference.clone());
        }
    }
}

/// Writes answering 200 or 201 with a resource carry its `ETag` (`routes::etag`); sign-in
/// answers carry tokens and none.
fn declare_write_entity_tags(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{HeaderBuilder, ObjectBuilder, RefOr, Type};

    for (path, item) in document.paths.paths.iter_mut() {
        if path.starts_with("/api/v1/auth/") {
            continue;
        }
        let writes = [item.post.as_mut(), item.put.as_mut(), item.patch.as_mut()];
        for operation in writes.into_iter().flatten() {
            for status in ["200", "201"] {
                let Some(RefOr::T(response)) = operation.responses.responses.get_mut(status) else {
                    continue;
                };
                if response.content.is_empty() {
                    continue;
                }
                response.headers.entry("ETag".into()).or_insert_with(|| {
                    HeaderBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                        .description(Some(
                            "The version of the resource as changed: send it in `If-Match` to change it again.",
                        ))
                        .build()
                        .into()
                });
            }
        }
    }
}

/// Every `POST` but signing in honours `Idempotency-Key` (`routes::idempotency`): it takes
/// the header and may answer 409 and 422 for it.
fn declare_idempotency_keys(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Ref, Required, Type};

    let mut reused_key_answered = false;
    for (path, item) in document.paths.paths.iter_mut() {
        let Some(operation) = item.post.as_mut() else {
            continue;
        };
        if path.starts_with("/api/v1/auth/") {
            continue;
        }
        let responses = &mut operation.responses.responses;
        let key = ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Makes retries safe: a retry with the same key and body replays the first \
                 successful answer (marked `Idempotent-Replayed: true`) instead of acting \
                 again, for 24 hours. Keys are the caller's own, and judged once the caller's \
                 rights allow the request. The same key with another body answers 422; while \
                 the first request runs, 409 with `Retry-After`. The answer is kept in the \
                 transaction of the change, so a retry after an answer was lost (the server \
                 stopped, the connection broke) gets it; a request that fails frees its key.",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(255))
                    .pattern(Some("^[!#-\\[\\]-~]+$"))
                    .examples(["8e03978e-40d5-43e8-bc93-6894a57f9324"]),
            ));
        operation
            .parameters
            .get_or_insert_with(Vec::new)
            .push(key.build().into());
        responses
            .entry("409".into())
            .or_insert_with(|| Ref::from_response_name("Conflict").into());
        // An operation with a 422 of its own says so in its description.
        if !responses.contains_key("422") {
            responses.insert(
                "422".into(),
                Ref::from_response_name("IdempotencyKeyReused").into(),
            );
            reused_key_answered = true;
        }
    }
    // Shared only when some operation refers to it (one without a 422 of its own).
    if reused_key_answered {
        let (name, response) = IdempotencyKeyReused::response();
        document
            .components
            .get_or_insert_with(Default::default)
            .responses
            .insert(name.into(), response);
    }
}

/// The document as committed in `openapi/openapi.json`: pretty JSON with a final newline.
pub fn to_pretty_json(document: &utoipa::openapi::OpenApi) -> String {
    let mut json = document
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}

/// Every operation a path item declares, whatever its method.
fn operations_mut(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.options.as_mut(),
        item.head.as_mut(),
        item.patch.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}
