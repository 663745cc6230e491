//! Observability: `GET /metrics` in the Prometheus text format, and the request id every answer
//! carries in `X-Request-Id`, every problem body in `request_id` and every log line written for
//! the request.

use std::time::Duration;

use mathshub::db::PoolSettings;
use reqwest::Method;
use serde_json::json;

use crate::cli::{DataDir, Server};
use crate::helpers::{TestApp, TestDatabase, assert_problem, json_body, new_work_group};

const ADMIN: &str = "admin@demo.mathshub.invalid";
const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";

/// `/metrics` as Prometheus reads it, checking its media type.
async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

/// The value of the sample of `name` whose labels include all of `labels`.
fn sample(scrape: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, label_text) = series.split_once('{').unwrap_or((series, ""));
            let matches = metric == name
                && labels
                    .iter()
                    .all(|(label, value)| label_text.contains(&format!("{label}=\"{value}\"")));
            matches.then(|| value.parse().ok()).flatten()
        })
}

/// A request with this `X-Request-Id`.
async fn send_with_id(
    app: &TestApp,
    method: Method,
    path: &str,
    request_id: &str,
) -> reqwest::Response {
    app.client
        .request(method, format!("{}{path}", app.address))
        .header("X-Request-Id", request_id)
        .send()
        .await
        .expect("request")
}

