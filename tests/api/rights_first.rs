//! The rights come before the request: a caller who may not perform an operation gets the
//! same refusal (status, type, detail) whatever the request holds — its body, query string,
//! `Idempotency-Key` or `If-Match` — so nothing is learned from the answer. Every protected
//! operation the served document lists is tried, by every caller the rights matrix
//! (`rights::rows`) refuses, with a valid request and with each kind of bad one. And every
//! `POST` judges its `Idempotency-Key` once the rights allow the request: a key used before
//! for another request is refused, and a retry replays the first answer.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, without_request_id};
use crate::rights::{CALLERS, Row, Unknown, fixture, rows, state};

/// The key each caller that can has used once before, for another request.
const USED_KEY: &str = "used-before";
/// An id nothing has.
const NO_SUCH_ID: &str = "00000000-0000-7000-8000-0000000000ff";

/// One request as sent: where, with which extra headers, and which body (media type, bytes).
#[derive(Clone)]
struct Sent {
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Option<(&'static str, Vec<u8>)>,
}

impl Sent {
    fn with_header(&self, name: &'static str, value: impl Into<String>) -> Self {
        let mut sent = self.clone();
        sent.headers.push((name, value.into()));
        sent
    }

    fn with_query(&self, query: &str) -> Self {
        let separator = if self.path.contains('?') { '&' } else { '?' };
        Self {
            path: format!("{}{separator}{query}", self.path),
            ..self.clone()
        }
    }

    fn with_body(&self, media_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            body: Some((media_type, body.into())),
            ..self.clone()
        }
    }

    fn with_json(&self, body: &Value) -> Self {
        self.with_body("application/json", body.to_string())
    }
}

/// The request the matrix sends for `row` as `caller`.
fn valid(row: &Row, caller: &str) -> Sent {
    let body = match (row.csv, row.body) {
        (Some(csv), _) => Some(("text/csv", csv.as_bytes().to_vec())),
        (None, Some(body)) => Some(("application/json", body(caller).to_string().into_bytes())),
        (None, None) => None,
    };
    Sent {
        path: row.path.clone(),
        headers: Vec::new(),
        body,
    }
}

