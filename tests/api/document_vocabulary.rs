//! The document says what the handlers accept: each identifier, short text and number of the
//! API's vocabulary carries the pattern, enum, format or range its parser enforces. Schemathesis
//! found schema-valid requests refused (a `hub` of any text, a `capacity` of 0) and refused
//! ones accepted, where the document said only `type: string` or `integer`.

use serde_json::Value;

use crate::helpers::TestApp;

async fn served_document() -> Value {
    let app = TestApp::spawn().await;
    app.get("/api-docs/openapi.json")
        .await
        .json()
        .await
        .expect("a JSON document")
}

/// A schema says more than its type: a pattern, an enum, a format or a reference.
fn is_shaped(schema: &Value) -> bool {
    ["pattern", "enum", "format", "$ref"]
        .iter()
        .any(|keyword| schema.get(keyword).is_some())
}

#[tokio::test(flavor = "multi_thread")]
async fn identifier_parameters_declare_the_shape_their_handlers_parse() {
    let document = served_document().await;
    let identifiers = [
        "slug",
        "hub",
        "teaching_school_hub",
        "referred_by",
        "code",
        "local_authority",
        "parent",
        "urn",
        "school",
        "project",
        "academic_year",
        "region",
        "q",
        "action",
        "object_type",
        "object_id",
        "cursor",
        "since",
        "status",
    ];

    let mut unshaped = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap_or_default();
                if identifiers.contains(&name) && !is_shaped(&parameter["schema"]) {
                    unshaped.push(format!("{method} {path} {name}"));
                }
            }
        }
    }
    assert!(unshaped.is_empty(), "no shape declared: {unshaped:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn request_fields_declare_the_rules_their_handlers_enforce() {
    let document = served_document().await;
    let schemas = &document["components"]["schemas"];
    let field = |schema: &str, name: &str| schemas[schema]["properties"][name].clone();

    let capacity = field("NewWorkGroup", "capacity");
    assert_eq!(
        (&capacity["minimum"], &capacity["maximum"]),
        (&1.into(), &500.into())
    );
    assert_eq!(field("ProjectChanges", "session_days")["maximum"], 7);
    assert_eq!(field("NewProject", "phases")["minItems"], 1);
    assert_eq!(field("NewSession", "starts_at")["format"], "date-time");
    assert_eq!(
        field("ClientCredentialsRequest", "grant_type")["enum"],
        serde_json::json!(["client_credentials"])
    );
    assert_eq!(field("NewUser", "school_urn")["pattern"], "^[1-9][0-9]{5}$");
    assert_eq!(field("NewHub", "slug")["maxLength"], 100);
    assert!(
        field("NewLocalAuthority", "region")["enum"]
            .as_array()
            .is_some_and(|regions| regions.contains(&"London".into()))
    );
    assert_eq!(
        field("NewTeachingSchoolHub", "area")["items"]["pattern"],
        "^E(0[6-9]|10)[0-9]{6}$"
    );
    assert_eq!(
        field("FeeWaiver", "reason")["pattern"],
        "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
    );
    assert_eq!(field("NewUser", "password")["minLength"], 12);
    assert_eq!(field("NewSession", "notes")["pattern"], "^[^\\u0000]*$");
    let reason = field("SessionCancellation", "reason");
    assert_eq!(
        (&reason["maxLength"], &reason["pattern"]),
        (&500.into(), &field("FeeWaiver", "reason")["pattern"])
    );
}

