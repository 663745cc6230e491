//! A work group's sessions run through the API: times checked against the calendar rules,
//! shown in London time across the clock change, overlaps refused, changes audited.

use reqwest::Method;
use reqwest::header::{ETAG, IF_MATCH, LOCATION};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, invalid_fields, json_body,
    present_at_first_session,
};

const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const LEAD: &str = "lead.lcw@demo.mathshub.invalid";
const GLOW_LEAD: &str = "lead.glow.post16@demo.mathshub.invalid";

/// A draft LCW group for NCP21-15 (2021/22) led by the LCW lead, and the manager's token.
async fn draft_group(app: &TestApp) -> (String, String) {
    let manager = app.token(MANAGER).await;
    let lead = app
        .query_text(
            "SELECT id::text AS value FROM users WHERE email = $1",
            &[LEAD],
        )
        .await;
    let body = json!({
        "hub": "london-central-and-west", "project": "NCP21-15", "code": "LCW21-15-09",
        "title": "Secondary Subject Leadership (summer)", "phase": "secondary", "mode": "blended",
        "capacity": 20, "admission": "review", "eoi_deadline": "2022-01-01T12:00:00+00:00",
        "leads": [{"user_id": lead, "role": "work_group_lead"}]
    });
    let created = json_body(
        app.send(
            Method::POST,
            "/api/v1/work-groups",
            Some(&manager),
            Some(&body),
        )
        .await,
        201,
    )
    .await;
    (created["id"].as_str().unwrap().to_owned(), manager)
}

fn session(starts_at: &str, ends_at: &str) -> Value {
    json!({"kind": "workshop", "mode": "face_to_face", "starts_at": starts_at, "ends_at": ends_at,
           "venue": {"name": "Twyford Church of England High School", "postcode": "W3 9PP"}})
}

/// Adds a face-to-face workshop, which must be accepted (201), and returns it.
async fn added(app: &TestApp, token: &str, group: &str, starts_at: &str, ends_at: &str) -> Value {
    json_body(
        add(app, token, group, &session(starts_at, ends_at)).await,
        201,
    )
    .await
}

