//! Every limit the document states on a request is the limit its handler enforces: a value
//! over a field's `maxLength` answers 400 naming the field and changes nothing, and a value of
//! exactly that length is taken (OWASP's API4 rules ask for the limits; Schemathesis holds the
//! handlers to them). The limits are read from the served document, so the two cannot drift.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, invalid_fields, json_body, new_work_group, reference_data,
    send_if_match,
};

const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const ADMIN: &str = "admin@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";

async fn document(app: &TestApp) -> Value {
    app.get_json("/api-docs/openapi.json", 200).await
}

/// The `maxLength` the document states for a field of a request schema.
fn max_length(document: &Value, schema: &str, field: &str) -> usize {
    let property = &document["components"]["schemas"][schema]["properties"][field];
    let property = if property["items"].is_object() {
        &property["items"]
    } else {
        property
    };
    property["maxLength"]
        .as_u64()
        .unwrap_or_else(|| panic!("{schema}.{field} states no maxLength: {property}")) as usize
}

/// The `maxLength` the document states for a parameter of an operation.
fn parameter_max_length(document: &Value, path: &str, method: &str, name: &str) -> usize {
    document["paths"][path][method]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|parameter| parameter["name"] == name)
        .and_then(|parameter| parameter["schema"]["maxLength"].as_u64())
        .unwrap_or_else(|| panic!("{method} {path} states no maxLength for {name}")) as usize
}

