//! A work group that confirms places only with the school's senior leader's agreement, over
//! HTTP: an expression of interest without it waits, pending, and takes no place; recording it
//! admits the enrolment as the group's admission would; staff cannot accept without it; and
//! the waiting list passes over those still awaiting it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::enrolment_writes::{interest, open_group};
use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, audit_count, invalid_fields, json_body,
};

const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const LEAD: &str = "lead.lcw@demo.mathshub.invalid";
const TWYFORD: &str = "137083";

fn with_agreement() -> Value {
    let mut body = interest();
    body["senior_leader_agreement"] = json!({"name": "Grace Adeyemi", "role": "Headteacher"});
    body
}

async fn require_agreement(app: &TestApp, group: &str, required: bool) -> Value {
    let manager = app.token(MANAGER).await;
    json_body(
        app.send(
            Method::PATCH,
            &format!("/api/v1/work-groups/{group}"),
            Some(&manager),
            Some(&json!({"requires_senior_leader_agreement": required})),
        )
        .await,
        200,
    )
    .await
}

async fn express(app: &TestApp, token: &str, group: &str, body: &Value) -> Value {
    json_body(
        app.send(
            Method::POST,
            &format!("/api/v1/work-groups/{group}/enrolments"),
            Some(token),
            Some(body),
        )
        .await,
        201,
    )
    .await
}

async fn record_agreement(app: &TestApp, token: &str, enrolment: &Value) -> Value {
    json_body(
        app.send(
            Method::PUT,
            &format!(
                "/api/v1/enrolments/{}/senior-leader-agreement",
                enrolment["id"].as_str().unwrap()
            ),
            Some(token),
            Some(&json!({"name": "Grace Adeyemi", "role": "Headteacher"})),
        )
        .await,
        200,
    )
    .await
}

async fn act(app: &TestApp, token: &str, enrolment: &Value, action: &str) -> reqwest::Response {
    let body = (action == "withdraw").then(|| json!({"reason": "Moving school."}));
    app.send(
        Method::POST,
        &format!(
            "/api/v1/enrolments/{}/{action}",
            enrolment["id"].as_str().unwrap()
        ),
        Some(token),
        body.as_ref(),
    )
    .await
}

async fn places_left(app: &TestApp, group: &str) -> i64 {
    json_body(
        app.send(
            Method::GET,
            &format!("/api/v1/work-groups/{group}"),
            None,
            None,
        )
        .await,
        200,
    )
    .await["places_left"]
        .as_i64()
        .unwrap()
}