async fn add(app: &TestApp, token: &str, group: &str, body: &Value) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/work-groups/{group}/sessions"),
        Some(token),
        Some(body),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_keep_their_instant_and_show_london_time_in_winter_and_summer() {
    let app = TestApp::spawn_with_demo().await;
    let (group, manager) = draft_group(&app).await;

    let winter = added(
        &app,
        &manager,
        &group,
        "2022-01-12T09:30:00Z",
        "2022-01-12T14:30:00Z",
    )
    .await;
    assert_eq!(winter["starts_at"], "2022-01-12T09:30:00+00:00");
    // Sent in another offset, shown in London's summer time: the same instant.
    let response = add(
        &app,
        &manager,
        &group,
        &session("2022-06-15T10:30:00+02:00", "2022-06-15T17:00:00+02:00"),
    )
    .await;
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let summer = json_body(response, 201).await;
    assert_eq!(summer["starts_at"], "2022-06-15T09:30:00+01:00");
    assert_eq!(summer["ends_at"], "2022-06-15T16:00:00+01:00");
    assert_eq!(summer["sequence"], 2);
    assert_eq!(
        location,
        format!("/api/v1/sessions/{}", summer["id"].as_str().unwrap())
    );
    let read = json_body(
        app.send(Method::GET, &location, Some(&manager), None).await,
        200,
    )
    .await;
    assert_eq!(read["starts_at"], "2022-06-15T09:30:00+01:00");
    // The group is a draft: its sessions are not public.
    assert_problem(app.get(&location).await, 404).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn times_against_the_calendar_rules_are_all_named_at_once() {
    let app = TestApp::spawn_with_demo().await;
    let (group, manager) = draft_group(&app).await;
    // Well-formed times that break the calendar rules answer 422; malformed fields, 400.
    let cases = [
        (
            session("2022-01-12T14:30:00Z", "2022-01-12T09:30:00Z"),
            vec!["ends_at"],
            422,
        ),
        (
            session("2022-01-12T20:00:00Z", "2022-01-13T01:00:00Z"),
            vec!["ends_at"],
            422,
        ),
        (
            session("2022-09-05T09:00:00+01:00", "2022-09-05T10:00:00+01:00"),
            vec!["starts_at"],
            422,
        ),
        (
            json!({"kind": "lecture", "mode": "carrier_pigeon", "starts_at": "soon", "ends_at": "later",
                   "joining_link": "http://insecure.example", "venue": {"name": " "}}),
            vec![
                "ends_at",
                "joining_link",
                "kind",
                "mode",
                "starts_at",
                "venue.name",
            ],
            400,
        ),
    ];
    for (body, expected, status) in cases {
        let problem = assert_problem(add(&app, &manager, &group, &body).await, status).await;
        let mut fields = invalid_fields(&problem);
        fields.sort();
        assert_eq!(fields, expected, "{body}");
    }
    let count = app
        .query_count(
            "SELECT count(*) AS count FROM sessions WHERE work_group_id = $1::uuid",
            &[&group],
        )
        .await;
    assert_eq!(count, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_may_span_as_many_london_days_as_its_project_allows() {
    let app = TestApp::spawn_with_demo().await;
    let (group, manager) = draft_group(&app).await;
    let admin = app.token("admin@demo.mathshub.invalid").await;
    let residential = session("2022-01-12T09:30:00Z", "2022-01-13T16:00:00Z");
    let refused = assert_problem(add(&app, &manager, &group, &residential).await, 422).await;
    assert_eq!(invalid_fields(&refused), ["ends_at"]);

    let allowed = json!({"session_days": 2});
    let project = app
        .send(
            Method::PATCH,
            "/api/v1/projects/NCP21-15",
            Some(&admin),
            Some(&allowed),
        )
        .await;
    assert_eq!(json_body(project, 200).await["session_days"], 2);

    json_body(add(&app, &manager, &group, &residential).await, 201).await;
    let three_days = session("2022-01-17T09:30:00Z", "2022-01-19T16:00:00Z");
    let problem = assert_problem(add(&app, &manager, &group, &three_days).await, 422).await;
    assert!(problem.to_string().contains("within 2 days"), "{problem}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_overlapping_session_is_refused_and_back_to_back_ones_are_not() {
    let app = TestApp::spawn_with_demo().await;
    let (group, manager) = draft_group(&app).await;
    added(
        &app,
        &manager,
        &group,
        "2022-02-01T09:00:00Z",
        "2022-02-01T12:00:00Z",
    )
    .await;
    assert_problem_saying(
        add(
            &app,
            &manager,
            &group,
            &session("2022-02-01T11:00:00Z", "2022-02-01T13:00:00Z"),
        )
        .await,
        409,
        "overlaps",
    )
    .await;
    added(
        &app,
        &manager,
        &group,
        "2022-02-01T12:00:00Z",
        "2022-02-01T13:00:00Z",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_group_s_lead_adds_sessions_and_sees_the_joining_link_others_do_not() {
    let app = TestApp::spawn_with_demo().await;
    let (group, _) = draft_group(&app).await;
    let lead = app.token(LEAD).await;
    let online = json!({"kind": "workshop", "mode": "online", "starts_at": "2022-03-09T16:00:00Z",
                        "ends_at": "2022-03-09T17:00:00Z", "joining_link": "https://meet.example.invalid/summer"});
    let created = json_body(add(&app, &lead, &group, &online).await, 201).await;
    assert_eq!(
        created["joining_link"],
        "https://meet.example.invalid/summer"
    );
    let other = app.token(GLOW_LEAD).await;
    // A draft is private: another hub's lead cannot even see it.
    assert_problem(add(&app, &other, &group, &online).await, 404).await;

    app.execute(&format!(
        "UPDATE work_groups SET status = 'open' WHERE id = '{group}'"
    ))
    .await;
    let path = format!("/api/v1/sessions/{}", created["id"].as_str().unwrap());
    assert_eq!(app.get_json(&path, 200).await["joining_link"], Value::Null);
    let seen = json_body(app.send(Method::GET, &path, Some(&lead), None).await, 200).await;
    assert_eq!(seen["joining_link"], "https://meet.example.invalid/summer");
    assert_problem(add(&app, &other, &group, &online).await, 403).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn moving_and_removing_sessions_of_a_group_with_places_taken_is_audited_with_their_number() {
    let app = TestApp::spawn_with_demo().await;
    let (group, manager) = draft_group(&app).await;
    let created = added(
        &app,
        &manager,
        &group,
        "2022-01-12T09:30:00Z",
        "2022-01-12T14:30:00Z",
    )
    .await;
    let path = format!("/api/v1/sessions/{}", created["id"].as_str().unwrap());
    // A second session, so the open group keeps one when the first is removed.
    app.execute(&format!(
        "INSERT INTO sessions (id, work_group_id, kind, mode, starts_at, ends_at) \
         VALUES (gen_random_uuid(), '{group}', 'workshop', 'face_to_face', \
                 '2022-02-09 09:30+00', '2022-02-09 14:30+00');
         UPDATE work_groups SET status = 'open', accepted_count = 5 WHERE id = '{group}'"
    ))
    .await;
    let tag = app.get(&path).await.headers()[ETAG]
        .to_str()
        .unwrap()
        .to_owned();
    let staff_tag = app
        .send(Method::GET, &path, Some(&manager), None)
        .await
        .headers()[ETAG]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        tag, staff_tag,
        "no joining link, so the same version for everyone"
    );

    let moved = app
        .client
        .patch(format!("{}{path}", app.address))
        .bearer_auth(&manager)
        .header(IF_MATCH, &tag)
        .json(&json!({"starts_at": "2022-01-19T09:30:00Z", "ends_at": "2022-01-19T14:30:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(moved, 200).await["starts_at"],
        "2022-01-19T09:30:00+00:00"
    );
    let stale = app
        .client
        .patch(format!("{}{path}", app.address))
        .bearer_auth(&manager)
        .header(IF_MATCH, &tag)
        .json(&json!({"notes": "Bring laptops."}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412).await;
    let removed = app.send(Method::DELETE, &path, Some(&manager), None).await;
    assert_eq!(removed.status(), 204);
    assert_problem(app.get(&path).await, 404).await;

    let audited = app
        .query_text(
            "SELECT string_agg(action || ':' || (details->>'accepted_participants'), ',' ORDER BY id) AS value \
             FROM audit_log WHERE object_type = 'session'",
            &[],
        )
        .await;
    assert_eq!(
        audited,
        "session.created:0,session.updated:5,session.deleted:5"
    );
    let events = app
        .query_count(
            "SELECT count(*) AS count FROM work_group_events WHERE work_group_id = $1::uuid",
            &[&group],
        )
        .await;
    assert_eq!(
        events, 2,
        "the move and the removal of a public group's session"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_of_a_cancelled_group_no_longer_change() {
    let app = TestApp::spawn_with_demo().await;
    let (group, manager) = draft_group(&app).await;
    app.execute(&format!(
        "UPDATE work_groups SET status = 'cancelled', cancellation_reason = 'No venue' WHERE id = '{group}'"
    ))
    .await;
    assert_problem_saying(
        add(
            &app,
            &manager,
            &group,
            &session("2022-01-12T09:30:00Z", "2022-01-12T14:30:00Z"),
        )
        .await,
        409,
        "cancelled",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_with_attendance_recorded_is_kept() {
    let app = TestApp::spawn_with_demo().await;
    crate::helpers::reopen_documented_group(&app, "LCW21-15-01").await;
    let manager = app.token(MANAGER).await;
    let (_, session) = present_at_first_session(&app, "LCW21-15-01", "Present Participant").await;

    let refused = app
        .send(
            Method::DELETE,
            &format!("/api/v1/sessions/{session}"),
            Some(&manager),
            None,
        )
        .await;

    assert_problem_saying(refused, 409, "can no longer be deleted").await;
    let kept = app
        .query_count(
            "SELECT count(*) AS count FROM attendance WHERE session_id = $1::uuid",
            &[&session],
        )
        .await;
    assert_eq!(kept, 1);
}
