//! Cross-cutting conventions: CORS, back-pressure from the pool, problem+json everywhere.

use std::time::Duration;

use mathshub::db::PoolSettings;

use crate::helpers::{TestApp, TestDatabase, assert_problem};

#[tokio::test(flavor = "multi_thread")]
async fn cors_preflight_allows_configured_origins_and_the_api_headers() {
    let app = TestApp::spawn().await;

    let response = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/work-groups", app.address),
        )
        .header("Origin", "https://hub.example.org")
        .header("Access-Control-Request-Method", "GET")
        .header(
            "Access-Control-Request-Headers",
            "if-none-match, idempotency-key",
        )
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://hub.example.org"
    );
    let allowed = response.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        allowed.contains("if-none-match") && allowed.contains("idempotency-key"),
        "{allowed}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_exposes_paging_and_caching_headers_but_never_to_unknown_origins() {
    let app = TestApp::spawn().await;

    let allowed = app
        .client
        .get(format!("{}/api/v1/local-authorities", app.address))
        .header("Origin", "https://hub.example.org")
        .send()
        .await
        .unwrap();
    let exposed = allowed.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for header in ["etag", "link", "location", "retry-after"] {
        assert!(exposed.contains(header), "{exposed}");
    }

    let stranger = app
        .client
        .get(format!("{}/api/v1/local-authorities", app.address))
        .header("Origin", "https://evil.example.com")
        .send()
        .await
        .unwrap();
    assert!(
        stranger
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exhausted_pool_answers_503_with_retry_after_instead_of_queueing() {
    let database = TestDatabase::create().await;
    let settings = PoolSettings {
        max_size: 1,
        wait_timeout: Duration::from_millis(300),
        ..PoolSettings::default()
    };
    let app = TestApp::spawn_on(database, settings).await;
    let held = app.pool.get().await.expect("take the only connection");

    let response = app.get("/api/v1/local-authorities").await;

    assert_eq!(response.headers()["retry-after"], "1");
    let problem = assert_problem(response, 503).await;
    assert!(
        !problem.to_string().contains("pool"),
        "internals stay out of the answer: {problem}"
    );
    drop(held);
    app.get_json("/api/v1/local-authorities", 200).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_statement_past_the_timeout_answers_503() {
    let database = TestDatabase::create().await;
    let settings = PoolSettings {
        statement_timeout: Duration::from_millis(50),
        ..PoolSettings::default()
    };
    let app = TestApp::spawn_on(database, settings).await;
    // A lock held elsewhere makes the list query wait past its statement timeout.
    let mut blocker = app.database.connection().await;
    use diesel_async::SimpleAsyncConnection;
    blocker
        .batch_execute("BEGIN; LOCK TABLE local_authorities IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();

    let response = app.get("/api/v1/local-authorities").await;

    assert_problem(response, 503).await;
    blocker.batch_execute("ROLLBACK").await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_methods_and_unknown_paths_never_answer_500() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .delete(format!("{}/api/v1/local-authorities", app.address))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    assert_problem(app.get("/api/v2/anything").await, 404).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_cut_by_the_server_is_replaced_without_a_500() {
    let app = TestApp::spawn().await;
    app.get_json("/api/v1/local-authorities", 200).await;
    app.execute(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
        app.database.name
    ))
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(app.get("/api/v1/local-authorities").await.status().as_u16());
    }

    assert!(
        statuses
            .iter()
            .all(|status| *status == 200 || *status == 503),
        "{statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&200), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn single_resources_refuse_query_parameters_by_name() {
    let app = TestApp::spawn().await;
    app.execute(
        "INSERT INTO local_authorities (gss_code, name, kind, region) VALUES ('E09000009', 'Ealing', 'london_borough', 'London')",
    )
    .await;
    app.get_json("/api/v1/local-authorities/E09000009", 200)
        .await;

    let problem = assert_problem(
        app.get("/api/v1/local-authorities/E09000009?expand=hub&limit=5")
            .await,
        400,
    )
    .await;

    assert_eq!(
        crate::helpers::invalid_fields(&problem),
        ["expand", "limit"]
    );
}

/// The `ETag` of an answer.
fn tag_of(response: &reqwest::Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_answers_with_the_tag_its_get_shows_ready_for_the_next_if_match() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token("manager.lcw@demo.mathshub.invalid").await;
    let admin = app.token("admin@demo.mathshub.invalid").await;
    let created = app
        .send(
            reqwest::Method::POST,
            "/api/v1/work-groups",
            Some(&manager),
            Some(&crate::helpers::new_work_group("LCW21-15-50")),
        )
        .await;
    assert_eq!(created.status(), 201);
    let created_tag = tag_of(&created);
    let group = format!(
        "/api/v1/work-groups/{}",
        created.json::<serde_json::Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
    );
    let read = app
        .send(reqwest::Method::GET, &group, Some(&manager), None)
        .await;
    assert_eq!(tag_of(&read), created_tag, "a create and its GET disagree");
    let lead = app
        .query_text(
            "SELECT id::text AS value FROM users WHERE email = 'lead.lcw@demo.mathshub.invalid'",
            &[],
        )
        .await;
    let writes = [
        (manager.as_str(), group, serde_json::json!({"capacity": 31})),
        (
            admin.as_str(),
            "/api/v1/hubs/london-central-and-west".to_owned(),
            serde_json::json!({"website": "https://www.example.org/lcw"}),
        ),
        (
            admin.as_str(),
            "/api/v1/projects/NCP21-15".to_owned(),
            serde_json::json!({"non_attendance_fee_pence": 8000}),
        ),
        (
            manager.as_str(),
            format!("/api/v1/leads/{lead}"),
            serde_json::json!({"bio": "Leads secondary work groups in west London."}),
        ),
        (
            admin.as_str(),
            "/api/v1/schools/137083".to_owned(),
            serde_json::json!({"postcode": "W3 9PP"}),
        ),
    ];

    for (token, path, change) in writes {
        let changed = app
            .send(reqwest::Method::PATCH, &path, Some(token), Some(&change))
            .await;
        assert_eq!(changed.status(), 200, "PATCH {path}");
        let tag = tag_of(&changed);
        let read = app
            .send(reqwest::Method::GET, &path, Some(token), None)
            .await;
        assert_eq!(tag_of(&read), tag, "PATCH {path} and GET {path} disagree");
        let again = app
            .client
            .patch(format!("{}{path}", app.address))
            .bearer_auth(token)
            .header("If-Match", tag)
            .json(&change)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 200, "PATCH {path} with the tag it answered");
    }
}
