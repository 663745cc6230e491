//! Apologies sent ahead of a session, over HTTP on the demo's next cohort of the LCW group
//! (open, every session ahead): the notice rule follows when they were sent, the first
//! apologies stand, concurrent ones charge once, and who may send them, for what, and when.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, json_body, next_cohort, session_of,
};

const LEAD: &str = "lead.lcw@demo.mathshub.invalid";
/// Leads a group of another hub.
const OTHER_LEAD: &str = "lead.glow.post16@demo.mathshub.invalid";

fn apologies(enrolment: &str, session: &str) -> String {
    format!("/api/v1/enrolments/{enrolment}/sessions/{session}/apologies")
}

/// The cohort's project charging 7500 pence with 7 days' notice, its first session two days
/// ahead (late for apologies from now) and its second forty days ahead (in time); the code.
async fn cohort(app: &TestApp) -> String {
    let code = next_cohort(app);
    app.execute(&format!(
        "UPDATE projects SET non_attendance_fee_pence = 7500, cancellation_notice_days = 7 \
          WHERE id = (SELECT project_id FROM work_groups WHERE code = '{code}');
         WITH ordered AS (
             SELECT s.id, row_number() OVER (ORDER BY s.starts_at) AS n
               FROM sessions s JOIN work_groups w ON w.id = s.work_group_id WHERE w.code = '{code}')
         UPDATE sessions s
            SET starts_at = date_trunc('hour', now()) + make_interval(days => (ARRAY[2, 40, 80])[o.n]),
                ends_at = date_trunc('hour', now()) + make_interval(days => (ARRAY[2, 40, 80])[o.n], hours => 5)
           FROM ordered o WHERE o.id = s.id;"
    ))
    .await;
    code
}

/// A new participant of Twyford holding a place in the group `code`: (enrolment id, token).
async fn place_in(app: &TestApp, code: &str) -> (String, String) {
    let (user, token) = app
        .participants(1, "137083", "head_of_department")
        .await
        .remove(0);
    let enrolment = uuid::Uuid::now_v7().to_string();
    app.execute(&format!(
        "INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status, accepted_at) \
         SELECT '{enrolment}', id, '{user}', '137083', 'head_of_department', 'accepted', now() \
           FROM work_groups WHERE code = '{code}';
         UPDATE work_groups SET accepted_count = accepted_count + 1 WHERE code = '{code}';"
    ))
    .await;
    (enrolment, token)
}

async fn send(app: &TestApp, token: &str, enrolment: &str, session: &str) -> reqwest::Response {
    app.send(
        Method::PUT,
        &apologies(enrolment, session),
        Some(token),
        None,
    )
    .await
}

/// What the register and the ledger hold for the enrolment: `status@apologies_at` per
/// record and `status:amount` per fee.
async fn held(app: &TestApp, enrolment: &str) -> (String, String) {
    let records = app
        .query_text(
            "SELECT coalesce(string_agg(status || '@' || apologies_at, ','), '') AS value \
               FROM attendance WHERE enrolment_id::text = $1",
            &[enrolment],
        )
        .await;
    let fees = app
        .query_text(
            "SELECT coalesce(string_agg(status || ':' || amount_pence, ','), '') AS value \
               FROM fee_liabilities WHERE enrolment_id::text = $1",
            &[enrolment],
        )
        .await;
    (records, fees)
}