fn request_id(response: &reqwest::Response) -> String {
    response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_and_time_requests_by_route_pattern_method_and_status() {
    // Arrange
    let app = TestApp::spawn_with_demo().await;
    let unknown_group = "01931b8e-7c2a-7d3e-9a41-3c5f0e2b7a10";
    let calendar_secret = "the-secret-of-someones-calendar-feed";

    // Act
    for _ in 0..3 {
        app.get_json("/api/v1/hubs?local_authority=E07000079", 200)
            .await;
    }
    app.get_json(&format!("/api/v1/work-groups/{unknown_group}"), 404)
        .await;
    app.get(&format!("/api/v1/calendars/{calendar_secret}.ics"))
        .await;
    app.get("/api/v1/no-such-thing/at-all").await;
    app.get("/neither/this").await;
    let brew = Method::from_bytes(b"BREW").unwrap();
    app.send(brew, "/healthz", None, None).await;
    let scrape = scrape(&app).await;

    // Assert
    let hubs = [
        ("route", "/api/v1/hubs"),
        ("method", "GET"),
        ("status", "200"),
    ];
    assert_eq!(
        sample(&scrape, "mathshub_http_requests_total", &hubs),
        Some(3.0)
    );
    assert_eq!(
        sample(
            &scrape,
            "mathshub_http_request_duration_seconds_count",
            &hubs
        ),
        Some(3.0)
    );
    let all_in_the_last_bucket = [hubs.as_slice(), &[("le", "+Inf")]].concat();
    assert_eq!(
        sample(
            &scrape,
            "mathshub_http_request_duration_seconds_bucket",
            &all_in_the_last_bucket
        ),
        Some(3.0)
    );
    assert!(
        sample(&scrape, "mathshub_http_request_duration_seconds_sum", &hubs)
            .is_some_and(|seconds| seconds > 0.0)
    );
    let missing_group = [
        ("route", "/api/v1/work-groups/{id}"),
        ("method", "GET"),
        ("status", "404"),
    ];
    assert_eq!(
        sample(&scrape, "mathshub_http_requests_total", &missing_group),
        Some(1.0)
    );
    let unmatched = [("route", "unmatched"), ("status", "404")];
    assert_eq!(
        sample(&scrape, "mathshub_http_requests_total", &unmatched),
        Some(2.0)
    );
    assert!(
        sample(
            &scrape,
            "mathshub_http_requests_total",
            &[("route", "/api/v1/calendars/{secret}.ics")]
        )
        .is_some()
    );
    assert_eq!(
        sample(
            &scrape,
            "mathshub_http_requests_total",
            &[("method", "other")]
        ),
        Some(1.0)
    );
    for raw in [unknown_group, calendar_secret, "no-such-thing", "BREW"] {
        assert!(!scrape.contains(raw), "{raw} leaked into the metrics");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_show_the_pool_as_scraped_its_wait_timeouts_and_the_process() {
    // Arrange: a pool of one connection, held by the test.
    let settings = PoolSettings {
        max_size: 1,
        wait_timeout: Duration::from_millis(200),
        ..PoolSettings::default()
    };
    let app = TestApp::spawn_on(TestDatabase::create().await, settings).await;
    let held = app.pool.get().await.expect("the only connection");

    // Act
    assert_problem(app.get("/readyz").await, 503).await;
    let while_held = scrape(&app).await;
    drop(held);
    let after = scrape(&app).await;

    // Assert
    let value = |scrape: &str, name: &str| sample(scrape, name, &[]);
    assert_eq!(value(&while_held, "mathshub_db_pool_max_size"), Some(1.0));
    assert_eq!(
        value(&while_held, "mathshub_db_pool_connections"),
        Some(1.0)
    );
    assert_eq!(value(&while_held, "mathshub_db_pool_available"), Some(0.0));
    assert_eq!(value(&while_held, "mathshub_db_pool_waiting"), Some(0.0));
    assert_eq!(value(&after, "mathshub_db_pool_available"), Some(1.0));
    let timeouts = |timeout| {
        sample(
            &after,
            "mathshub_db_pool_timeouts_total",
            &[("timeout", timeout)],
        )
    };
    assert_eq!(timeouts("wait"), Some(1.0));
    assert_eq!(timeouts("create"), Some(0.0));
    assert!(value(&after, "process_resident_memory_bytes").is_some_and(|bytes| bytes > 0.0));
    assert!(value(&after, "process_cpu_seconds_total").is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_database_errors_by_kind() {
    // Arrange
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let errors =
        |scrape: &str, kind| sample(scrape, "mathshub_database_errors_total", &[("kind", kind)]);
    let before = scrape(&app).await;
    let same_slug = json!({
        "slug": "london-central-and-west", "name": "Another Maths Hub", "region": "London"
    });

    // Act: the database refuses a second hub with the slug.
    let refused = app
        .send(Method::POST, "/api/v1/hubs", Some(&admin), Some(&same_slug))
        .await;
    assert_problem(refused, 409).await;
    let after = scrape(&app).await;

    // Assert
    assert_eq!(errors(&before, "unique_violation"), Some(0.0));
    assert_eq!(errors(&after, "unique_violation"), Some(1.0));
    assert_eq!(errors(&after, "check_violation"), Some(0.0));
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_ask_for_the_metrics_token_when_one_is_configured() {
    let app = TestApp::spawn_with_metrics_token("scrape-me-with-this-token").await;

    let anonymous = app.get("/metrics").await;
    let wrong = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth("a-guess")
        .send()
        .await
        .unwrap();
    let right = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth("scrape-me-with-this-token")
        .send()
        .await
        .unwrap();

    assert_problem(anonymous, 401).await;
    assert_problem(wrong, 401).await;
    assert_eq!(right.status(), 200);
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("mathshub_http_requests_total")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_answer_carries_a_uuid_v7_request_id_when_the_client_sends_none() {
    // Arrange
    let app = TestApp::spawn_with_demo().await;
    let hubs = app.get("/api/v1/hubs").await;
    let tag = hubs.headers()["etag"].clone();

    // Act: successes, a 304, 404s of both kinds, Swagger UI, the metrics, a CORS preflight.
    let not_modified = app
        .client
        .get(format!("{}/api/v1/hubs", app.address))
        .header("If-None-Match", tag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), 304);
    let preflight = app
        .client
        .request(Method::OPTIONS, format!("{}/api/v1/hubs", app.address))
        .header("Origin", "https://hub.example.org")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    let answers = vec![
        hubs,
        not_modified,
        preflight,
        app.get("/healthz").await,
        app.get("/readyz").await,
        app.get("/api/v1/no-such-thing").await,
        app.get("/api/v1/projects/NO-SUCH-PROJECT").await,
        app.get("/swagger-ui/").await,
        app.get("/api-docs/openapi.json").await,
        app.get("/metrics").await,
    ];

    // Assert
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|answer| {
            let id = request_id(answer);
            let uuid = uuid::Uuid::parse_str(&id)
                .unwrap_or_else(|_| panic!("{} answered the id {id}", answer.url()));
            assert_eq!(uuid.get_version_num(), 7, "{id}");
            id
        })
        .collect();
    assert_eq!(ids.len(), answers.len(), "ids repeat: {ids:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sane_client_request_id_is_echoed_and_any_other_replaced() {
    let app = TestApp::spawn().await;
    let trace_id = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    let sane = send_with_id(&app, Method::GET, "/healthz", trace_id).await;
    let overlong = send_with_id(&app, Method::GET, "/healthz", &"x".repeat(129)).await;
    let spaced = send_with_id(&app, Method::GET, "/healthz", "two words").await;
    let empty = send_with_id(&app, Method::GET, "/healthz", "").await;

    assert_eq!(request_id(&sane), trace_id);
    for replaced in [overlong, spaced, empty] {
        let id = request_id(&replaced);
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn problems_of_every_origin_name_the_request_their_header_names() {
    // Arrange
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let post_json = |id: &str, body: String, key: Option<&str>| {
        let mut request = app
            .client
            .post(format!("{}/api/v1/work-groups", app.address))
            .bearer_auth(&manager)
            .header("X-Request-Id", id)
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.send()
    };
    let keyed = new_work_group("LCW21-15-41").to_string();
    json_body(
        post_json("first-use", keyed, Some("key-1")).await.unwrap(),
        201,
    )
    .await;

    // Act: problems from the default service, a handler's parsing, the token extractor, a
    // write's body (malformed, too long) and its Idempotency-Key (malformed, reused).
    let problems = [
        (
            404,
            send_with_id(&app, Method::GET, "/api/v1/nowhere", "unknown-path").await,
        ),
        (
            400,
            send_with_id(&app, Method::GET, "/api/v1/hubs?limit=0", "bad-query").await,
        ),
        (
            401,
            send_with_id(&app, Method::GET, "/api/v1/me", "no-token").await,
        ),
        (
            400,
            post_json("malformed-json", "{\"code\":".into(), None)
                .await
                .unwrap(),
        ),
        (
            413,
            post_json("too-large", format!("\"{}\"", "x".repeat(300_000)), None)
                .await
                .unwrap(),
        ),
        (
            400,
            post_json(
                "bad-key",
                new_work_group("LCW21-15-49").to_string(),
                Some("has space"),
            )
            .await
            .unwrap(),
        ),
        (
            422,
            post_json(
                "key-reused",
                new_work_group("LCW21-15-49").to_string(),
                Some("key-1"),
            )
            .await
            .unwrap(),
        ),
    ];

    // Assert: `assert_problem` checks `request_id` against the header.
    for (status, response) in problems {
        let sent = request_id(&response);
        let problem = assert_problem(response, status).await;
        assert_eq!(problem["request_id"], sent.as_str());
        assert_ne!(sent, "first-use");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_answer_carries_the_id_of_the_retry_not_of_the_first_request() {
    // Arrange
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let create = |id: &'static str| {
        app.client
            .post(format!("{}/api/v1/work-groups", app.address))
            .bearer_auth(&manager)
            .header("X-Request-Id", id)
            .header("Idempotency-Key", "replay-id")
            .json(&new_work_group("LCW21-15-42"))
            .send()
    };

    // Act
    let first = create("the-first-request").await.unwrap();
    let retry = create("the-retry").await.unwrap();

    // Assert
    assert_eq!(request_id(&first), "the-first-request");
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(request_id(&retry), "the-retry");
    assert_eq!(json_body(first, 201).await, json_body(retry, 201).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn browsers_may_send_and_read_the_request_id() {
    let app = TestApp::spawn().await;

    let preflight = app
        .client
        .request(Method::OPTIONS, format!("{}/api/v1/hubs", app.address))
        .header("Origin", "https://hub.example.org")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "x-request-id")
        .send()
        .await
        .unwrap();
    let answer = app
        .client
        .get(format!("{}/api/v1/hubs", app.address))
        .header("Origin", "https://hub.example.org")
        .send()
        .await
        .unwrap();

    assert_eq!(preflight.status(), 200);
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(allowed.contains("x-request-id"), "{allowed}");
    let exposed = answer.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn access_log_and_warning_lines_name_the_request_they_were_written_for() {
    // Arrange: the binary itself, for its logger, on a database of its own.
    let database = TestDatabase::create().await;
    let data_dir = DataDir::new();
    let mut server = Server::start_with(
        &data_dir.0,
        &[
            ("DATABASE_URL", &database.url),
            (
                "MATHSHUB_JWT_SECRET",
                "a-jwt-secret-of-at-least-thirty-two-bytes",
            ),
        ],
    );
    let port = server.port;
    let get = |path: &str, id: &str| {
        crate::helpers::client()
            .get(format!("http://127.0.0.1:{port}{path}"))
            .header("X-Request-Id", id)
            .send()
    };

    // Act: a request that succeeds, then one that fails once the database is gone.
    assert_eq!(get("/readyz", "obs-ready").await.unwrap().status(), 200);
    let access = server.wait_for("request_id=obs-ready");
    database.drop_now().await;
    assert_eq!(get("/readyz", "obs-gone").await.unwrap().status(), 503);
    let warning = server.wait_for("answering 503");
    let gone_access = server.wait_for("request_id=obs-gone");

    // Assert
    assert!(access.contains("\"GET /readyz HTTP/1.1\" 200"), "{access}");
    assert!(
        warning.contains("WARN") && warning.contains("request_id=obs-gone"),
        "{warning}"
    );
    assert!(gone_access.contains("\" 503 "), "{gone_access}");
    server.terminate();
}
