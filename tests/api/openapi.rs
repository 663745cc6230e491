use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::TestApp;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[tokio::test(flavor = "multi_thread")]
async fn served_document_is_the_committed_one() {
    let app = TestApp::spawn().await;

    let served = app
        .get("/api-docs/openapi.json")
        .await
        .text()
        .await
        .unwrap();

    let served: Value = serde_json::from_str(&served).unwrap();
    let committed: Value = serde_json::from_str(COMMITTED).unwrap();
    assert!(
        served == committed,
        "openapi/openapi.json is stale: regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn cli_document_is_byte_for_byte_the_committed_file() {
    assert_eq!(
        mathshub::startup::openapi::to_pretty_json(&mathshub::startup::openapi::document()),
        COMMITTED
    );
}

#[test]
fn every_operation_is_documented_with_its_errors() {
    let document: Value = serde_json::from_str(COMMITTED).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let name = format!("{method} {path}");
            for key in ["summary", "description", "operationId"] {
                assert!(
                    operation[key].as_str().is_some_and(|text| !text.is_empty()),
                    "{name} lacks {key}"
                );
            }
            assert!(
                operation["tags"]
                    .as_array()
                    .is_some_and(|tags| !tags.is_empty()),
                "{name} lacks a tag"
            );
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                ["200", "201", "202", "204"]
                    .iter()
                    .any(|status| responses.contains_key(*status)),
                "{name} lacks its success answer"
            );
            let schemes = operation["security"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let takes_bearer = schemes.iter().any(|scheme| scheme.get("bearer").is_some());
            // `{}` among the requirements: a token is optional (it shows the caller more).
            let anonymous_allowed = schemes.is_empty()
                || schemes
                    .iter()
                    .any(|scheme| scheme.as_object().is_some_and(|s| s.is_empty()));
            let secured = takes_bearer && !anonymous_allowed;
            if takes_bearer {
                assert!(responses.contains_key("401"), "{name} lacks its 401");
            }
            // Every change needs a token (signing in aside), and so does reading accounts,
            // credentials, enrolments, registers, fees, reports and a school's contacts.
            let protected_path = (method != "get" && !path.starts_with("/api/v1/auth/"))
                || [
                    "/api/v1/users",
                    "/api/v1/partners",
                    "/api/v1/me",
                    "/api/v1/enrolments",
                    "/api/v1/audit",
                    "/api/v1/messages",
                    "/api/v1/fees",
                    "/api/v1/reports",
                ]
                .iter()
                .any(|prefix| path.starts_with(prefix))
                || path.ends_with("/enrolments")
                || path.ends_with("/attendance")
                || path.ends_with("/schools-not-reached")
                || path.ends_with("/contacts")
                || path.ends_with("/fees")
                || path.ends_with("/fee-totals")
                || path.ends_with("}/signposting");
            assert_eq!(secured, protected_path, "{name}: bearer security");
            if secured {
                assert!(responses.contains_key("401"), "{name} lacks its 401");
                // Anyone signed in may read who they are; everything else can be refused.
                if name != "get /api/v1/me" {
                    assert!(responses.contains_key("403"), "{name} lacks its 403");
                }
            }
            if path.starts_with("/api/v1") {
                for status in ["400", "503"] {
                    assert!(responses.contains_key(status), "{name} lacks its {status}");
                }
                if path.contains('{') {
                    assert!(responses.contains_key("404"), "{name} lacks its 404");
                }
            }
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                assert!(
                    parameter["schema"].is_object(),
                    "{name}: parameter {} has no schema",
                    parameter["name"]
                );
            }
        }
    }
}