/// Each text's greatest length is stated (OWASP's API4 string limit), as its parser holds it:
/// the longest match of a bounded pattern, a UUID's 36 characters, an RFC 3339 time's 64, the
/// free texts' and secrets' own limits.
#[tokio::test(flavor = "multi_thread")]
async fn texts_state_the_greatest_length_their_handlers_take() {
    let document = served_document().await;
    let schemas = &document["components"]["schemas"];
    let field = |schema: &str, name: &str| schemas[schema]["properties"][name]["maxLength"].clone();
    let parameter = |path: &str, method: &str, name: &str| {
        document["paths"][path][method]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|parameter| parameter["name"] == name)
            .map(|parameter| parameter["schema"]["maxLength"].clone())
            .unwrap_or_default()
    };

    assert_eq!(field("NewUser", "school_urn"), 6);
    // Eight letters, two digits, `-` and three digits: `[A-Z]{2,8}[0-9]{2}-[0-9]{1,3}`.
    assert_eq!(field("NewWorkGroup", "project"), 14);
    assert_eq!(field("NewProject", "academic_year"), "2021/22".len());
    assert_eq!(
        schemas["NewTeachingSchoolHub"]["properties"]["area"]["items"]["maxLength"],
        9
    );
    assert_eq!(field("AttendanceInput", "enrolment_id"), 36);
    assert_eq!(field("NewSession", "starts_at"), 64);
    assert_eq!(field("VenueInput", "postcode"), 16);
    assert_eq!(field("NewWorkGroup", "description"), 10_000);
    assert_eq!(field("ExpressionOfInterest", "statement"), 2_000);
    assert_eq!(field("RefreshRequest", "refresh_token"), 1024);
    assert_eq!(parameter("/api/v1/schools/{urn}", "get", "urn"), 6);
    assert_eq!(parameter("/api/v1/work-groups/{id}", "get", "id"), 36);
    assert_eq!(parameter("/api/v1/sessions", "get", "from"), 64);
    assert_eq!(parameter("/api/v1/hubs/{slug}", "patch", "If-Match"), 1024);
    assert_eq!(parameter("/api/v1/partners/me/changes", "get", "since"), 37);
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            for cursor in operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|parameter| parameter["name"] == "cursor")
            {
                assert!(
                    cursor["schema"]["maxLength"].as_u64().is_some(),
                    "{method} {path}: {cursor}"
                );
            }
        }
    }
}

/// Every list in a request body is capped as its handler caps it (`FieldErrors::parse_each`):
/// a list of a vocabulary's values holds each value at most once, so at most as many items as
/// the vocabulary has (a repeat answers 422); a list of free text states its own cap.
#[tokio::test(flavor = "multi_thread")]
async fn request_lists_state_how_many_items_they_take() {
    let document = served_document().await;
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    let enum_size = |reference: &str| {
        let name = reference.rsplit('/').next().unwrap_or_default();
        schemas[name]["enum"].as_array().map(Vec::len)
    };

    let mut wrong = Vec::new();
    for (name, schema) in schemas {
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            let is_list = property["type"] == "array"
                || property["type"]
                    .as_array()
                    .is_some_and(|types| types.contains(&"array".into()));
            if !is_list || name.ends_with("Page") || !is_request_schema(&document, name) {
                continue;
            }
            let max_items = property["maxItems"].as_u64().map(|max| max as usize);
            let expected = match property["items"]["$ref"].as_str().and_then(enum_size) {
                Some(size) => max_items == Some(size),
                None => max_items.is_some(),
            };
            if !expected {
                wrong.push(format!("{name}.{field}: maxItems {max_items:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "lists without their cap: {wrong:#?}");
}

/// Whether an operation's request body refers to the schema, directly or through another.
fn is_request_schema(document: &Value, name: &str) -> bool {
    let reference = format!("\"#/components/schemas/{name}\"");
    let mut bodies = Vec::new();
    for item in document["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("a path item").values() {
            bodies.push(operation["requestBody"].to_string());
        }
    }
    let mentioned_in_bodies = bodies.iter().any(|body| body.contains(&reference));
    let mentioned_in_a_request_schema = document["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .iter()
        .filter(|(other, _)| other.as_str() != name)
        .any(|(other, schema)| {
            schema.to_string().contains(&reference)
                && bodies
                    .iter()
                    .any(|body| body.contains(&format!("\"#/components/schemas/{other}\"")))
        });
    mentioned_in_bodies || mentioned_in_a_request_schema
}
