//! Cursors as the document states them: every list's `cursor` parameter has the pattern of the
//! cursors it issues, any text of that pattern is a place in the list (200), and any other
//! text is refused (400).

use regex::Regex;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, assert_problem, invalid_fields, json_body};

const ADMIN: &str = "admin@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";
const PARTNER: &str = "partner.lde@demo.mathshub.invalid";

/// Each list operation of the served document with its cursor pattern, its path's `{id}`
/// filled with a work group of the demo data (or the partner's `webhook` endpoint) and its
/// `{slug}` with the LCW hub and `{urn}` with Twyford.
async fn lists(app: &TestApp, webhook: &str) -> Vec<(String, Regex)> {
    let document = json_body(app.get("/api-docs/openapi.json").await, 200).await;
    let group =
        json_body(app.get("/api/v1/work-groups?limit=1").await, 200).await["items"][0]["id"]
            .as_str()
            .expect("a demo work group")
            .to_owned();
    let mut lists = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        let parameters = item["get"]["parameters"].as_array().into_iter().flatten();
        for parameter in parameters.filter(|parameter| parameter["name"] == "cursor") {
            let pattern = parameter["schema"]["pattern"]
                .as_str()
                .unwrap_or_else(|| panic!("{path}: the cursor has no pattern"));
            let regex = Regex::new(pattern).expect("an ECMA-262 pattern Rust's regex reads too");
            let id = match path.starts_with("/api/v1/partners/me/webhooks/") {
                true => webhook,
                false => &group,
            };
            let path = path
                .replace("{id}", id)
                .replace("{slug}", "london-central-and-west")
                .replace("{urn}", "137083");
            lists.push((path, regex));
        }
    }
    lists
}

/// The first page of `limit` items, as the first of these accounts allowed to read it.
async fn first_page(app: &TestApp, tokens: &[String], path: &str) -> Value {
    for token in tokens {
        let response = app
            .send(Method::GET, &format!("{path}?limit=1"), Some(token), None)
            .await;
        if response.status() == 200 {
            return response.json().await.expect("a JSON page");
        }
    }
    panic!("no demo account may read {path}")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_list_issues_cursors_of_the_pattern_its_document_states() {
    let app = TestApp::spawn_with_demo().await;
    let tokens = [
        app.token(ADMIN).await,
        app.token(TEACHER).await,
        app.token(PARTNER).await,
    ];
    let webhook = crate::webhooks::an_endpoint(&app, &tokens[2]).await;
    let lists = lists(&app, &webhook).await;
    assert!(lists.len() >= 14, "{} lists", lists.len());

    let mut with_a_second_page = 0;
    for (path, pattern) in &lists {
        let page = first_page(&app, &tokens, path).await;
        if let Some(cursor) = page["next_cursor"].as_str() {
            assert!(
                pattern.is_match(cursor),
                "{path}: {cursor} against {pattern}"
            );
            with_a_second_page += 1;
        }
    }
    assert!(
        with_a_second_page >= 8,
        "only {with_a_second_page} lists had a second page"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn any_text_of_the_pattern_is_a_place_in_the_list_and_other_text_is_refused() {
    let app = TestApp::spawn_with_demo().await;
    let slugs = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|hub| hub["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = slugs(json_body(app.get("/api/v1/hubs").await, 200).await);

    // "l" (6c): the hubs whose slugs sort after it, though no hub is "l".
    let after_l = slugs(json_body(app.get("/api/v1/hubs?cursor=6c").await, 200).await);
    let expected: Vec<String> = all
        .iter()
        .filter(|slug| slug.as_str() > "l")
        .cloned()
        .collect();
    assert!(
        !expected.is_empty() && expected.len() < all.len(),
        "{all:?}"
    );
    assert_eq!(after_l, expected);

    // A U+0000, which PostgreSQL's text cannot hold, still names a place: left out, the empty
    // code comes before every group. Bytes that are not UTF-8 name a place too.
    let groups = json_body(app.get("/api/v1/work-groups").await, 200).await;
    let nil = "00000000-0000-0000-0000-000000000000";
    let from_the_start = app
        .get(&format!("/api/v1/work-groups?cursor=00.{nil}"))
        .await;
    assert_eq!(
        json_body(from_the_start, 200).await["items"],
        groups["items"]
    );
    json_body(
        app.get(&format!("/api/v1/work-groups?cursor=ff.{nil}"))
            .await,
        200,
    )
    .await;

    for (path, cursor) in [
        ("/api/v1/hubs", "6C"),
        ("/api/v1/hubs", "6"),
        ("/api/v1/hubs", "not-a-cursor"),
        ("/api/v1/work-groups", "6c"),
        ("/api/v1/sessions", "1637141400000000"),
    ] {
        let problem = assert_problem(app.get(&format!("{path}?cursor={cursor}")).await, 400).await;
        assert_eq!(invalid_fields(&problem), ["cursor"], "{path} {cursor}");
    }
}
