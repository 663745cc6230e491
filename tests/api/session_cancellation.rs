//! Cancelling one session, over HTTP on the demo's next cohort of the LCW group
//! (open, every session ahead): who may, when it is refused, and what a cancelled session no
//! longer counts for: the group's sessions and dates, its slot, attendance, late-withdrawal
//! fees and the status clock.

use mathshub::db::status_clock;
use reqwest::Method;
use reqwest::header::ETAG;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, each_of, etag_of, events_of, hold_places,
    invalid_fields, json_body, next_cohort, patch_if_match, send_if_match,
};

const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const LEAD: &str = "lead.lcw@demo.mathshub.invalid";
const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";
const GLOW_LEAD: &str = "lead.glow.post16@demo.mathshub.invalid";
const REASON: &str = "The venue is closed for repairs that week.";

/// The next cohort of the demo's LCW group: its code, its id and its three sessions' ids in
/// time order.
struct Cohort {
    code: String,
    id: String,
    sessions: Vec<String>,
}

async fn cohort(app: &TestApp) -> Cohort {
    let code = next_cohort(app);
    let id = app
        .query_text(
            "SELECT id::text AS value FROM work_groups WHERE code = $1",
            &[&code],
        )
        .await;
    let sessions = app
        .query_text(
            "SELECT string_agg(id::text, ',' ORDER BY starts_at) AS value FROM sessions \
              WHERE work_group_id = $1::uuid",
            &[&id],
        )
        .await
        .split(',')
        .map(str::to_owned)
        .collect();
    Cohort { code, id, sessions }
}

fn reason(text: &str) -> Value {
    json!({"reason": text})
}

async fn cancel(
    app: &TestApp,
    token: Option<&str>,
    session: &str,
    body: &Value,
) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/sessions/{session}/cancel"),
        token,
        Some(body),
    )
    .await
}

/// Cancels the session as the LCW manager, which must succeed, and answers the session.
async fn cancelled(app: &TestApp, session: &str) -> Value {
    let manager = app.token(MANAGER).await;
    json_body(
        cancel(app, Some(&manager), session, &reason(REASON)).await,
        200,
    )
    .await
}

async fn status_of(app: &TestApp, session: &str) -> Value {
    app.get_json(&format!("/api/v1/sessions/{session}"), 200)
        .await["status"]
        .clone()
}

/// The group's `session_count`, `first_session_at` and `last_session_at` (as UTC text).
async fn span_of(app: &TestApp, group: &str) -> String {
    app.query_text(
        "SELECT concat_ws(' ', session_count, \
                to_char(first_session_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI'), \
                to_char(last_session_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI')) AS value \
           FROM work_groups WHERE id = $1::uuid",
        &[group],
    )
    .await
}