#[tokio::test(flavor = "multi_thread")]
async fn apologies_in_time_leave_no_fee_and_late_ones_charge_the_school() {
    let app = TestApp::spawn_with_demo().await;
    let code = cohort(&app).await;
    let (enrolment, token) = place_in(&app, &code).await;
    let (soon, later) = (
        session_of(&app, &code, 1).await,
        session_of(&app, &code, 2).await,
    );

    let in_time = json_body(send(&app, &token, &enrolment, &later).await, 200).await;
    assert_eq!(in_time["in_time"], true);
    assert_eq!(in_time["fee"], Value::Null);
    assert_eq!(in_time["enrolment_id"], enrolment.as_str());
    assert_eq!(in_time["session_id"], later.as_str());

    let late = json_body(send(&app, &token, &enrolment, &soon).await, 200).await;
    assert_eq!(late["in_time"], false);
    assert_eq!(late["fee"]["amount_pence"], 7500);
    assert_eq!(late["fee"]["status"], "owed");

    let (records, fees) = held(&app, &enrolment).await;
    assert_eq!(records.matches("apologies@").count(), 2, "{records}");
    assert_eq!(fees, "owed:7500");
    // The register shows the lead what the participant sent.
    let lead = app.token(LEAD).await;
    let register = app
        .send(
            Method::GET,
            &format!("/api/v1/sessions/{soon}/attendance"),
            Some(&lead),
            None,
        )
        .await;
    let register = json_body(register, 200).await;
    let line = register["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["enrolment_id"] == enrolment.as_str())
        .expect("the participant on the register");
    assert_eq!(line["status"], "apologies");
    assert_eq!(line["apologies_at"], late["apologies_at"]);
    assert_eq!(line["fee"]["status"], "owed");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_apologies_stand_and_sending_them_again_changes_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let code = cohort(&app).await;
    let (enrolment, token) = place_in(&app, &code).await;
    let later = session_of(&app, &code, 2).await;

    let first = json_body(send(&app, &token, &enrolment, &later).await, 200).await;
    let before = held(&app, &enrolment).await;
    let again = json_body(send(&app, &token, &enrolment, &later).await, 200).await;
    assert_eq!(again, first);
    assert_eq!(held(&app, &enrolment).await, before);
    let audited = app
        .query_count(
            "SELECT count(*) AS count FROM audit_log \
              WHERE action = 'attendance.recorded' AND object_id = $1",
            &[&enrolment],
        )
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn late_apologies_sent_at_once_from_two_devices_charge_the_school_once() {
    let app = TestApp::spawn_with_demo().await;
    let code = cohort(&app).await;
    let (enrolment, token) = place_in(&app, &code).await;
    let soon = session_of(&app, &code, 1).await;

    let answers = futures_util::future::join_all(
        (0..8).map(|_| async { send(&app, &token, &enrolment, &soon).await.status() }),
    )
    .await;
    assert!(answers.iter().all(|status| *status == 200), "{answers:?}");
    let (records, fees) = held(&app, &enrolment).await;
    assert_eq!(records.matches("apologies@").count(), 1, "{records}");
    assert_eq!(fees, "owed:7500");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_group_s_staff_send_apologies_for_a_participant_and_nobody_else_does() {
    let app = TestApp::spawn_with_demo().await;
    let code = cohort(&app).await;
    let (enrolment, _) = place_in(&app, &code).await;
    let (_, someone_else) = place_in(&app, &code).await;
    let later = session_of(&app, &code, 2).await;

    let other_lead = app.token(OTHER_LEAD).await;
    for token in [&someone_else, &other_lead] {
        assert_problem(send(&app, token, &enrolment, &later).await, 404).await;
    }
    let anonymous = app
        .send(Method::PUT, &apologies(&enrolment, &later), None, None)
        .await;
    assert_problem(anonymous, 401).await;
    assert_eq!(held(&app, &enrolment).await, (String::new(), String::new()));

    let lead = app.token(LEAD).await;
    let sent = json_body(send(&app, &lead, &enrolment, &later).await, 200).await;
    assert_eq!(sent["in_time"], true);
    let recorded_by_lead = app
        .query_count(
            "SELECT count(*) AS count FROM attendance a JOIN users u ON u.id = a.recorded_by \
              WHERE a.enrolment_id::text = $1 AND u.email = $2",
            &[&enrolment, LEAD],
        )
        .await;
    assert_eq!(recorded_by_lead, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn apologies_are_refused_once_a_session_has_started_is_cancelled_or_the_place_is_gone() {
    let app = TestApp::spawn_with_demo().await;
    let code = cohort(&app).await;
    let (enrolment, token) = place_in(&app, &code).await;
    let (first, second, third) = (
        session_of(&app, &code, 1).await,
        session_of(&app, &code, 2).await,
        session_of(&app, &code, 3).await,
    );
    app.execute(&format!(
        "UPDATE sessions SET starts_at = now() - interval '1 hour', ends_at = now() + interval '1 hour' \
          WHERE id = '{first}';
         UPDATE sessions SET cancelled_at = now(), cancellation_reason = 'The venue is closed.' \
          WHERE id = '{second}';"
    ))
    .await;
    assert_problem_saying(send(&app, &token, &enrolment, &first).await, 409, "started").await;
    assert_problem_saying(
        send(&app, &token, &enrolment, &second).await,
        409,
        "cancelled",
    )
    .await;

    // A session of another group is not one of this enrolment's.
    let elsewhere = session_of(&app, "LCW21-15-01", 1).await;
    assert_problem(send(&app, &token, &enrolment, &elsewhere).await, 404).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_problem(send(&app, &token, &enrolment, &unknown).await, 404).await;
    assert_problem(send(&app, &token, &unknown, &third).await, 404).await;
    assert_problem(send(&app, &token, "not-an-id", &third).await, 400).await;
    assert_problem(send(&app, &token, &enrolment, "not-an-id").await, 400).await;

    let withdrawn = app
        .send(
            Method::POST,
            &format!("/api/v1/enrolments/{enrolment}/withdraw"),
            Some(&token),
            Some(&json!({"reason": "I have moved school."})),
        )
        .await;
    json_body(withdrawn, 200).await;
    assert_problem_saying(
        send(&app, &token, &enrolment, &third).await,
        409,
        "withdrawn",
    )
    .await;
    let (records, _) = held(&app, &enrolment).await;
    assert_eq!(records, "");
}