/// Every value of `value` replaced by one of another JSON type.
fn of_wrong_types(value: &Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, value)| {
                    let wrong = match value {
                        Value::String(_) | Value::Null => json!(12345),
                        Value::Number(_) | Value::Bool(_) => json!("not this type"),
                        Value::Array(_) => json!({}),
                        Value::Object(_) => json!([]),
                    };
                    (name.clone(), wrong)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `value` with every text naming something that does not exist: ids become an id nothing
/// has, other text `no-such-…`.
fn naming_nothing(value: &Value) -> Value {
    match value {
        Value::String(text) if uuid::Uuid::try_parse(text).is_ok() => json!(NO_SUCH_ID),
        Value::String(text) => json!(format!("no-such-{text}")),
        Value::Array(items) => Value::Array(items.iter().map(naming_nothing).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, value)| (name.clone(), naming_nothing(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The headers a refused request may carry, each of which must change nothing.
fn with_odd_headers(valid: &Sent) -> Vec<(&'static str, Sent)> {
    vec![
        (
            "a malformed Idempotency-Key",
            valid.with_header("idempotency-key", "has space"),
        ),
        (
            "an Idempotency-Key used before for another request",
            valid.with_header("idempotency-key", USED_KEY),
        ),
        (
            "a stale If-Match",
            valid.with_header("if-match", "\"stale\""),
        ),
        (
            "a malformed If-Match",
            valid.with_header("if-match", "x".repeat(1100)),
        ),
    ]
}

/// Every kind of request a caller refused by role must be refused alike.
fn variants(row: &Row, caller: &str) -> Vec<(&'static str, Sent)> {
    let valid = valid(row, caller);
    let mut variants = with_odd_headers(&valid);
    variants.extend([
        (
            "an unknown query parameter",
            valid.with_query("no_such_parameter=1"),
        ),
        ("bad paging", valid.with_query("limit=0&cursor=%FF")),
        (
            "filters naming nothing",
            valid.with_query("hub=no-such-hub&academic_year=1999%2F00&status=nonsense"),
        ),
    ]);
    if row.method == Method::GET {
        return variants;
    }
    if row.csv.is_some() {
        variants.extend([
            ("the file sent as JSON", valid.with_json(&json!({"urn": 1}))),
            ("an empty file", valid.with_body("text/csv", "")),
            (
                "a file of another kind",
                valid.with_body("text/csv", "a,b\n1"),
            ),
        ]);
        return variants;
    }
    let body = row.body.map_or_else(|| json!({}), |body| body(caller));
    let mut with_unknown_field = body.clone();
    with_unknown_field["no_such_field"] = json!(true);
    variants.extend([
        ("malformed JSON", valid.with_body("application/json", "{\"")),
        ("an array", valid.with_json(&json!([]))),
        ("an unknown field", valid.with_json(&with_unknown_field)),
        (
            "values of the wrong types",
            valid.with_json(&of_wrong_types(&body)),
        ),
        (
            "values naming nothing",
            valid.with_json(&naming_nothing(&body)),
        ),
        ("an empty body", valid.with_body("application/json", "")),
        (
            "the body as text/plain",
            valid.with_body("text/plain", body.to_string()),
        ),
        (
            "a body over the limit",
            valid.with_body(
                "application/json",
                format!("{{\"x\": \"{}\"}}", "x".repeat(300 * 1024)),
            ),
        ),
    ]);
    variants
}

/// The requests a caller refused for what the request names must be refused alike: with odd
/// headers, and naming something that does not exist instead.
fn named_variants(row: &Row, caller: &str, unknown: &Unknown) -> Vec<(&'static str, Sent)> {
    let valid = valid(row, caller);
    let mut variants = with_odd_headers(&valid);
    variants.push(match unknown {
        Unknown::Body(body) => ("naming what does not exist", valid.with_json(&body(caller))),
        Unknown::Path(path) => (
            "naming what does not exist",
            Sent {
                path: path.clone(),
                ..valid.clone()
            },
        ),
    });
    variants
}

/// The status and the problem (less its request id) the app answers `sent` with.
async fn answer(app: &TestApp, method: &Method, token: Option<&str>, sent: &Sent) -> (u16, Value) {
    let mut request = app
        .client
        .request(method.clone(), format!("{}{}", app.address, sent.path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in &sent.headers {
        request = request.header(*name, value);
    }
    if let Some((media_type, body)) = &sent.body {
        request = request
            .header("content-type", *media_type)
            .body(body.clone());
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let problem = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, without_request_id(problem))
}

/// Each caller that may make some keyed `POST` makes one, so that `USED_KEY` stands for
/// another request of theirs.
async fn use_keys(app: &TestApp, tokens: &[Option<String>; 7]) {
    let reset = "/api/v1/me/calendar-url/reset";
    let group = |code: &str| {
        json!({
            "hub": "london-central-and-west", "project": "NCP21-15", "code": code,
            "title": "A keyed group", "phase": "secondary", "mode": "online",
            "admission": "automatic"
        })
    };
    let (by_manager, by_admin) = (group("LCW21-15-93"), group("LCW21-15-94"));
    // The reset takes no body: one sent still tells this request from a later one.
    let aside = json!({"note": "sent aside"});
    let endpoint = json!({"url": "https://81.2.69.160/keyed", "event_types": ["opened"]});
    let keyed: [(&str, &str, Option<&Value>); 5] = [
        ("participant", reset, Some(&aside)),
        ("lead", reset, Some(&aside)),
        (
            "partner user",
            "/api/v1/partners/me/webhooks",
            Some(&endpoint),
        ),
        ("hub_manager", "/api/v1/work-groups", Some(&by_manager)),
        ("admin", "/api/v1/work-groups", Some(&by_admin)),
    ];
    for (caller, path, body) in keyed {
        let token = tokens[CALLERS.iter().position(|name| *name == caller).unwrap()].as_deref();
        let mut request = app
            .client
            .post(format!("{}{path}", app.address))
            .bearer_auth(token.unwrap())
            .header("idempotency-key", USED_KEY);
        if let Some(body) = body {
            request = request.json(body);
        }
        let status = request.send().await.expect("request").status();
        assert!(status.is_success(), "{caller} POST {path}: {status}");
    }
}

/// The operations the served document says need a token, as (method, path template).
async fn operations_needing_a_token(app: &TestApp) -> BTreeSet<(String, String)> {
    let document = app.get_json("/api-docs/openapi.json", 200).await;
    let mut needing = BTreeSet::new();
    for (path, operations) in document["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            let schemes = operation["security"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let token_required = !schemes.is_empty()
                && schemes
                    .iter()
                    .all(|scheme| scheme.as_object().is_some_and(|s| !s.is_empty()));
            if token_required {
                needing.insert((method.clone(), path.clone()));
            }
        }
    }
    needing
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_without_the_right_is_refused_alike_whatever_the_request_holds() {
    let app = TestApp::spawn_with_demo().await;
    let fixture = fixture(&app).await;
    use_keys(&app, &fixture.tokens).await;
    let rows = rows(&fixture);
    let tried: BTreeSet<(String, String)> = rows
        .iter()
        .map(|row| (row.method.as_str().to_lowercase(), row.template.to_owned()))
        .collect();
    assert_eq!(
        tried,
        operations_needing_a_token(&app).await,
        "every operation that needs a token has rows in rights::rows"
    );
    let before = state(&app).await;

    let mut failures = Vec::new();
    for row in &rows {
        for (index, ((caller, token), expected)) in CALLERS
            .iter()
            .zip(&fixture.tokens)
            .zip(row.expected)
            .enumerate()
        {
            if !matches!(expected, 401 | 403 | 404) {
                continue;
            }
            // A 404 after an earlier caller's `DELETE` succeeded says the object is gone (the
            // matrix runs its callers in order), not that this caller is refused.
            let gone = row.method == Method::DELETE
                && row.expected[..index]
                    .iter()
                    .any(|earlier| (200..300).contains(earlier));
            if expected == 404 && gone {
                continue;
            }
            let named = row
                .named
                .as_ref()
                .filter(|named| named.callers.contains(caller));
            let what = format!("{} {} as {caller}", row.method, row.path);
            let refusal = answer(&app, &row.method, token.as_deref(), &valid(row, caller)).await;
            if refusal.0 != expected {
                failures.push(format!("{what}: expected {expected}, got {refusal:?}"));
                continue;
            }
            let variants = match named {
                Some(named) => named_variants(row, caller, &named.unknown),
                None => variants(row, caller),
            };
            for (variant, sent) in variants {
                let answered = answer(&app, &row.method, token.as_deref(), &sent).await;
                // A refusal for what the request names may say which fields it sent.
                let alike = match named {
                    Some(_) => (answered.0, &answered.1["type"]) == (refusal.0, &refusal.1["type"]),
                    None => answered == refusal,
                };
                if !alike {
                    failures.push(format!(
                        "{what} with {variant}: {answered:?}, not {refusal:?}"
                    ));
                }
            }
        }
    }

    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        state(&app).await,
        before,
        "a refused request changed something"
    );
}

/// The document's `POST`s that need a token, by path template.
async fn posts_needing_a_token(app: &TestApp) -> BTreeSet<String> {
    operations_needing_a_token(app)
        .await
        .into_iter()
        .filter(|(method, _)| method == "post")
        .map(|(_, path)| path)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_post_judges_its_idempotency_key_once_the_rights_allow_it_and_replays_its_answer() {
    let app = TestApp::spawn_with_demo().await;
    let fixture = fixture(&app).await;
    use_keys(&app, &fixture.tokens).await;

    let mut judged = BTreeSet::new();
    let mut failures = Vec::new();
    for (n, row) in rows(&fixture).iter().enumerate() {
        if row.method != Method::POST {
            continue;
        }
        // The first caller the row lets through its rights, whatever the rules then say.
        let allowed = CALLERS
            .iter()
            .zip(&fixture.tokens)
            .zip(row.expected)
            .find(|(_, expected)| !matches!(expected, 401 | 403 | 404));
        let Some(((caller, token), expected)) = allowed else {
            continue;
        };
        let what = format!("POST {} as {caller}", row.path);
        let sent = valid(row, caller);
        let reused = answer(
            &app,
            &row.method,
            token.as_deref(),
            &sent.with_header("idempotency-key", USED_KEY),
        )
        .await;
        if reused.0 != 422
            || reused.1["type"] != "https://mathshub.invalid/problems/idempotency-key-reused"
        {
            failures.push(format!("{what} with a key used before: {reused:?}"));
            continue;
        }
        if (200..300).contains(&expected) {
            let keyed = sent.with_header("idempotency-key", format!("replay-{n}"));
            let first = answer(&app, &row.method, token.as_deref(), &keyed).await;
            let again = answer(&app, &row.method, token.as_deref(), &keyed).await;
            if first.0 != expected || again != first {
                failures.push(format!("{what}: {first:?}, then {again:?}"));
                continue;
            }
        }
        judged.insert(row.template.to_owned());
    }

    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(judged, posts_needing_a_token(&app).await);
}