async fn work_groups(app: &TestApp) -> i64 {
    app.query_count("SELECT count(*) AS count FROM work_groups", &[])
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn create_work_group_returns_400_naming_every_field_over_its_documented_length() {
    // Arrange
    let app = TestApp::spawn_with_demo().await;
    let document = document(&app).await;
    let manager = app.token(MANAGER).await;
    let description = max_length(&document, "NewWorkGroup", "description");
    let address = max_length(&document, "VenueInput", "address");
    let postcode = max_length(&document, "VenueInput", "postcode");
    let deadline = max_length(&document, "NewWorkGroup", "eoi_deadline");
    let mut over = new_work_group("LCW21-15-81");
    over["description"] = json!("d".repeat(description + 1));
    over["venue"]["address"] = json!("a".repeat(address + 1));
    over["venue"]["postcode"] = json!(format!("W3 9PP{}", " ".repeat(postcode - 5)));
    over["eoi_deadline"] = json!(format!(
        "2099-11-01T23:59:00.{}+00:00",
        "0".repeat(deadline)
    ));
    let before = work_groups(&app).await;

    // Act
    let refused = app
        .send(
            Method::POST,
            "/api/v1/work-groups",
            Some(&manager),
            Some(&over),
        )
        .await;

    // Assert
    let problem = assert_problem(refused, 400).await;
    assert_eq!(
        invalid_fields(&problem),
        [
            "eoi_deadline",
            "description",
            "venue.address",
            "venue.postcode"
        ]
    );
    assert_eq!(work_groups(&app).await, before);

    let mut at_the_limits = new_work_group("LCW21-15-81");
    at_the_limits["description"] = json!("d".repeat(description));
    at_the_limits["venue"]["address"] = json!("a".repeat(address));
    at_the_limits["venue"]["postcode"] = json!(format!("w39pp{}", " ".repeat(postcode - 5)));
    let created = json_body(
        app.send(
            Method::POST,
            "/api/v1/work-groups",
            Some(&manager),
            Some(&at_the_limits),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        created["description"].as_str().map(str::len),
        Some(description)
    );
    assert_eq!(
        created["venue"]["postcode"], "W3 9PP",
        "kept in standard form"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_session_returns_400_when_its_notes_are_over_their_documented_length() {
    let app = TestApp::spawn_with_demo().await;
    let document = document(&app).await;
    let manager = app.token(MANAGER).await;
    let mut body = new_work_group("LCW21-15-82");
    body["eoi_deadline"] = json!("2022-01-01T12:00:00+00:00");
    let group = json_body(
        app.send(
            Method::POST,
            "/api/v1/work-groups",
            Some(&manager),
            Some(&body),
        )
        .await,
        201,
    )
    .await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let path = format!("/api/v1/work-groups/{group}/sessions");
    let notes = max_length(&document, "NewSession", "notes");
    let session = |notes: String| {
        json!({
            "kind": "workshop", "mode": "face_to_face",
            "starts_at": "2022-01-12T09:30:00Z", "ends_at": "2022-01-12T14:30:00Z",
            "venue": {"name": "Twyford Church of England High School", "postcode": "W3 9PP"},
            "notes": notes,
        })
    };

    let refused = app
        .send(
            Method::POST,
            &path,
            Some(&manager),
            Some(&session("n".repeat(notes + 1))),
        )
        .await;
    assert_eq!(
        invalid_fields(&assert_problem(refused, 400).await),
        ["notes"]
    );
    assert_eq!(
        app.query_count(
            "SELECT count(*) AS count FROM sessions WHERE work_group_id = $1::uuid",
            &[&group]
        )
        .await,
        0
    );
    let added = app
        .send(
            Method::POST,
            &path,
            Some(&manager),
            Some(&session("n".repeat(notes))),
        )
        .await;
    assert_eq!(added.status(), 201);
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_over_their_documented_length_answer_400_naming_each() {
    let app = TestApp::spawn_with_demo().await;
    let document = document(&app).await;
    let secret = max_length(&document, "RefreshRequest", "refresh_token");
    let long = "s".repeat(secret + 1);

    for path in ["/api/v1/auth/refresh", "/api/v1/auth/logout"] {
        let answer = app
            .send(
                Method::POST,
                path,
                None,
                Some(&json!({"refresh_token": long})),
            )
            .await;
        assert_eq!(
            invalid_fields(&assert_problem(answer, 400).await),
            ["refresh_token"],
            "{path}"
        );
    }
    let token = app
        .client
        .post(format!("{}/api/v1/auth/token", app.address))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", long.as_str()),
            ("client_secret", long.as_str()),
            ("scope", long.as_str()),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(
        invalid_fields(&assert_problem(token, 400).await),
        ["client_id", "client_secret", "scope"]
    );

    let password = max_length(&document, "LoginRequest", "password");
    let login = app.login(ADMIN, &"p".repeat(password + 1)).await;
    assert_eq!(
        invalid_fields(&assert_problem(login, 400).await),
        ["password"]
    );
    let login = app.login("not an email", "long enough, but wrong").await;
    assert_eq!(invalid_fields(&assert_problem(login, 400).await), ["email"]);

    let teacher = app.token(TEACHER).await;
    let before = app
        .query_text(
            "SELECT password_hash AS value FROM users WHERE email = $1",
            &[TEACHER],
        )
        .await;
    let change = json!({"password": "a new passphrase", "current_password": long});
    let refused = app
        .send(Method::PATCH, "/api/v1/me", Some(&teacher), Some(&change))
        .await;
    assert_eq!(
        invalid_fields(&assert_problem(refused, 400).await),
        ["current_password"]
    );
    let after = app
        .query_text(
            "SELECT password_hash AS value FROM users WHERE email = $1",
            &[TEACHER],
        )
        .await;
    assert_eq!(before, after);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_returns_400_naming_an_if_match_over_its_documented_length_or_not_text() {
    let app = TestApp::spawn_with_demo().await;
    let document = document(&app).await;
    let admin = app.token(ADMIN).await;
    let path = "/api/v1/hubs/london-central-and-west";
    let longest = parameter_max_length(&document, "/api/v1/hubs/{slug}", "patch", "If-Match");
    let changes = json!({"name": "Renamed Maths Hub"});
    let before = reference_data(&app).await;

    let over = format!("\"{}\"", "0".repeat(longest - 1));
    let refused = send_if_match(&app, Method::PATCH, path, &admin, &over, Some(&changes)).await;
    assert_eq!(
        invalid_fields(&assert_problem(refused, 400).await),
        ["If-Match"]
    );
    let not_text = app
        .client
        .patch(format!("{}{path}", app.address))
        .bearer_auth(&admin)
        .header(
            "if-match",
            reqwest::header::HeaderValue::from_bytes(b"\"caf\xE9\"").expect("obs-text"),
        )
        .json(&changes)
        .send()
        .await
        .expect("request");
    assert_eq!(
        invalid_fields(&assert_problem(not_text, 400).await),
        ["If-Match"]
    );
    // Text that names no current version, however it is written, fails the precondition.
    for stale in [
        "not-a-tag".to_owned(),
        format!("W/\"0\", \"{}\"", "0".repeat(longest - 12)),
    ] {
        let refused =
            send_if_match(&app, Method::PATCH, path, &admin, &stale, Some(&changes)).await;
        assert_problem(refused, 412).await;
    }
    assert_eq!(reference_data(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn ids_and_times_answer_400_beyond_their_documented_form() {
    let app = TestApp::spawn_with_demo().await;
    let document = document(&app).await;
    let id = "01931b8e-7c2a-7d3e-9a41-3c5f0e2b7a10";
    assert_eq!(
        parameter_max_length(&document, "/api/v1/work-groups/{id}", "get", "id"),
        id.len()
    );
    for other_form in [
        format!("{{{id}}}"),
        format!("urn:uuid:{id}"),
        id.replace('-', ""),
    ] {
        let refused = app.get(&format!("/api/v1/work-groups/{other_form}")).await;
        assert_eq!(
            invalid_fields(&assert_problem(refused, 400).await),
            ["id"],
            "{other_form}"
        );
    }
    assert_problem(app.get(&format!("/api/v1/work-groups/{id}")).await, 404).await;

    let longest = parameter_max_length(&document, "/api/v1/sessions", "get", "from");
    let time = |fraction: usize| format!("2021-11-17T09:30:00.{}%2B00:00", "0".repeat(fraction));
    // `.` and the offset take 7 characters besides the fraction's digits and the 19 before.
    let over = app
        .get(&format!("/api/v1/sessions?from={}", time(longest - 25)))
        .await;
    assert_eq!(invalid_fields(&assert_problem(over, 400).await), ["from"]);
    let at = app
        .get(&format!("/api/v1/sessions?from={}", time(longest - 26)))
        .await;
    assert_eq!(at.status(), 200);
}
