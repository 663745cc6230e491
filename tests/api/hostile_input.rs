//! Hostile input: oversized and deeply nested bodies, invalid UTF-8, huge request lines and
//! headers, absurd `limit`s, and SQL or script fragments in every text filter of every list
//! the OpenAPI document describes. Each answers 4xx (or a correct normal answer), changes
//! nothing and lets nothing of the server's internals out.

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, assert_problem, invalid_fields, new_work_group};
use crate::rights::state;

const ADMIN: &str = "admin@demo.mathshub.invalid";
const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";
const PARTNER: &str = "partner.lde@demo.mathshub.invalid";

/// Query values as sent on the wire (already percent-encoded): SQL, script, NUL bytes
/// (encoded and as JSON-style escapes), invalid UTF-8, LIKE wildcards and sheer length.
const FRAGMENTS: [&str; 10] = [
    "%27%20OR%201%3D1%20--",
    "%22%3B%20DROP%20TABLE%20hubs%3B%20--",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%00",
    "a%00b",
    "%5Cu0000",
    "%FF%FE",
    "%25",
    "%5F",
    "%27%27%27%27%27%27%27%27%27%27",
];

/// Words that would mean the server told a caller about its insides.
const LEAKS: [&str; 9] = [
    "syntax error",
    "select ",
    "diesel",
    "sqlstate",
    "postgres",
    "panicked",
    "src/",
    "backtrace",
    "<script>",
];

fn assert_no_leak(what: &str, body: &str) {
    let lower = body.to_lowercase();
    for leak in LEAKS {
        assert!(!lower.contains(leak), "{what} leaks {leak:?}: {body}");
    }
}

/// A GET of a list in the OpenAPI document, with its text-like query parameters (strings,
/// enumerations) and whether it pages with `limit`.
struct ListOperation {
    path: String,
    text_parameters: Vec<String>,
    pages: bool,
}

/// Every GET with query parameters in the served document, so a new filter is covered the
/// day it is added.
fn list_operations() -> Vec<ListOperation> {
    let document = serde_json::to_value(mathshub::startup::openapi::document()).unwrap();
    let resolve = |parameter: &Value| -> Value {
        match parameter["$ref"].as_str() {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap();
                document["components"]["parameters"][name].clone()
            }
            None => parameter.clone(),
        }
    };
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let Some(parameters) = item["get"]["parameters"].as_array() else {
            continue;
        };
        let query: Vec<Value> = parameters
            .iter()
            .map(resolve)
            .filter(|parameter| parameter["in"] == "query")
            .collect();
        if query.is_empty() {
            continue;
        }
        let text_parameters = query
            .iter()
            .filter(|parameter| {
                let kind = &parameter["schema"]["type"];
                kind == "string" || kind.is_null()
            })
            .map(|parameter| parameter["name"].as_str().unwrap().to_owned())
            .collect();
        operations.push(ListOperation {
            path: path.clone(),
            text_parameters,
            pages: query.iter().any(|parameter| parameter["name"] == "limit"),
        });
    }
    assert!(operations.len() >= 15, "the document's lists were found");
    operations
}

/// The demo, a token for each kind of caller a list needs, and the ids of a demo work group,
/// of a partner's webhook endpoint and of a user (for the reads under one); lists under a hub
/// are the LCW hub's.
struct Callers {
    admin: String,
    teacher: String,
    partner: String,
    group: String,
    webhook: String,
    user: String,
}

impl Callers {
    async fn sign_in(app: &TestApp) -> Self {
        let partner = app.token(PARTNER).await;
        Self {
            admin: app.token(ADMIN).await,
            teacher: app.token(TEACHER).await,
            partner: partner.clone(),
            webhook: crate::webhooks::an_endpoint(app, &partner).await,
            user: app
                .query_text(
                    "SELECT id::text AS value FROM users WHERE email = $1",
                    &[TEACHER],
                )
                .await,
            group: app
                .query_text(
                    "SELECT id::text AS value FROM work_groups WHERE code = 'LCW21-15-01'",
                    &[],
                )
                .await,
        }
    }

    /// The caller whose list `path` is: a participant's own, a partner's own, or an admin's.
    fn token_for(&self, path: &str) -> &str {
        if path.starts_with("/api/v1/me/") {
            &self.teacher
        } else if path.starts_with("/api/v1/partners/me/") {
            &self.partner
        } else {
            &self.admin
        }
    }

