//! Maths Hubs written by national admins over HTTP: created, corrected with `If-Match`, and
//! retired only once nothing current relies on them. Every change is audited; refused ones
//! change nothing.

use reqwest::Method;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, assert_says_all, audit_count, etag_of,
    invalid_fields, json_body, patch_if_match, post, reference_data, spawn_as_admin,
};

const LCW: &str = "london-central-and-west";

fn new_hub() -> Value {
    json!({
        "slug": "thames-valley", "name": "Thames Valley Maths Hub", "region": "South East",
        "lead_school": {"name": "Twyford Church of England High School", "urn": "137083"},
        "contact_email": "hub@example.org", "website": "https://www.example.org/hub"
    })
}

async fn patch(app: &TestApp, token: &str, slug: &str, body: &Value) -> reqwest::Response {
    app.send(
        Method::PATCH,
        &format!("/api/v1/hubs/{slug}"),
        Some(token),
        Some(body),
    )
    .await
}

/// A hub nothing relies on: no authorities, groups or accounts.
async fn add_spare_hub(app: &TestApp) {
    app.execute(
        "INSERT INTO hubs (id, slug, name, region) \
         VALUES (gen_random_uuid(), 'spare-hub', 'Spare Maths Hub', 'London')",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_201_with_the_hub_covering_nothing_yet_and_an_audit_record() {
    let (app, admin) = spawn_as_admin().await;

    let response = post(&app, &admin, "/api/v1/hubs", Some(&new_hub())).await;

    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let created = json_body(response, 201).await;
    assert_eq!(location, "/api/v1/hubs/thames-valley");
    assert_eq!(created["lead_school"]["urn"], "137083");
    assert_eq!(created["local_authorities"], json!([]));
    assert_eq!(created["retired_at"], Value::Null);
    assert_eq!(app.get_json(&location, 200).await, created);
    assert_eq!(audit_count(&app, "hub.created", "thames-valley").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_400_naming_every_bad_field_and_changes_nothing() {
    let (app, admin) = spawn_as_admin().await;
    let before = reference_data(&app).await;

    let problem = assert_problem(
        post(
            &app,
            &admin,
            "/api/v1/hubs",
            Some(&json!({
                "slug": "Thames Valley", "name": "", "region": "Wales",
                "lead_school": {"name": " ", "urn": "12"}, "contact_email": "nobody",
                "website": "www.example.org"
            })),
        )
        .await,
        400,
    )
    .await;
    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "contact_email",
            "lead_school.name",
            "lead_school.urn",
            "name",
            "region",
            "slug",
            "website"
        ]
    );
    let mut with_coverage = new_hub();
    with_coverage["local_authorities"] = json!(["E09000009"]);
    assert_problem(
        post(&app, &admin, "/api/v1/hubs", Some(&with_coverage)).await,
        400,
    )
    .await;
    assert_eq!(reference_data(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_409_when_the_slug_or_name_is_taken() {
    let (app, admin) = spawn_as_admin().await;
    let before = reference_data(&app).await;

    let mut same_slug = new_hub();
    same_slug["slug"] = json!(LCW);
    assert_problem_saying(
        post(&app, &admin, "/api/v1/hubs", Some(&same_slug)).await,
        409,
        "already has the slug london-central-and-west",
    )
    .await;
    let mut same_name = new_hub();
    same_name["name"] = json!("GLOW Maths Hub");
    assert_problem_saying(
        post(&app, &admin, "/api/v1/hubs", Some(&same_name)).await,
        409,
        "already has the name GLOW Maths Hub",
    )
    .await;
    assert_eq!(reference_data(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_changes_what_is_sent_clears_nulls_and_refuses_a_stale_if_match() {
    let (app, admin) = spawn_as_admin().await;
    let path = format!("/api/v1/hubs/{LCW}");
    let tag = etag_of(&app, &path).await;

    let changes = json!({"website": "https://www.lcwmathshub.co.uk", "contact_email": null});
    let changed = json_body(
        patch_if_match(&app, &path, &admin, &tag, &changes).await,
        200,
    )
    .await;
    assert_eq!(changed["website"], "https://www.lcwmathshub.co.uk");
    assert_eq!(changed["contact_email"], Value::Null);
    assert_eq!(changed["name"], "London Central and West Maths Hub");
    assert_eq!(app.get_json(&path, 200).await, changed);

    let before = reference_data(&app).await;
    let stale = json!({"name": "Second editor's name"});
    assert_problem(patch_if_match(&app, &path, &admin, &tag, &stale).await, 412).await;
    let renamed = patch(&app, &admin, LCW, &json!({"slug": "lcw"})).await;
    assert_problem(renamed, 400).await;
    assert_problem_saying(
        patch(&app, &admin, LCW, &json!({"name": "GLOW Maths Hub"})).await,
        409,
        "GLOW Maths Hub",
    )
    .await;
    assert_eq!(reference_data(&app).await, before);
    assert_eq!(audit_count(&app, "hub.updated", LCW).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn retire_returns_409_naming_what_still_relies_on_the_hub() {
    let (app, admin) = spawn_as_admin().await;
    let before = reference_data(&app).await;

    let problem = assert_problem(
        post(&app, &admin, &format!("/api/v1/hubs/{LCW}/retire"), None).await,
        409,
    )
    .await;

    assert_says_all(
        problem["detail"].as_str().unwrap(),
        &[
            "E09000009",
            "work groups neither completed nor cancelled",
            "enabled accounts of its managers and leads",
        ],
    );
    assert_eq!(reference_data(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retired_hub_leaves_the_list_and_no_longer_changes() {
    let (app, admin) = spawn_as_admin().await;
    add_spare_hub(&app).await;

    let retired = json_body(
        post(&app, &admin, "/api/v1/hubs/spare-hub/retire", None).await,
        200,
    )
    .await;

    assert!(retired["retired_at"].is_string(), "{retired}");
    let listed = app.walk("/api/v1/hubs", 100).await;
    assert!(listed.iter().all(|hub| hub["slug"] != "spare-hub"));
    assert_eq!(audit_count(&app, "hub.retired", "spare-hub").await, 1);
    let before = reference_data(&app).await;
    assert_problem_saying(
        patch(&app, &admin, "spare-hub", &json!({"name": "Revived"})).await,
        409,
        "retired",
    )
    .await;
    assert_problem_saying(
        post(&app, &admin, "/api/v1/hubs/spare-hub/retire", None).await,
        409,
        "retired",
    )
    .await;
    assert_problem(
        post(&app, &admin, "/api/v1/hubs/no-such-hub/retire", None).await,
        404,
    )
    .await;
    assert_eq!(reference_data(&app).await, before);
}
