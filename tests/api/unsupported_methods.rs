//! A method a path does not serve answers 405 with `Allow` (RFC 9110 §15.5.6), found by
//! Schemathesis's `unsupported_method` check: actix-web answered such requests 404.

use reqwest::Method;

use crate::helpers::{TestApp, assert_problem, assert_problem_saying};

async fn allow_after(app: &TestApp, method: Method, path: &str) -> String {
    let response = app.send(method, path, None, None).await;
    let allow = response
        .headers()
        .get("allow")
        .map(|value| value.to_str().expect("an ASCII Allow").to_owned());
    assert_problem_saying(response, 405, "it answers").await;
    allow.expect("an Allow header")
}

#[tokio::test(flavor = "multi_thread")]
async fn unsupported_method_returns_405_with_allow_when_the_path_is_served() {
    let app = TestApp::spawn().await;

    assert_eq!(
        allow_after(&app, Method::TRACE, "/api/v1/work-groups").await,
        "GET, POST"
    );
    assert_eq!(
        allow_after(&app, Method::PUT, "/api/v1/work-groups/not-even-an-id").await,
        "GET, PATCH"
    );
    assert_eq!(
        allow_after(
            &app,
            Method::POST,
            "/api/v1/hubs/london-central-and-west/local-authorities/E09000009"
        )
        .await,
        "GET, PUT, DELETE"
    );
    assert_eq!(
        allow_after(&app, Method::DELETE, "/api/v1/calendars/abc.ics").await,
        "GET"
    );
    assert_eq!(allow_after(&app, Method::POST, "/readyz").await, "GET");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_path_returns_404_without_allow_whatever_the_method() {
    let app = TestApp::spawn().await;

    for method in [Method::GET, Method::TRACE, Method::DELETE] {
        let response = app.send(method, "/api/v1/nothing-here", None, None).await;
        assert!(response.headers().get("allow").is_none());
        assert_problem(response, 404).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unsupported_method_returns_405_when_a_template_would_match_a_fixed_path() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token("admin@demo.mathshub.invalid").await;

    // `/schools/{urn}` takes PATCH, but `/schools/import` is a path of its own.
    let response = app
        .send(
            Method::PATCH,
            "/api/v1/schools/import",
            Some(&admin),
            Some(&serde_json::json!({})),
        )
        .await;
    assert_eq!(response.headers()["allow"], "POST");
    assert_problem(response, 405).await;
}
