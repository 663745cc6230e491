//! A hub's strategic partners over HTTP: read one; national admins add, change (with
//! `If-Match`) and remove them, each change audited; bad input changes nothing.

use reqwest::Method;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, add_retired_hub, assert_problem, assert_problem_saying, audit_count, etag_of,
    invalid_fields, json_body, patch_if_match, post, reference_data, spawn_as_admin,
};

const PARTNERS: &str = "/api/v1/hubs/london-central-and-west/strategic-partners";

fn twyford() -> Value {
    json!({"name": "Twyford Church of England High School", "kind": "school", "school_urn": "137083"})
}

/// Adds Twyford as a partner of LCW and returns its URL.
async fn add_twyford(app: &TestApp, token: &str) -> String {
    let response = post(app, token, PARTNERS, Some(&twyford())).await;
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    json_body(response, 201).await;
    location
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_201_and_the_hub_lists_the_partner() {
    let (app, admin) = spawn_as_admin().await;

    let response = post(&app, &admin, PARTNERS, Some(&twyford())).await;

    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let created = json_body(response, 201).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(location, format!("{PARTNERS}/{id}"));
    assert_eq!(created["school_urn"], "137083");
    assert_eq!(app.get_json(&location, 200).await, created);
    let hub = app
        .get_json("/api/v1/hubs/london-central-and-west", 200)
        .await;
    assert_eq!(hub["strategic_partners"], json!([created]));
    assert_eq!(audit_count(&app, "strategic_partner.created", id).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_refuses_every_bad_field_400_and_an_unknown_school_422_and_changes_nothing() {
    let (app, admin) = spawn_as_admin().await;
    let before = reference_data(&app).await;

    let problem = assert_problem(
        post(
            &app,
            &admin,
            PARTNERS,
            Some(&json!({"name": " ", "kind": "charity", "school_urn": "12", "website": "example.org"})),
        )
        .await,
        400,
    )
    .await;
    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["kind", "name", "school_urn", "website"]);

    let problem = assert_problem(
        post(
            &app,
            &admin,
            PARTNERS,
            Some(&json!({"name": "Nowhere School", "kind": "school", "school_urn": "999998"})),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["school_urn"]);
    let mut unknown_field = twyford();
    unknown_field["hub"] = json!("glow");
    assert_problem(
        post(&app, &admin, PARTNERS, Some(&unknown_field)).await,
        400,
    )
    .await;
    assert_problem(
        post(
            &app,
            &admin,
            "/api/v1/hubs/no-such-hub/strategic-partners",
            Some(&twyford()),
        )
        .await,
        404,
    )
    .await;
    assert_eq!(reference_data(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_used_twice_in_one_hub_answers_409() {
    let (app, admin) = spawn_as_admin().await;
    add_twyford(&app, &admin).await;
    let before = reference_data(&app).await;

    assert_problem_saying(
        post(&app, &admin, PARTNERS, Some(&twyford())).await,
        409,
        "already has a strategic partner named Twyford",
    )
    .await;
    assert_eq!(reference_data(&app).await, before);
    json_body(
        post(
            &app,
            &admin,
            "/api/v1/hubs/glow/strategic-partners",
            Some(&twyford()),
        )
        .await,
        201,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn update_changes_what_is_sent_and_refuses_a_stale_if_match() {
    let (app, admin) = spawn_as_admin().await;
    let path = add_twyford(&app, &admin).await;
    let tag = etag_of(&app, &path).await;

    let changes = json!({"kind": "research_school", "school_urn": null,
                         "website": "https://www.twyford.ealing.sch.uk"});
    let changed = json_body(
        patch_if_match(&app, &path, &admin, &tag, &changes).await,
        200,
    )
    .await;
    assert_eq!(changed["kind"], "research_school");
    assert_eq!(changed["school_urn"], Value::Null);
    assert_eq!(changed["name"], "Twyford Church of England High School");

    let before = reference_data(&app).await;
    let stale = json!({"name": "Twyford"});
    assert_problem(patch_if_match(&app, &path, &admin, &tag, &stale).await, 412).await;
    let problem = assert_problem(
        app.send(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(&json!({"school_urn": "999998"})),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["school_urn"]);
    assert_eq!(reference_data(&app).await, before);
    let id = path.rsplit('/').next().unwrap();
    assert_eq!(audit_count(&app, "strategic_partner.updated", id).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn remove_deletes_the_partner_and_audits_it() {
    let (app, admin) = spawn_as_admin().await;
    let path = add_twyford(&app, &admin).await;
    let id = path.rsplit('/').next().unwrap().to_owned();
    let elsewhere = format!("/api/v1/hubs/glow/strategic-partners/{id}");
    assert_problem(app.get(&elsewhere).await, 404).await;
    assert_problem(
        app.send(Method::DELETE, &elsewhere, Some(&admin), None)
            .await,
        404,
    )
    .await;

    let removed = app.send(Method::DELETE, &path, Some(&admin), None).await;

    assert_eq!(removed.status(), 204);
    assert_problem(app.get(&path).await, 404).await;
    assert_eq!(audit_count(&app, "strategic_partner.deleted", &id).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retired_hub_takes_no_partners() {
    let (app, admin) = spawn_as_admin().await;
    add_retired_hub(&app).await;
    let before = reference_data(&app).await;

    assert_problem_saying(
        post(
            &app,
            &admin,
            "/api/v1/hubs/old-hub/strategic-partners",
            Some(&twyford()),
        )
        .await,
        409,
        "retired",
    )
    .await;
    assert_eq!(reference_data(&app).await, before);
}
