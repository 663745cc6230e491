//! Running work groups over HTTP: drafts created by their hub, edited within each caller's
//! rights, and moved through the status machine, with audit records and change events.

use reqwest::Method;
use reqwest::header::{ETAG, IF_MATCH, LOCATION};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, events_of, invalid_fields, json_body,
    new_work_group,
};

const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const LEAD: &str = "lead.lcw@demo.mathshub.invalid";
const GLOW_LEAD: &str = "lead.glow.post16@demo.mathshub.invalid";
const ADMIN: &str = "admin@demo.mathshub.invalid";

/// The id of the demo's LCW Secondary Subject Leadership group.
async fn demo_group_id(app: &TestApp) -> String {
    app.query_text(
        "SELECT id::text AS value FROM work_groups WHERE code = 'LCW21-15-01'",
        &[],
    )
    .await
}

/// How many audit records of `action` the group has.
async fn audit_records(app: &TestApp, action: &str, group: &str) -> i64 {
    app.query_count(
        "SELECT count(*) AS count FROM audit_log WHERE action = $1 AND object_id = $2",
        &[action, group],
    )
    .await
}

async fn patch(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.send(Method::PATCH, path, Some(token), Some(body)).await
}

async fn post_group(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.send(Method::POST, "/api/v1/work-groups", Some(token), Some(body))
        .await
}

/// Creates a draft as the LCW hub manager and returns it.
async fn create(app: &TestApp, token: &str, body: &Value) -> Value {
    json_body(post_group(app, token, body).await, 201).await
}

async fn action(
    app: &TestApp,
    token: &str,
    id: &str,
    verb: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/work-groups/{id}/{verb}"),
        Some(token),
        body,
    )
    .await
}

/// A new draft of `code` led by the demo's LCW lead: opening needs a lead.
fn led_group(code: &str) -> Value {
    let mut body = new_work_group(code);
    body["leads"] =
        json!([{"user_id": "017ce0d0-0000-7000-8000-000000000501", "role": "work_group_lead"}]);
    body
}