#[test]
fn every_post_but_signing_in_takes_an_idempotency_key_and_declares_its_answers() {
    let document: Value = serde_json::from_str(COMMITTED).unwrap();
    let mut creates = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        let Some(post) = operations.get("post") else {
            continue;
        };
        if path.starts_with("/api/v1/auth/") {
            continue;
        }
        creates += 1;
        let parameters = post["parameters"].as_array().cloned().unwrap_or_default();
        assert!(
            parameters
                .iter()
                .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"),
            "POST {path} takes no Idempotency-Key"
        );
        for status in ["409", "422"] {
            assert!(
                post["responses"].get(status).is_some(),
                "POST {path} does not declare {status}"
            );
        }
    }
    assert!(creates >= 20, "only {creates} POST operations found");
}

#[test]
fn enumerations_show_the_values_the_api_sends() {
    // Values are the database texts: lowercase, never a Rust variant name such as `Post16`.
    let document: Value = serde_json::from_str(COMMITTED).unwrap();
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        if name == "Currency" {
            continue; // ISO 4217 codes are upper case: `GBP`.
        }
        for value in schema["enum"].as_array().into_iter().flatten() {
            let value = value.as_str().unwrap();
            assert_eq!(value, value.to_lowercase(), "{name} lists {value}");
        }
    }
    let phases = &document["components"]["schemas"]["ProgrammePhase"]["enum"];
    assert_eq!(
        phases,
        &serde_json::json!(["early_years", "primary", "secondary", "post_16"])
    );
}

#[test]
fn every_reference_resolves() {
    let document: Value = serde_json::from_str(COMMITTED).unwrap();
    let mut references = BTreeSet::new();
    collect_references(&document, &mut references);
    for reference in references {
        let pointer = reference.trim_start_matches('#');
        assert!(
            document.pointer(pointer).is_some(),
            "dangling reference {reference}"
        );
    }
}

/// The names of the component schemas a request refers to (a request body or a parameter),
/// directly or through other schemas.
fn request_schema_names(document: &Value) -> BTreeSet<String> {
    let schemas = &document["components"]["schemas"];
    let mut pending = BTreeSet::new();
    for operation in operations(document) {
        collect_references(&operation["requestBody"], &mut pending);
        collect_references(&operation["parameters"], &mut pending);
    }
    let mut names = BTreeSet::new();
    while let Some(reference) = pending.pop_first() {
        let Some(name) = reference.strip_prefix("#/components/schemas/") else {
            continue;
        };
        if names.insert(name.to_owned()) {
            collect_references(&schemas[name], &mut pending);
        }
    }
    names
}

fn operations(document: &Value) -> impl Iterator<Item = &Value> {
    document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
}

/// The Spectral exception for answers (openapi/spectral.yaml) turns OWASP's limit rules off
/// for schemas only answers use: it must never cover a schema a request body or parameter
/// refers to, or it would hide unbounded input.
#[test]
fn the_lint_exception_for_answer_schemas_names_no_schema_a_request_uses() {
    const MARKER: &str = "schemas that only answers use";
    let document: Value = serde_json::from_str(COMMITTED).unwrap();
    let used_by_requests = request_schema_names(&document);
    assert!(used_by_requests.contains("NewWorkGroup") && used_by_requests.contains("VenueInput"));

    let rules = include_str!("../../openapi/spectral.yaml");
    let start = rules
        .find(MARKER)
        .expect("openapi/spectral.yaml has the exception for answer schemas");
    let block = rules[start..].split("\n  - files:").nth(1).unwrap();
    let block = block.split("\n    rules:").next().unwrap();
    let excepted: Vec<&str> = block
        .lines()
        .filter_map(|line| line.split("openapi.json#/components/schemas/").nth(1))
        .map(|name| name.trim_end_matches('"'))
        .collect();
    assert!(excepted.len() > 50, "{excepted:?}");
    for name in excepted {
        assert!(
            document["components"]["schemas"].get(name).is_some(),
            "{name} is no schema"
        );
        assert!(
            !used_by_requests.contains(name),
            "{name} is used by a request, so the limit rules must apply to it"
        );
    }
}