/// A session's start in UTC, as `span_of` writes it.
async fn start_of(app: &TestApp, session: &str) -> String {
    app.query_text(
        "SELECT to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI') AS value \
           FROM sessions WHERE id = $1::uuid",
        &[session],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_returns_the_session_cancelled_with_its_reason_audited_and_fed_to_partners() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = cohort(&app).await;
    let lead = app.token(LEAD).await;
    let session = &cohort.sessions[1];

    let answer = json_body(
        cancel(
            &app,
            Some(&lead),
            session,
            &reason(&format!("  {REASON}\n")),
        )
        .await,
        200,
    )
    .await;

    assert_eq!(
        (&answer["id"], &answer["status"], &answer["sequence"]),
        (&json!(session), &json!("cancelled"), &json!(2))
    );
    assert_eq!(answer["cancellation_reason"], REASON);
    assert!(answer["cancelled_at"].is_string(), "{answer}");
    let read = app
        .get_json(&format!("/api/v1/sessions/{session}"), 200)
        .await;
    assert_eq!(
        (&read["status"], &read["cancellation_reason"]),
        (&json!("cancelled"), &json!(REASON))
    );
    // Lists keep it, so people see the date is off.
    let listed = app
        .get_json(&format!("/api/v1/work-groups/{}/sessions", cohort.id), 200)
        .await;
    assert_eq!(
        each_of(&listed["items"], "status"),
        ["scheduled", "cancelled", "scheduled"]
    );
    let group = app
        .get_json(&format!("/api/v1/work-groups/{}", cohort.id), 200)
        .await;
    assert_eq!(
        each_of(&group["sessions"], "status"),
        ["scheduled", "cancelled", "scheduled"]
    );
    let audited = app
        .query_text(
            "SELECT (details->>'reason') || '|' || (details->>'work_group_id') AS value \
               FROM audit_log WHERE action = 'session.cancelled' AND object_id = $1",
            &[session],
        )
        .await;
    assert_eq!(audited, format!("{REASON}|{}", cohort.id));
    assert_eq!(events_of(&app, &cohort.id).await, "updated");
    let change = app
        .query_text(
            "SELECT (details->>'change') || '|' || (details->>'session_id') AS value \
               FROM work_group_events WHERE work_group_id = $1::uuid",
            &[&cohort.id],
        )
        .await;
    assert_eq!(change, format!("session.cancelled|{session}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_returns_401_403_or_404_to_callers_who_do_not_run_the_group() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = cohort(&app).await;
    let session = &cohort.sessions[0];
    let admin = app.token("admin@demo.mathshub.invalid").await;
    let glow_manager = json!({"email": "manager.glow@school.example", "name": "GLOW Manager",
                              "role": "hub_manager", "hub": "glow", "password": "a long passphrase"});
    json_body(
        app.send(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(&glow_manager),
        )
        .await,
        201,
    )
    .await;
    let signed_in: Value = app
        .login("manager.glow@school.example", "a long passphrase")
        .await
        .json()
        .await
        .unwrap();
    let glow_manager = signed_in["access_token"].as_str().unwrap().to_owned();
    let teacher = app.token(TEACHER).await;
    let glow_lead = app.token(GLOW_LEAD).await;
    let body = reason(REASON);

    assert_problem(cancel(&app, None, session, &body).await, 401).await;
    for token in [&teacher, &glow_lead, &glow_manager] {
        assert_problem(cancel(&app, Some(token), session, &body).await, 403).await;
    }
    let unknown = "01931b8f-0000-7000-8000-0000000000ff";
    assert_problem(cancel(&app, Some(&admin), unknown, &body).await, 404).await;
    assert_problem(cancel(&app, Some(&admin), "not-a-uuid", &body).await, 400).await;
    // A draft is hidden from those who do not run it.
    app.execute(&format!(
        "UPDATE work_groups SET status = 'draft' WHERE id = '{}'",
        cohort.id
    ))
    .await;
    assert_problem(cancel(&app, Some(&glow_manager), session, &body).await, 404).await;

    let still = app
        .query_count(
            "SELECT count(*) AS count FROM sessions WHERE cancelled_at IS NULL AND id = $1::uuid",
            &[session],
        )
        .await;
    assert_eq!(still, 1, "no refused caller cancelled it");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_returns_409_for_a_session_cancelled_already_or_begun_or_of_a_group_over() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = cohort(&app).await;
    let manager = app.token(MANAGER).await;
    let body = reason(REASON);
    let [first, second, third] = [0, 1, 2].map(|n| cohort.sessions[n].clone());

    cancelled(&app, &third).await;
    assert_problem_saying(
        cancel(&app, Some(&manager), &third, &body).await,
        409,
        "The session is cancelled",
    )
    .await;

    app.execute(&format!(
        "UPDATE sessions SET starts_at = now() - interval '1 hour', ends_at = now() + interval '1 hour' \
          WHERE id = '{first}'"
    ))
    .await;
    assert_problem_saying(
        cancel(&app, Some(&manager), &first, &body).await,
        409,
        "has begun",
    )
    .await;
    assert_eq!(status_of(&app, &first).await, "scheduled");

    for (status, reason_sql, words) in [
        ("completed", "NULL", "work group is completed"),
        ("cancelled", "'No venue'", "work group is cancelled"),
    ] {
        app.execute(&format!(
            "UPDATE work_groups SET status = '{status}', cancellation_reason = {reason_sql} \
              WHERE id = '{}'",
            cohort.id
        ))
        .await;
        assert_problem_saying(
            cancel(&app, Some(&manager), &second, &body).await,
            409,
            words,
        )
        .await;
        assert_eq!(status_of(&app, &second).await, "scheduled");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_returns_412_when_if_match_names_a_stale_version() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = cohort(&app).await;
    let manager = app.token(MANAGER).await;
    let session = &cohort.sessions[0];
    let path = format!("/api/v1/sessions/{session}");
    let read_before = etag_of(&app, &path).await;
    let noted = patch_if_match(
        &app,
        &path,
        &manager,
        &read_before,
        &json!({"notes": "Bring a laptop."}),
    )
    .await;
    let current = noted.headers()[ETAG].to_str().unwrap().to_owned();
    json_body(noted, 200).await;
    let cancel_path = format!("{path}/cancel");
    let body = reason(REASON);

    let stale = send_if_match(
        &app,
        Method::POST,
        &cancel_path,
        &manager,
        &read_before,
        Some(&body),
    )
    .await;

    assert_problem(stale, 412).await;
    assert_eq!(status_of(&app, session).await, "scheduled");
    let fresh = send_if_match(
        &app,
        Method::POST,
        &cancel_path,
        &manager,
        &current,
        Some(&body),
    )
    .await;
    assert_eq!(json_body(fresh, 200).await["status"], "cancelled");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_returns_400_for_a_missing_blank_overlong_or_unknown_field() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = cohort(&app).await;
    let manager = app.token(MANAGER).await;
    let session = &cohort.sessions[0];
    let longest = "x".repeat(500);

    for (body, field) in [
        (json!({}), "body"),
        (reason(" \t\n "), "reason"),
        (reason(&format!("{longest}y")), "reason"),
        (reason(&format!(" {longest}")), "reason"),
        (json!({"reason": REASON, "notify": true}), "body"),
    ] {
        let problem = assert_problem(cancel(&app, Some(&manager), session, &body).await, 400).await;
        assert_eq!(invalid_fields(&problem), [field], "{body}");
    }
    assert_eq!(status_of(&app, session).await, "scheduled");

    // 500 characters as sent (the document's maxLength counts them so) are allowed, and
    // kept trimmed.
    let inner = &longest[2..];
    let answer = json_body(
        cancel(
            &app,
            Some(&manager),
            session,
            &reason(&format!(" {inner} ")),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(answer["cancellation_reason"], inner);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_session_no_longer_changes_but_may_be_removed() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = cohort(&app).await;
    let manager = app.token(MANAGER).await;
    let session = &cohort.sessions[0];
    let path = format!("/api/v1/sessions/{session}");
    cancelled(&app, session).await;

    let changed = app
        .send(
            Method::PATCH,
            &path,
            Some(&manager),
            Some(&json!({"notes": "Moved online."})),
        )
        .await;

    assert_problem_saying(changed, 409, "cancelled").await;
    assert_eq!(
        app.get_json(&path, 200).await["notes"],
        Value::Null,
        "nothing changed"
    );
    let removed = app.send(Method::DELETE, &path, Some(&manager), None).await;
    assert_eq!(removed.status(), 204);
    assert_problem(app.get(&path).await, 404).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_session_frees_its_time_and_leaves_the_group_s_count_and_dates() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = cohort(&app).await;
    let manager = app.token(MANAGER).await;
    let [first, second, third] = [0, 1, 2].map(|n| cohort.sessions[n].clone());
    let (first_start, second_start, third_start) = (
        start_of(&app, &first).await,
        start_of(&app, &second).await,
        start_of(&app, &third).await,
    );
    assert_eq!(
        span_of(&app, &cohort.id).await,
        format!("3 {first_start} {third_start}")
    );

    let old = cancelled(&app, &first).await;
    cancelled(&app, &third).await;

    assert_eq!(
        span_of(&app, &cohort.id).await,
        format!("1 {second_start} {second_start}")
    );
    let replacement = json!({"kind": "workshop", "mode": "face_to_face",
                             "starts_at": old["starts_at"], "ends_at": old["ends_at"],
                             "venue": {"name": "Ealing Fields High School"}});
    let added = app
        .send(
            Method::POST,
            &format!("/api/v1/work-groups/{}/sessions", cohort.id),
            Some(&manager),
            Some(&replacement),
        )
        .await;
    let added = json_body(added, 201).await;
    assert_eq!(added["status"], "scheduled");
    assert_eq!(
        span_of(&app, &cohort.id).await,
        format!("2 {first_start} {second_start}")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn recording_attendance_returns_409_for_a_cancelled_session() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = cohort(&app).await;
    let manager = app.token(MANAGER).await;
    let session = &cohort.sessions[0];
    let enrolment = hold_places(&app, &cohort.code, &["Cancelled Attendee"])
        .await
        .remove(0);
    cancelled(&app, session).await;
    // Time passes: the day it would have met is over.
    app.execute(&format!(
        "UPDATE sessions SET starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' \
          WHERE id = '{session}'"
    ))
    .await;

    let recorded = app
        .send(
            Method::PUT,
            &format!("/api/v1/sessions/{session}/attendance"),
            Some(&manager),
            Some(&json!({"items": [{"enrolment_id": enrolment, "status": "absent"}]})),
        )
        .await;

    assert_problem_saying(recorded, 409, "cancelled").await;
    let kept = app
        .query_count(
            "SELECT (SELECT count(*) FROM attendance) + (SELECT count(*) FROM fee_liabilities \
              WHERE session_id = $1::uuid) AS count",
            &[session],
        )
        .await;
    assert_eq!(kept, 0, "no attendance and no fee");
}

/// Withdraws the enrolment as the group's staff, which must succeed.
async fn withdraw(app: &TestApp, token: &str, enrolment: &str) {
    let path = format!("/api/v1/enrolments/{enrolment}/withdraw");
    let body = reason("Timetable clash.");
    json_body(
        app.send(Method::POST, &path, Some(token), Some(&body))
            .await,
        200,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_session_charges_no_late_withdrawal_and_voids_the_one_charged() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = cohort(&app).await;
    let manager = app.token(MANAGER).await;
    let first = &cohort.sessions[0];
    // The project charges 7500 pence with 7 days' notice: three days ahead is too close.
    app.execute(&format!(
        "UPDATE sessions SET starts_at = now() + interval '3 days', ends_at = now() + interval '3 days 4 hours' \
          WHERE id = '{first}'"
    ))
    .await;
    let [early, late] = hold_places(&app, &cohort.code, &["Early Leaver", "Late Leaver"])
        .await
        .try_into()
        .unwrap();
    withdraw(&app, &manager, &early).await;

    cancelled(&app, first).await;
    withdraw(&app, &manager, &late).await;

    let ledger = app
        .query_text(
            "SELECT string_agg(enrolment_id || ':' || reason || ':' || status, ',') AS value \
               FROM fee_liabilities",
            &[],
        )
        .await;
    assert_eq!(ledger, format!("{early}:late_withdrawal:voided"));
    let voided = app
        .query_text(
            "SELECT details->'voided_fees'->>0 AS value FROM audit_log \
              WHERE action = 'session.cancelled' AND object_id = $1",
            &[first],
        )
        .await;
    let fee = app
        .query_text("SELECT id::text AS value FROM fee_liabilities", &[])
        .await;
    assert_eq!(voided, fee);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_status_clock_completes_a_group_after_its_last_session_that_takes_place() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = cohort(&app).await;
    cancelled(&app, &cohort.sessions[2]).await;
    // The first two have met; the third, cancelled, was still ahead.
    app.execute(&format!(
        "UPDATE sessions SET starts_at = now() - interval '20 days', ends_at = now() - interval '20 days' + interval '4 hours' \
          WHERE id = '{}';
         UPDATE sessions SET starts_at = now() - interval '10 days', ends_at = now() - interval '10 days' + interval '4 hours' \
          WHERE id = '{}';",
        cohort.sessions[0], cohort.sessions[1]
    ))
    .await;

    status_clock::tick(&app.pool).await.unwrap();

    let status = app
        .query_text(
            "SELECT status AS value FROM work_groups WHERE id = $1::uuid",
            &[&cohort.id],
        )
        .await;
    assert_eq!(status, "completed");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_calendar_lists_cancelled_sessions_and_filters_them_by_status() {
    let app = TestApp::spawn_with_demo().await;
    let cohort = cohort(&app).await;
    cancelled(&app, &cohort.sessions[1]).await;
    // From the cohort's first session on: the hub's group under way meets before it.
    let from = app
        .query_text(
            "SELECT to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS value \
               FROM sessions WHERE id = $1::uuid",
            &[&cohort.sessions[0]],
        )
        .await;
    let calendar =
        |status: &str| format!("/api/v1/sessions?hub=london-central-and-west&from={from}{status}");
    let ids = |page: &Value| each_of(&page["items"], "id");

    let every = app.get_json(&calendar(""), 200).await;
    let cancelled_only = app.get_json(&calendar("&status=cancelled"), 200).await;
    let scheduled_only = app.get_json(&calendar("&status=scheduled"), 200).await;

    assert_eq!(ids(&every), cohort.sessions);
    assert_eq!(
        each_of(&every["items"], "status"),
        ["scheduled", "cancelled", "scheduled"]
    );
    assert_eq!(ids(&cancelled_only), [cohort.sessions[1].clone()]);
    assert_eq!(
        ids(&scheduled_only),
        [cohort.sessions[0].clone(), cohort.sessions[2].clone()]
    );
    let problem = assert_problem(app.get(&calendar("&status=off")).await, 400).await;
    assert_eq!(invalid_fields(&problem), ["status"]);
}