async fn status_of(app: &TestApp, enrolment: &Value) -> String {
    app.query_text(
        "SELECT status || coalesce(':' || waitlist_position, '') AS value FROM enrolments WHERE id = $1::uuid",
        &[enrolment["id"].as_str().unwrap()],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_agreement_an_expression_of_interest_waits_and_takes_no_place() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 2, "automatic").await;
    let shown = require_agreement(&app, &group, true).await;
    assert_eq!(shown["requires_senior_leader_agreement"], true);
    let people = app.participants(3, TWYFORD, "head_of_department").await;

    let held = express(&app, &people[0].1, &group, &interest()).await;
    assert_eq!(held["status"], "pending");
    assert_eq!(places_left(&app, &group).await, 2);
    let agreed = express(&app, &people[1].1, &group, &with_agreement()).await;
    assert_eq!(agreed["status"], "accepted");
    assert_eq!(places_left(&app, &group).await, 1);

    // Recording it admits the held enrolment at once, as automatic admission would have.
    let admitted = record_agreement(&app, &people[0].1, &held).await;
    assert_eq!(admitted["status"], "accepted");
    assert_eq!(places_left(&app, &group).await, 0);
    let id = held["id"].as_str().unwrap();
    assert_eq!(audit_count(&app, "enrolment.admitted", id).await, 1);
    let told = app
        .query_count(
            "SELECT count(*) AS count FROM outbox_messages m JOIN enrolments e ON e.participant_id = m.recipient_id \
              WHERE e.id = $1::uuid AND m.kind = 'accepted'",
            &[id],
        )
        .await;
    assert_eq!(told, 1);
    // Recording it again replaces it and admits nothing more.
    record_agreement(&app, &people[0].1, &held).await;
    assert_eq!(audit_count(&app, "enrolment.admitted", id).await, 1);

    // With the group full, the agreement puts the next one at the end of the waiting list.
    let late = express(&app, &people[2].1, &group, &interest()).await;
    assert_eq!(late["status"], "pending");
    let waiting = record_agreement(&app, &people[2].1, &late).await;
    assert_eq!(waiting["status"], "waitlisted");
    assert_eq!(waiting["waitlist_position"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_cannot_accept_without_the_agreement_and_may_once_it_is_recorded() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 5, "review").await;
    require_agreement(&app, &group, true).await;
    let (_, teacher) = app
        .participants(1, TWYFORD, "head_of_department")
        .await
        .remove(0);
    let lead = app.token(LEAD).await;
    let pending = express(&app, &teacher, &group, &interest()).await;
    assert_eq!(pending["status"], "pending");

    assert_problem_saying(
        act(&app, &lead, &pending, "accept").await,
        409,
        "senior leader's agreement",
    )
    .await;
    assert_eq!(status_of(&app, &pending).await, "pending");
    assert_eq!(places_left(&app, &group).await, 5);

    // In a group that reviews, recording the agreement leaves the decision to its staff.
    let agreed = record_agreement(&app, &teacher, &pending).await;
    assert_eq!(agreed["status"], "pending");
    json_body(act(&app, &lead, &pending, "accept").await, 200).await;
    assert_eq!(status_of(&app, &pending).await, "accepted");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_waiting_list_passes_over_those_still_awaiting_the_agreement() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 1, "automatic").await;
    let people = app.participants(3, TWYFORD, "head_of_department").await;
    let holder = express(&app, &people[0].1, &group, &interest()).await;
    let first = express(&app, &people[1].1, &group, &interest()).await;
    let second = express(&app, &people[2].1, &group, &with_agreement()).await;
    assert_eq!(status_of(&app, &first).await, "waitlisted:1");
    // The group comes to require the agreement while they wait.
    require_agreement(&app, &group, true).await;

    json_body(act(&app, &people[0].1, &holder, "withdraw").await, 200).await;

    assert_eq!(status_of(&app, &second).await, "accepted");
    assert_eq!(status_of(&app, &first).await, "waitlisted:1");
    // Agreed now, the first waits their turn: no place is free.
    record_agreement(&app, &people[1].1, &first).await;
    assert_eq!(status_of(&app, &first).await, "waitlisted:1");
    json_body(act(&app, &people[2].1, &second, "withdraw").await, 200).await;
    assert_eq!(status_of(&app, &first).await, "accepted");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_place_freed_while_nobody_agreed_goes_to_the_first_to_record_it() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 1, "automatic").await;
    let people = app.participants(2, TWYFORD, "head_of_department").await;
    let holder = express(&app, &people[0].1, &group, &interest()).await;
    let waiting = express(&app, &people[1].1, &group, &interest()).await;
    require_agreement(&app, &group, true).await;

    json_body(act(&app, &people[0].1, &holder, "withdraw").await, 200).await;
    assert_eq!(places_left(&app, &group).await, 1);
    assert_eq!(status_of(&app, &waiting).await, "waitlisted:1");

    let admitted = record_agreement(&app, &people[1].1, &waiting).await;
    assert_eq!(admitted["status"], "accepted");
    assert_eq!(places_left(&app, &group).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_hub_s_managers_set_the_requirement_and_a_bad_value_is_refused() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 5, "automatic").await;
    let lead = app.token(LEAD).await;
    let manager = app.token(MANAGER).await;
    let path = format!("/api/v1/work-groups/{group}");

    assert_problem_saying(
        app.send(
            Method::PATCH,
            &path,
            Some(&lead),
            Some(&json!({"requires_senior_leader_agreement": true})),
        )
        .await,
        403,
        "requires_senior_leader_agreement",
    )
    .await;
    let bad = assert_problem(
        app.send(
            Method::PATCH,
            &path,
            Some(&manager),
            Some(&json!({"requires_senior_leader_agreement": "yes"})),
        )
        .await,
        400,
    )
    .await;
    // A value of the wrong type breaks the body's schema, as every such value does.
    assert_eq!(invalid_fields(&bad), ["body"]);
    let shown = json_body(app.send(Method::GET, &path, None, None).await, 200).await;
    assert_eq!(shown["requires_senior_leader_agreement"], false);
}