/// Every value a request may carry is bounded in the document, as its handler bounds it
/// (tests/api/request_limits.rs): strings by `maxLength` or an enumeration, lists by
/// `maxItems`, integers by `minimum` and `maximum`. Holds for requests added later, linted or
/// not. The two exceptions are listed in openapi/spectral.yaml with their reasons: a personal
/// calendar's secret (any wrong one answers 404) and the GIAS CSV upload (bounded in bytes).
#[test]
fn every_request_value_is_bounded() {
    let document: Value = serde_json::from_str(COMMITTED).unwrap();
    let mut unbounded = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let at = format!("{method} {path} {}", parameter["name"]);
                if at != "get /api/v1/calendars/{secret}.ics \"secret\"" {
                    find_unbounded(&parameter["schema"], &at, &mut unbounded);
                }
            }
            for (media_type, content) in operation["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
            {
                if media_type != "text/csv" {
                    let at = format!("{method} {path} {media_type}");
                    find_unbounded(&content["schema"], &at, &mut unbounded);
                }
            }
        }
    }
    for name in request_schema_names(&document) {
        let at = format!("#/components/schemas/{name}");
        find_unbounded(
            &document["components"]["schemas"][&name],
            &at,
            &mut unbounded,
        );
    }
    assert!(
        unbounded.is_empty(),
        "unbounded request values: {unbounded:#?}"
    );
}

fn find_unbounded(schema: &Value, at: &str, into: &mut Vec<String>) {
    if !schema.is_object() {
        return;
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let has = |key: &str| schema.get(key).is_some();
    if types.contains(&"string") && !has("maxLength") && !has("enum") && !has("const") {
        into.push(format!("{at}: a string without maxLength"));
    }
    if types.contains(&"array") && !has("maxItems") {
        into.push(format!("{at}: a list without maxItems"));
    }
    if types.contains(&"integer") && !(has("minimum") && has("maximum")) {
        into.push(format!("{at}: an integer without minimum and maximum"));
    }
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        find_unbounded(property, &format!("{at}/{name}"), into);
    }
    find_unbounded(&schema["items"], &format!("{at}/items"), into);
    for alternatives in ["oneOf", "anyOf", "allOf"] {
        for alternative in schema[alternatives].as_array().into_iter().flatten() {
            find_unbounded(alternative, at, into);
        }
    }
}

fn collect_references(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                into.insert(reference.clone());
            }
            map.values()
                .for_each(|child| collect_references(child, into));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|child| collect_references(child, into)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn swagger_ui_is_served_from_vendored_assets() {
    let app = TestApp::spawn().await;
    let page = app.get("/swagger-ui/").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("swagger"));
    assert_eq!(
        app.get("/swagger-ui/swagger-ui-bundle.js").await.status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn links_lead_from_a_new_work_group_through_its_sessions_to_an_enrolment() {
    let document = mathshub::startup::openapi::document();
    let document = serde_json::to_value(&document).unwrap();
    let links = |path: &str, status: &str| {
        document["paths"][path]["post"]["responses"][status]["links"]
            .as_object()
            .map(|links| links.keys().cloned().collect::<BTreeSet<_>>())
            .unwrap_or_default()
    };

    assert!(links("/api/v1/work-groups", "201").contains("create_session"));
    assert!(links("/api/v1/work-groups/{id}/sessions", "201").contains("open_work_group"));
    assert!(links("/api/v1/work-groups/{id}/open", "200").contains("express_interest"));
    assert!(links("/api/v1/work-groups/{id}/enrolments", "201").contains("accept_enrolment"));
    let operation_ids: BTreeSet<String> = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|operation| operation["operationId"].as_str().map(str::to_owned))
        .collect();
    for path in ["/api/v1/work-groups", "/api/v1/work-groups/{id}/enrolments"] {
        for target in links(path, "201") {
            assert!(
                operation_ids.contains(&target),
                "{path} links to unknown {target}"
            );
        }
    }
}
