//! The authorities a hub covers, over HTTP: a move is one request that closes the old cover and
//! opens the new one at the same instant, audited on both hubs; history is kept; districts are
//! never covered; concurrent moves leave exactly one current cover.

use reqwest::Method;
use reqwest::header::LOCATION;
use serde_json::Value;

use crate::helpers::{
    TestApp, add_retired_hub, assert_problem, assert_problem_saying, audit_count, each_of, etag_of,
    invalid_fields, json_body, reference_data, send_if_match, spawn_as_admin,
};

const LCW: &str = "london-central-and-west";
const LNE: &str = "london-north-east";
const EALING: &str = "E09000009";

fn cover_path(hub: &str, code: &str) -> String {
    format!("/api/v1/hubs/{hub}/local-authorities/{code}")
}

async fn put(app: &TestApp, token: &str, hub: &str, code: &str) -> reqwest::Response {
    app.send(Method::PUT, &cover_path(hub, code), Some(token), None)
        .await
}

async fn current_covers(app: &TestApp, code: &str) -> i64 {
    app.query_count(
        "SELECT count(*) AS count FROM hub_local_authorities \
         WHERE la_code = $1 AND covered_until IS NULL",
        &[code],
    )
    .await
}

/// Pairs of the authority's covers whose periods overlap: none when history is consistent.
async fn overlapping_covers(app: &TestApp, code: &str) -> i64 {
    app.query_count(
        "SELECT count(*) AS count FROM hub_local_authorities a \
           JOIN hub_local_authorities b ON b.la_code = a.la_code AND b.id > a.id \
          WHERE a.la_code = $1 \
            AND tstzrange(a.covered_from, a.covered_until) && tstzrange(b.covered_from, b.covered_until)",
        &[code],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn moving_an_authority_closes_the_old_cover_opens_the_new_and_audits_both_hubs() {
    let (app, admin) = spawn_as_admin().await;
    let rows_before = app
        .query_count("SELECT count(*) AS count FROM hub_local_authorities", &[])
        .await;

    let response = put(&app, &admin, LNE, EALING).await;

    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let cover = json_body(response, 201).await;
    assert_eq!(location, cover_path(LNE, EALING));
    assert_eq!(cover["hub"]["slug"], LNE);
    assert_eq!(cover["local_authority"]["gss_code"], EALING);
    assert_eq!(cover["previous_hub"]["slug"], LCW);
    assert_eq!(app.get_json(&location, 200).await, cover);
    assert_problem(app.get(&cover_path(LCW, EALING)).await, 404).await;

    // History: the old cover is closed at the instant the new one opens, never deleted.
    assert_eq!(
        app.query_count("SELECT count(*) AS count FROM hub_local_authorities", &[])
            .await,
        rows_before + 1
    );
    let seamless = app
        .query_count(
            "SELECT count(*) AS count FROM hub_local_authorities old \
               JOIN hub_local_authorities new ON new.la_code = old.la_code \
                AND new.covered_until IS NULL AND new.covered_from = old.covered_until \
              WHERE old.la_code = $1",
            &[EALING],
        )
        .await;
    assert_eq!(seamless, 1);
    assert_eq!(current_covers(&app, EALING).await, 1);

    // The read views show current covers only.
    let lcw = app.get_json(&format!("/api/v1/hubs/{LCW}"), 200).await;
    assert!(!each_of(&lcw["local_authorities"], "gss_code").contains(&EALING.to_owned()));
    let lne = app.get_json(&format!("/api/v1/hubs/{LNE}"), 200).await;
    assert!(each_of(&lne["local_authorities"], "gss_code").contains(&EALING.to_owned()));
    let ealing = app
        .get_json(&format!("/api/v1/local-authorities/{EALING}"), 200)
        .await;
    assert_eq!(ealing["hub"]["slug"], LNE);
    let found = app
        .get_json(&format!("/api/v1/hubs?local_authority={EALING}"), 200)
        .await;
    assert_eq!(each_of(&found["items"], "slug"), [LNE]);

    assert_eq!(audit_count(&app, "hub.cover_ended", LCW).await, 1);
    assert_eq!(audit_count(&app, "hub.cover_started", LNE).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn covering_an_authority_the_hub_covers_already_answers_200_and_changes_nothing() {
    let (app, admin) = spawn_as_admin().await;
    let before = reference_data(&app).await;

    let cover = json_body(put(&app, &admin, LCW, EALING).await, 200).await;

    assert_eq!(cover["hub"]["slug"], LCW);
    assert_eq!(reference_data(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn covering_a_district_an_unknown_or_a_retired_authority_or_hub_is_refused_and_changes_nothing()
 {
    let (app, admin) = spawn_as_admin().await;
    app.execute("UPDATE local_authorities SET retired_at = now() WHERE gss_code = 'E06000001'")
        .await;
    add_retired_hub(&app).await;
    let before = reference_data(&app).await;

    let district = assert_problem(put(&app, &admin, "glow", "E07000079").await, 422).await;
    assert_eq!(invalid_fields(&district), ["code"]);
    assert!(district.to_string().contains("E10000013"), "{district}");
    assert_problem(put(&app, &admin, LCW, "E09000099").await, 404).await;
    assert_problem(put(&app, &admin, "no-such-hub", EALING).await, 404).await;
    assert_problem(put(&app, &admin, LCW, "E9").await, 400).await;
    assert_problem_saying(put(&app, &admin, LCW, "E06000001").await, 409, "retired").await;
    assert_problem_saying(put(&app, &admin, "old-hub", EALING).await, 409, "retired").await;
    assert_eq!(reference_data(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_a_cover_keeps_it_as_history_and_honours_if_match() {
    let (app, admin) = spawn_as_admin().await;
    let path = cover_path(LCW, EALING);
    let stale = etag_of(&app, &path).await;
    json_body(put(&app, &admin, LNE, EALING).await, 201).await;
    json_body(put(&app, &admin, LCW, EALING).await, 201).await;
    let before = reference_data(&app).await;

    assert_problem(
        send_if_match(&app, Method::DELETE, &path, &admin, &stale, None).await,
        412,
    )
    .await;
    assert_eq!(reference_data(&app).await, before);

    let current = etag_of(&app, &path).await;
    let ended = send_if_match(&app, Method::DELETE, &path, &admin, &current, None).await;
    assert_eq!(ended.status(), 204);
    assert_problem(app.get(&path).await, 404).await;
    assert_eq!(current_covers(&app, EALING).await, 0);
    assert_eq!(
        app.query_count(
            "SELECT count(*) AS count FROM hub_local_authorities WHERE la_code = $1",
            &[EALING]
        )
        .await,
        3,
        "every cover is kept"
    );
    let ealing = app
        .get_json(&format!("/api/v1/local-authorities/{EALING}"), 200)
        .await;
    assert_eq!(ealing["hub"], Value::Null);
    assert_eq!(audit_count(&app, "hub.cover_ended", LCW).await, 2);
    assert_problem(
        app.send(Method::DELETE, &path, Some(&admin), None).await,
        404,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_moves_of_one_authority_both_answer_and_leave_exactly_one_current_cover() {
    let (app, admin) = spawn_as_admin().await;

    for _ in 0..5 {
        let (to_lne, to_glow) = tokio::join!(
            put(&app, &admin, LNE, EALING),
            put(&app, &admin, "glow", EALING)
        );
        for response in [to_lne, to_glow] {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            assert!(matches!(status, 200 | 201), "{status}: {body}");
        }
        assert_eq!(current_covers(&app, EALING).await, 1);
    }
    assert_eq!(overlapping_covers(&app, EALING).await, 0);
    let started = app
        .query_count(
            "SELECT count(*) AS count FROM audit_log WHERE action = 'hub.cover_started'",
            &[],
        )
        .await;
    let ended = app
        .query_count(
            "SELECT count(*) AS count FROM audit_log WHERE action = 'hub.cover_ended'",
            &[],
        )
        .await;
    assert_eq!(started, ended, "every move closes the cover it replaces");
    let closed = app
        .query_count(
            "SELECT count(*) AS count FROM hub_local_authorities \
             WHERE la_code = $1 AND covered_until IS NOT NULL",
            &[EALING],
        )
        .await;
    assert_eq!(closed, started);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_requests_for_the_same_cover_begin_it_once() {
    let (app, admin) = spawn_as_admin().await;

    let (first, second) = tokio::join!(
        put(&app, &admin, LNE, EALING),
        put(&app, &admin, LNE, EALING)
    );

    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 201]);
    assert_eq!(current_covers(&app, EALING).await, 1);
    assert_eq!(audit_count(&app, "hub.cover_started", LNE).await, 1);
}