    async fn get(&self, app: &TestApp, path: &str, query: &str) -> reqwest::Response {
        let id = if path.starts_with("/api/v1/partners/me/webhooks/") {
            &self.webhook
        } else if path.starts_with("/api/v1/users/") {
            &self.user
        } else {
            &self.group
        };
        let path = path
            .replace("{id}", id)
            .replace("{slug}", "london-central-and-west")
            .replace("{urn}", "137083");
        app.client
            .get(format!("{}{path}?{query}", app.address))
            .bearer_auth(self.token_for(&path))
            .send()
            .await
            .expect("an answer")
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sql_and_script_fragments_in_every_text_filter_answer_4xx_or_normally_and_change_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let callers = Callers::sign_in(&app).await;
    let before = state(&app).await;
    let mut tried = 0;

    for operation in list_operations() {
        let baseline = callers.get(&app, &operation.path, "").await;
        // 400 where a parameter is required (the reach report's year): the caller is let in.
        assert!(
            matches!(baseline.status().as_u16(), 200 | 400),
            "{} as its caller",
            operation.path
        );
        for parameter in &operation.text_parameters {
            for fragment in FRAGMENTS {
                let query = format!("{parameter}={fragment}");
                let answer = callers.get(&app, &operation.path, &query).await;
                let status = answer.status().as_u16();
                let body = answer.text().await.unwrap_or_default();
                let what = format!("GET {}?{query} ({status})", operation.path);
                assert!(matches!(status, 200 | 400 | 404), "{what} answered {body}");
                assert_no_leak(&what, &body);
                tried += 1;
            }
        }
    }

    assert!(tried > 300, "{tried} requests");
    assert_eq!(state(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absurd_limit_on_any_list_answers_400_naming_limit() {
    let app = TestApp::spawn_with_demo().await;
    let callers = Callers::sign_in(&app).await;

    for operation in list_operations().iter().filter(|operation| operation.pages) {
        for limit in ["99999999999999999999", "-1", "1e3", "0", "%FF", "1%00"] {
            let answer = callers
                .get(&app, &operation.path, &format!("limit={limit}"))
                .await;
            let problem = assert_problem(answer, 400).await;
            assert_eq!(
                invalid_fields(&problem),
                ["limit"],
                "{} limit={limit}",
                operation.path
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_json_and_form_bodies_answer_413_problem_and_change_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let before = state(&app).await;
    let mut huge = new_work_group("LCW21-15-70");
    huge["description"] = json!("x".repeat(300 * 1024));

    let json_answer = app
        .send(
            Method::POST,
            "/api/v1/work-groups",
            Some(&manager),
            Some(&huge),
        )
        .await;
    let form_answer = app
        .client
        .post(format!("{}/api/v1/auth/token", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id={}",
            "x".repeat(300 * 1024)
        ))
        .send()
        .await
        .unwrap();

    assert_problem(json_answer, 413).await;
    assert_problem(form_answer, 413).await;
    assert_eq!(state(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn deeply_nested_json_and_invalid_utf8_bodies_answer_400_and_change_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let before = state(&app).await;
    let post = |body: Vec<u8>| {
        app.client
            .post(format!("{}/api/v1/work-groups", app.address))
            .bearer_auth(&manager)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    let nested = post("[".repeat(100_000).into_bytes()).await.unwrap();
    let objects = post("{\"a\":".repeat(50_000).into_bytes()).await.unwrap();
    let mut invalid = serde_json::to_vec(&new_work_group("LCW21-15-71")).unwrap();
    let title = invalid.windows(9).position(|w| w == b"Secondary").unwrap();
    invalid[title] = 0xFF;
    let invalid = post(invalid).await.unwrap();
    let login = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("content-type", "application/json")
        .body(b"{\"email\":\"\xC3\x28@x.example\",\"password\":\"\xFF\xFE\"}".to_vec())
        .send()
        .await
        .unwrap();

    for answer in [nested, objects, invalid, login] {
        let problem = assert_problem(answer, 400).await;
        assert_no_leak("a hostile body", &problem.to_string());
    }
    assert_eq!(state(&app).await, before);
    app.get_json("/readyz", 200).await;
}

/// The status code of an HTTP status line.
fn status_of(case: &str, status_line: &str) -> u16 {
    status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("{case}: no status line, got {status_line:?}"))
}

/// Sends `request` as raw bytes and answers the status line the server wrote back (empty
/// when it closed the connection without one).
async fn raw_status_line(app: &TestApp, request: &[u8]) -> String {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    // The server may answer and close before it has read everything: a failed write is fine.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_utf8_paths_and_queries_and_huge_request_lines_and_headers_answer_4xx() {
    let app = TestApp::spawn_with_demo().await;
    let before = state(&app).await;
    let long = "a".repeat(64 * 1024);
    let request = |target: &[u8], header: &str| {
        [
            b"GET ".as_slice(),
            target,
            b" HTTP/1.1\r\nHost: x\r\n",
            header.as_bytes(),
            b"Connection: close\r\n\r\n",
        ]
        .concat()
    };
    // Invalid UTF-8 and NUL are refused; sheer size is refused or served, but answered.
    let refused = [
        (
            "encoded invalid UTF-8 in a path",
            request(b"/api/v1/hubs/%FF%FE", ""),
        ),
        (
            "encoded invalid UTF-8 in a query",
            request(b"/api/v1/hubs?q=%FF%FE", ""),
        ),
        ("a NUL in a query", request(b"/api/v1/hubs?q=a%00b", "")),
        (
            "raw invalid UTF-8 in a path",
            request(b"/api/v1/hubs/\xFF\xFE", ""),
        ),
        (
            "raw invalid UTF-8 in a query",
            request(b"/api/v1/hubs?q=\xFF\xFE", ""),
        ),
    ];
    let huge_query = format!("/api/v1/hubs?q={long}");
    let answered = [
        ("a huge query string", request(huge_query.as_bytes(), "")),
        (
            "a huge header",
            request(b"/api/v1/hubs", &format!("X-Padding: {long}\r\n")),
        ),
    ];

    for (case, request) in refused {
        let status = status_of(case, &raw_status_line(&app, &request).await);
        assert!((400..500).contains(&status), "{case} answered {status}");
    }
    for (case, request) in answered {
        let status = status_of(case, &raw_status_line(&app, &request).await);
        assert!(
            status == 200 || (400..500).contains(&status),
            "{case} answered {status}"
        );
    }
    assert_eq!(state(&app).await, before);
    app.get_json("/readyz", 200).await;
}