async fn add_session(app: &TestApp, group: &str) {
    app.execute(&format!(
        "INSERT INTO sessions (id, work_group_id, kind, mode, starts_at, ends_at) \
         VALUES (gen_random_uuid(), '{group}', 'workshop', 'face_to_face', \
                 '2099-11-17 09:30+00', '2099-11-17 14:30+00')"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_manager_creates_a_draft_that_only_its_staff_can_see() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let response = app
        .send(
            Method::POST,
            "/api/v1/work-groups",
            Some(&manager),
            Some(&new_work_group("LCW21-15-02")),
        )
        .await;
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let created = json_body(response, 201).await;
    assert_eq!(created["status"], "draft");
    assert_eq!(created["academic_year"], "2021/22");
    assert_eq!(created["hub"]["slug"], "london-central-and-west");
    assert_eq!(created["places_left"], 30);
    let id = created["id"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/work-groups/{id}"));

    assert_problem(app.get(&location).await, 404).await;
    let lead_of_other_hub = app.token(GLOW_LEAD).await;
    assert_problem(
        app.send(Method::GET, &location, Some(&lead_of_other_hub), None)
            .await,
        404,
    )
    .await;
    let seen = json_body(
        app.send(Method::GET, &location, Some(&manager), None).await,
        200,
    )
    .await;
    assert_eq!(seen["code"], "LCW21-15-02");
    assert_eq!(audit_records(&app, "work_group.created", id).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_names_every_bad_field_at_once_and_creates_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let before = app
        .query_count("SELECT count(*) AS count FROM work_groups", &[])
        .await;
    let body = json!({
        "hub": "Not A Slug", "project": "nope", "code": "lower-case", "title": " ",
        "phase": "sixth_form", "mode": "by_post", "capacity": 0, "admission": "lottery",
        "eoi_deadline": "next tuesday", "venue": {"name": ""}
    });
    let problem = assert_problem(post_group(&app, &admin, &body).await, 400).await;
    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "admission",
            "capacity",
            "code",
            "eoi_deadline",
            "hub",
            "mode",
            "phase",
            "project",
            "title",
            "venue.name"
        ]
    );
    let unknown = json!({"status": "open"});
    let mut with_status = new_work_group("LCW21-15-03");
    with_status
        .as_object_mut()
        .unwrap()
        .extend(unknown.as_object().unwrap().clone());
    assert_problem(post_group(&app, &admin, &with_status).await, 400).await;
    // Over the documented `maxItems` of 10 leads.
    let mut crowded = new_work_group("LCW21-15-03");
    crowded["leads"] = json!(vec![
        json!({"user_id": uuid::Uuid::nil(), "role": "work_group_lead"});
        11
    ]);
    let problem = assert_problem(post_group(&app, &admin, &crowded).await, 400).await;
    assert_eq!(invalid_fields(&problem), ["leads"]);
    assert_eq!(
        app.query_count("SELECT count(*) AS count FROM work_groups", &[])
            .await,
        before
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_refuses_a_phase_outside_the_project_a_lead_of_another_hub_and_a_taken_code() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let mut primary = new_work_group("LCW21-15-04");
    primary["phase"] = json!("primary");
    let problem = assert_problem(post_group(&app, &manager, &primary).await, 422).await;
    assert_eq!(invalid_fields(&problem), ["phase"]);

    let glow_lead = app
        .query_text(
            &format!("SELECT id::text AS value FROM users WHERE email = '{GLOW_LEAD}'"),
            &[],
        )
        .await;
    let mut foreign_lead = new_work_group("LCW21-15-05");
    foreign_lead["leads"] = json!([{"user_id": glow_lead, "role": "work_group_lead"}]);
    let problem = assert_problem(post_group(&app, &manager, &foreign_lead).await, 422).await;
    assert_eq!(invalid_fields(&problem), ["leads[0].user_id"]);

    assert_problem_saying(
        post_group(&app, &manager, &new_work_group("LCW21-15-01")).await,
        409,
        "LCW21-15-01",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_opens_only_once_it_has_a_session_and_then_the_public_sees_it() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let created = create(&app, &manager, &led_group("LCW21-15-06")).await;
    let id = created["id"].as_str().unwrap();

    assert_problem_saying(
        action(&app, &manager, id, "open", None).await,
        409,
        "at least one session",
    )
    .await;
    assert_eq!(
        events_of(&app, id).await,
        "",
        "a refused opening records no event"
    );

    add_session(&app, id).await;
    let opened = json_body(action(&app, &manager, id, "open", None).await, 200).await;
    assert_eq!(opened["status"], "open");
    app.get_json(&format!("/api/v1/work-groups/{id}"), 200)
        .await;
    let events = events_of(&app, id).await;
    assert_eq!(events, "opened");

    assert_problem_saying(
        action(&app, &manager, id, "open", None).await,
        409,
        "already open",
    )
    .await;
    json_body(action(&app, &manager, id, "close", None).await, 200).await;
    let reopened = json_body(action(&app, &manager, id, "open", None).await, 200).await;
    assert_eq!(reopened["status"], "open");
}

#[tokio::test(flavor = "multi_thread")]
async fn capacity_cannot_drop_below_the_accepted_and_taking_the_last_place_fills_the_group() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let created = create(&app, &manager, &led_group("LCW21-15-07")).await;
    let id = created["id"].as_str().unwrap();
    add_session(&app, id).await;
    json_body(action(&app, &manager, id, "open", None).await, 200).await;
    app.execute(&format!(
        "UPDATE work_groups SET accepted_count = 5 WHERE id = '{id}'"
    ))
    .await;
    let path = format!("/api/v1/work-groups/{id}");

    assert_problem_saying(
        patch(&app, &manager, &path, &json!({"capacity": 4})).await,
        409,
        "5 participant",
    )
    .await;
    let full = json_body(
        patch(&app, &manager, &path, &json!({"capacity": 5})).await,
        200,
    )
    .await;
    assert_eq!(
        (full["status"].as_str(), full["places_left"].as_i64()),
        (Some("full"), Some(0))
    );
    let reopened = json_body(
        patch(&app, &manager, &path, &json!({"capacity": 6})).await,
        200,
    )
    .await;
    assert_eq!(reopened["status"], "open");
    let events = events_of(&app, id).await;
    assert_eq!(events, "opened,filled,reopened");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lead_edits_the_description_of_their_own_group_only() {
    let app = TestApp::spawn_with_demo().await;
    let lead = app.token(LEAD).await;
    let group = demo_group_id(&app).await;
    let path = format!("/api/v1/work-groups/{group}");

    let edited = json_body(
        patch(
            &app,
            &lead,
            &path,
            &json!({"description": "Bring your scheme of work."}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(edited["description"], "Bring your scheme of work.");
    assert_problem_saying(
        patch(
            &app,
            &lead,
            &path,
            &json!({"capacity": 40, "description": "x"}),
        )
        .await,
        403,
        "capacity",
    )
    .await;
    assert_eq!(
        app.get_json(&path, 200).await["description"],
        "Bring your scheme of work."
    );
    let other = app.token(GLOW_LEAD).await;
    assert_problem(
        patch(&app, &other, &path, &json!({"description": "Mine now"})).await,
        403,
    )
    .await;
    assert_eq!(audit_records(&app, "work_group.updated", &group).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_second_of_two_concurrent_editors_gets_412_and_nothing_of_theirs_applies() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let admin = app.token(ADMIN).await;
    let group = demo_group_id(&app).await;
    let path = format!("/api/v1/work-groups/{group}");
    let tag = app
        .send(Method::GET, &path, Some(&manager), None)
        .await
        .headers()[ETAG]
        .to_str()
        .unwrap()
        .to_owned();
    let patch_with_tag = |token: &str, body: Value| {
        app.client
            .patch(format!("{}{path}", app.address))
            .bearer_auth(token)
            .header(IF_MATCH, &tag)
            .json(&body)
            .send()
    };

    let first = patch_with_tag(&manager, json!({"title": "First editor's title"}))
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let second = patch_with_tag(
        &admin,
        json!({"title": "Second editor's title", "capacity": 25}),
    )
    .await
    .unwrap();
    assert_problem(second, 412).await;
    let now = app
        .send(Method::GET, &path, Some(&manager), None)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(now["title"], "First editor's title");
    assert_ne!(now["capacity"], 25);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_needs_a_reason_and_a_group_not_yet_completed() {
    let app = TestApp::spawn_with_demo().await;
    crate::helpers::reopen_documented_group(&app, "LCW21-15-01").await;
    let manager = app.token(MANAGER).await;
    let group = demo_group_id(&app).await;

    let blank = assert_problem(
        action(
            &app,
            &manager,
            &group,
            "cancel",
            Some(&json!({"reason": "  "})),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&blank), ["reason"]);
    // PostgreSQL's text cannot hold U+0000: refused as the input's fault, nothing changed.
    let nul = assert_problem(
        action(
            &app,
            &manager,
            &group,
            "cancel",
            Some(&json!({"reason": "Closed\u{0} today."})),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&nul), ["input"]);
    let cancelled = json_body(
        action(
            &app,
            &manager,
            &group,
            "cancel",
            Some(&json!({"reason": "The venue is closed for works."})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        cancelled["cancellation_reason"],
        "The venue is closed for works."
    );
    assert_problem(
        action(
            &app,
            &manager,
            &group,
            "cancel",
            Some(&json!({"reason": "again"})),
        )
        .await,
        409,
    )
    .await;

    let other = create(&app, &manager, &new_work_group("LCW21-15-08")).await;
    let other = other["id"].as_str().unwrap();
    app.execute(&format!(
        "UPDATE work_groups SET status = 'completed' WHERE id = '{other}'"
    ))
    .await;
    assert_problem_saying(
        action(
            &app,
            &manager,
            other,
            "cancel",
            Some(&json!({"reason": "late"})),
        )
        .await,
        409,
        "completed",
    )
    .await;
}
