//! The OpenAPI document: its base (title, description, tags, shared error responses) is
//! declared here once; paths and schemas are collected from the handlers themselves.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, Problem};
use crate::http::problems::{
    BadRequest, Conflict, CsvTooLarge, Forbidden, IdempotencyKeyReused, InternalError,
    NotAcceptable, NotEligible, NotFound, NotLive, PayloadTooLarge, PreconditionFailed,
    TooManyRequests, Unauthorized, Unavailable, Unprocessable,
};

mod answers;
mod inline_values;
mod links;
mod vocabulary;
mod webhooks;

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
        (name = "Personal data", description = "A person's rights over their data under UK GDPR: everything held about them as one document (their own, or anyone's for admins), and erasure (admins). See docs/personal-data.md for the retention schedule."),
        (name = "Enrolments", description = "Expressions of interest and places: the participant's own, and a group's for its staff."),
        (name = "Attendance", description = "Registers of sessions, kept by each group's leads, its hub's managers and admins."),
        (name = "Fees", description = "The fee ledger: non-attendance and late-withdrawal fees schools owe (hub managers, admins)."),
        (name = "Reports", description = "The reach report: schools and participants engaged per hub, by authority, phase, project and referring Teaching School Hub (admins, hub managers, leads, partners)."),
        (name = "Partners", description = "Credentials of partner Teaching School Hubs' integrations (admins)."),
        (name = "Signposting", description = "What Teaching School Hubs signpost to their schools: each local authority's open work groups with links to express interest, and the change feed partner sites follow."),
        (name = "Webhooks", description = "Endpoints partner Teaching School Hubs register to have their area's changes posted to them as they happen, signed the Standard Webhooks way, and the deliveries made to each (see the document's `webhooks`)."),
        (name = "Audit", description = "Who changed what and when (admins)."),
        (name = "Messages", description = "The emails the service sends people when something happens to their enrolment, their sessions or their school's fees, and how each delivery went (admins)."),
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

/// The base document, before handlers add their paths.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiBase::openapi()
}

/// The whole document, exactly as the server serves it at `/api-docs/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(base())
        .configure(crate::api::configure)
        .split_for_parts();
    finish(document)
}

/// Completes the document the handlers declared with what every operation shares (keys,
/// entity tags, request ids, the vocabulary of errors).
pub fn finish(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    webhooks::declare(&mut document);
    declare_idempotency_keys(&mut document);
    declare_write_entity_tags(&mut document);
    inline_values::declare(&mut document);
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

/// Every answer, whatever its status, carries `X-Request-Id` (`http::middleware::request_scope`): the
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

/// Writes answering 200 or 201 with a resource carry its `ETag` (`http::middleware::etag`); sign-in
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

/// Every `POST` but signing in honours `Idempotency-Key` (`http::middleware::idempotency`): it takes
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
