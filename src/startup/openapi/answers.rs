//! What every answer may carry besides what its operation declares: the opaque 500 of a fault
//! of ours, the CORS middleware's `Access-Control-Allow-Origin`, and the form of each header
//! the code writes (OWASP's API Security rules ask the document to state them, and Schemathesis
//! checks every answer against what is stated).

use utoipa::openapi::path::Operation;
use utoipa::openapi::{HeaderBuilder, ObjectBuilder, OpenApi, Ref, RefOr, Response, Type};

/// Any operation can meet a fault of ours: it answers an opaque 500 (`ApiError::Internal`),
/// the cause logged, never shown.
pub fn declare_internal_errors(document: &mut OpenApi) {
    for operation in operations(document) {
        operation
            .responses
            .responses
            .entry("500".into())
            .or_insert_with(|| Ref::from_response_name("InternalError").into());
    }
}

/// The CORS middleware (`startup::cors`) adds `Access-Control-Allow-Origin` to the answer of a
/// request from an allowed origin, whatever the operation: declared once under
/// `components/headers` and referred to from every response.
pub fn declare_cors_origin(document: &mut OpenApi) {
    const NAME: &str = "Access-Control-Allow-Origin";

    let header = HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                // A scheme, a host name (at most 253 characters) and a port.
                .max_length(Some(300))
                .pattern(Some("^https?://[^/\\s]+$")),
        ))
        .description(Some(
            "The request's `Origin`, echoed when it is one of the origins the server is \
             configured to allow (`MATHSHUB_CORS_ORIGINS`); absent otherwise.",
        ))
        .build();
    let components = document.components.get_or_insert_with(Default::default);
    components.headers.insert(NAME.into(), header.into());
    let reference = RefOr::Ref(Ref::new(format!("#/components/headers/{NAME}")));
    for response in responses(document) {
        response
            .headers
            .entry(NAME.into())
            .or_insert_with(|| reference.clone());
    }
}

/// The greatest length and the form of each text header the API answers with, as the code
/// writes it; operations declare a header by name, and this states its form once.
const HEADER_FORMS: &[(&str, usize, &str)] = &[
    // `http::middleware::etag::entity_tag`: the first 16 bytes of a SHA-256 in hex, quoted.
    ("ETag", 34, "^\"[0-9a-f]{32}\"$"),
    // A path under /api/v1 built from ids, codes and slugs (each of at most 100 characters).
    ("Location", 255, "^/api/v1/[!-~]+$"),
    // `http::extract::paging::next_page_link`: the request's own path and query (which actix-http
    // holds to 128 KiB) with the next cursor, the query encoded afresh (each byte at most
    // three characters).
    ("Link", 3 * 131_072 + 64, "^</[!-~]+>; rel=\"next\"$"),
    // `<code>.ics`, `<slug>.ics`, `<code>-enrolments.csv`, `reach-<year>-<slug>.csv`: codes
    // and slugs are bounded (`openapi::vocabulary`).
    (
        "Content-Disposition",
        160,
        "^attachment; filename=\"[A-Za-z0-9._-]+\"$",
    ),
    // `no-cache`, `no-store`, `private, no-store`.
    ("Cache-Control", 32, "^[a-z-]+(, [a-z-]+)*$"),
    // `accept`, and what the CORS middleware appends (`Origin, Access-Control-Request-Method,
    // Access-Control-Request-Headers`).
    ("Vary", 128, "^[A-Za-z-]+(, [A-Za-z-]+)*$"),
    ("WWW-Authenticate", 32, "^Bearer realm=\"mathshub\"$"),
];

/// States the form of every text header in `HEADER_FORMS`, and bounds `Retry-After`: the
/// answers count its seconds in a `u32` (`ApiError::TooManyRequests`, and `1` on a 503).
pub fn bound_response_headers(document: &mut OpenApi) {
    use utoipa::openapi::Schema;

    for response in responses(document) {
        for (name, header) in response.headers.iter_mut() {
            let RefOr::T(header) = header else {
                continue;
            };
            let Some(RefOr::T(Schema::Object(schema))) = &mut header.schema else {
                continue;
            };
            if name == "Retry-After" {
                schema.maximum = Some(u32::MAX.into());
            } else if let Some((_, max_length, pattern)) =
                HEADER_FORMS.iter().find(|(form, _, _)| form == name)
            {
                schema.max_length.get_or_insert(*max_length);
                schema.pattern.get_or_insert_with(|| (*pattern).to_owned());
            }
        }
    }
}

/// Every operation of the document.
fn operations(document: &mut OpenApi) -> impl Iterator<Item = &mut Operation> {
    document
        .paths
        .paths
        .values_mut()
        .flat_map(super::operations_mut)
}

/// Every response written out in the document: those the operations declare inline and the
/// shared ones under `components/responses`.
fn responses(document: &mut OpenApi) -> impl Iterator<Item = &mut Response> {
    let inline = document
        .paths
        .paths
        .values_mut()
        .flat_map(super::operations_mut)
        .flat_map(|operation| operation.responses.responses.values_mut());
    let shared = document
        .components
        .iter_mut()
        .flat_map(|components| components.responses.values_mut());
    inline.chain(shared).filter_map(|response| match response {
        RefOr::T(response) => Some(response),
        RefOr::Ref(_) => None,
    })
}
