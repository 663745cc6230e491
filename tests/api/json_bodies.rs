//! JSON request bodies are objects: serde would read a struct from an array of its fields,
//! which Schemathesis's negative data check found accepted.

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
