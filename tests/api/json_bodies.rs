//! JSON request bodies as the document describes them: objects (serde would read a struct
//! from an array of its fields, which Schemathesis's negative data check found accepted), whose
//! whole numbers are integers however they are written (JSON Schema counts `2.0` as the
//! integer 2, which Schemathesis's positive data check found refused).

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem, etag_of, invalid_fields};

#[tokio::test(flavor = "multi_thread")]
async fn update_returns_400_and_changes_nothing_when_the_body_is_an_array() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token("admin@demo.mathshub.invalid").await;
    let path = "/api/v1/hubs/london-central-and-west";
    let etag = etag_of(&app, path).await;

    let response = app
        .client
        .patch(format!("{}{path}", app.address))
        .bearer_auth(&admin)
        .header("If-Match", &etag)
        .json(&json!(["Renamed Hub", null]))
        .send()
        .await
        .expect("request");

    let problem = assert_problem(response, 400).await;
    assert_eq!(invalid_fields(&problem), ["body"]);
    assert_eq!(etag_of(&app, path).await, etag, "the hub changed");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_400_when_the_body_is_not_an_object() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token("admin@demo.mathshub.invalid").await;
    let partner_clients = "SELECT count(*) AS count FROM partner_clients";
    let before = app.query_count(partner_clients, &[]).await;

    for body in [json!([]), json!("text"), json!(42)] {
        let response = app
            .send(Method::POST, "/api/v1/partners", Some(&admin), Some(&body))
            .await;
        let problem = assert_problem(response, 400).await;
        assert_eq!(invalid_fields(&problem), ["body"], "{body}");
    }
    assert_eq!(app.query_count(partner_clients, &[]).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_whole_number_written_with_a_fraction_or_an_exponent_is_an_integer() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token("admin@demo.mathshub.invalid").await;
    let path = "/api/v1/projects/NCP21-15";

    let changes = json!({"cost_pence": 2.5e3, "session_days": 2.0});
    let response = app
        .send(Method::PATCH, path, Some(&admin), Some(&changes))
        .await;
    let project = crate::helpers::json_body(response, 200).await;
    assert_eq!(
        (&project["cost_pence"], &project["session_days"]),
        (&json!(2500), &json!(2))
    );

    let etag = etag_of(&app, path).await;
    let fraction = json!({"session_days": 2.5});
    let response = app
        .send(Method::PATCH, path, Some(&admin), Some(&fraction))
        .await;
    let problem = assert_problem(response, 400).await;
    assert_eq!(invalid_fields(&problem), ["body"]);
    assert_eq!(etag_of(&app, path).await, etag, "the project changed");
}
