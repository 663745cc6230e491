//! Attendance registers over HTTP: recorded by a group's staff once a session has started,
//! idempotent, corrections audited, fees charged once and voided by a correction, every bad
//! item named at once; and completion of a group marking the enrolments that attended.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, hold_places, invalid_fields, json_body,
    send_if_match, session_of,
};

const LEAD: &str = "lead.lcw@demo.mathshub.invalid";
const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const GROUP: &str = "LCW21-15-01";
/// The group's first session starts on 17 November 2021 at 09:30 London time (GMT); its
/// project charges 7500 pence for non-attendance with 7 days' notice.
const IN_TIME: &str = "2021-11-09T12:00:00+00:00";
const TOO_LATE: &str = "2021-11-15T12:00:00+00:00";

fn attendance(session: &str) -> String {
    format!("/api/v1/sessions/{session}/attendance")
}

async fn put(app: &TestApp, token: &str, session: &str, items: Value) -> reqwest::Response {
    app.send(
        Method::PUT,
        &attendance(session),
        Some(token),
        Some(&json!({ "items": items })),
    )
    .await
}

/// A register line recording `status`; `apologies` came in time.
fn line(enrolment: &str, status: &str) -> Value {
    let mut line = json!({"enrolment_id": enrolment, "status": status});
    if status == "apologies" {
        line["apologies_at"] = json!(IN_TIME);
    }
    line
}

/// The register entry of an enrolment.
fn entry<'a>(register: &'a Value, enrolment: &str) -> &'a Value {
    register["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["enrolment_id"] == enrolment)
        .unwrap_or_else(|| panic!("{enrolment} is not on {register}"))
}

/// The fee liabilities of an enrolment: `status:amount` in creation order.
async fn fees_of(app: &TestApp, enrolment: &str) -> String {
    app.query_text(
        "SELECT coalesce(string_agg(status || ':' || amount_pence, ',' ORDER BY created_at), '') AS value \
           FROM fee_liabilities WHERE enrolment_id::text = $1",
        &[enrolment],
    )
    .await
}

async fn audit_records(app: &TestApp, action: &str) -> i64 {
    app.query_count(
        "SELECT count(*) AS count FROM audit_log WHERE action = $1",
        &[action],
    )
    .await
}

async fn spawn() -> (TestApp, String, String) {
    let app = TestApp::spawn_with_demo().await;
    let lead = app.token(LEAD).await;
    let session = session_of(&app, GROUP, 1).await;
    (app, lead, session)
}

#[tokio::test(flavor = "multi_thread")]
async fn recording_the_same_register_twice_changes_nothing_the_second_time() {
    let (app, lead, session) = spawn().await;
    let [ada, ben, cat] = <[String; 3]>::try_from(
        hold_places(&app, GROUP, &["Ada Present", "Ben Absent", "Cat Sorry"]).await,
    )
    .unwrap();
    let items = json!([
        {"enrolment_id": ada, "status": "present"},
        {"enrolment_id": ben, "status": "absent"},
        {"enrolment_id": cat, "status": "apologies", "apologies_at": IN_TIME},
    ]);

    let first = json_body(put(&app, &lead, &session, items.clone()).await, 200).await;
    let second = json_body(put(&app, &lead, &session, items).await, 200).await;

    assert_eq!(first, second, "the same register, recorded once");
    assert_eq!(entry(&first, &ada)["status"], "present");
    assert_eq!(entry(&first, &cat)["status"], "apologies");
    assert_eq!(entry(&first, &cat)["apologies_at"], IN_TIME);
    let absent = entry(&first, &ben);
    assert_eq!(absent["status"], "absent");
    assert_eq!(absent["fee"]["amount_pence"], 7500);
    assert_eq!(absent["fee"]["currency"], "GBP");
    assert_eq!(absent["fee"]["status"], "owed");
    assert!(entry(&first, &ada)["fee"].is_null() && entry(&first, &cat)["fee"].is_null());
    assert_eq!(fees_of(&app, &ben).await, "owed:7500");
    assert_eq!(
        app.query_count("SELECT count(*) AS count FROM fee_liabilities", &[])
            .await,
        1
    );
    assert_eq!(audit_records(&app, "attendance.recorded").await, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn correcting_absent_to_present_voids_the_fee_and_back_to_absent_restores_the_same_one() {
    let (app, lead, session) = spawn().await;
    let ben = hold_places(&app, GROUP, &["Ben Absent"]).await.remove(0);
    let mark = |status: &str| json!([line(&ben, status)]);

    let absent = json_body(put(&app, &lead, &session, mark("absent")).await, 200).await;
    let fee = entry(&absent, &ben)["fee"]["id"].clone();
    let present = json_body(put(&app, &lead, &session, mark("present")).await, 200).await;
    assert_eq!(entry(&present, &ben)["fee"]["status"], "voided");
    assert_eq!(
        fees_of(&app, &ben).await,
        "voided:7500",
        "kept in the ledger"
    );
    let apologies = json_body(put(&app, &lead, &session, mark("apologies")).await, 200).await;
    assert_eq!(entry(&apologies, &ben)["fee"]["status"], "voided");
    let again = json_body(put(&app, &lead, &session, mark("absent")).await, 200).await;

    assert_eq!(
        entry(&again, &ben)["fee"]["id"],
        fee,
        "the same entry, never two"
    );
    assert_eq!(entry(&again, &ben)["fee"]["status"], "owed");
    assert_eq!(fees_of(&app, &ben).await, "owed:7500");
    let trail = app
        .query_text(
            "SELECT string_agg((details->'before'->>'status') || '>' || (details->'after'->>'status'), ',' ORDER BY id) AS value \
               FROM audit_log WHERE action = 'attendance.recorded' AND details->'before' <> 'null'",
            &[],
        )
        .await;
    assert_eq!(trail, "absent>present,present>apologies,apologies>absent");
}

#[tokio::test(flavor = "multi_thread")]
async fn absent_is_free_with_apologies_in_time_and_charged_with_late_ones() {
    let (app, lead, session) = spawn().await;
    let [early, late] =
        <[String; 2]>::try_from(hold_places(&app, GROUP, &["Early Sorry", "Late Sorry"]).await)
            .unwrap();

    let register = json_body(
        put(
            &app,
            &lead,
            &session,
            json!([
                {"enrolment_id": early, "status": "absent", "apologies_at": IN_TIME},
                {"enrolment_id": late, "status": "absent", "apologies_at": TOO_LATE},
            ]),
        )
        .await,
        200,
    )
    .await;

    assert!(entry(&register, &early)["fee"].is_null());
    assert_eq!(fees_of(&app, &early).await, "");
    assert_eq!(fees_of(&app, &late).await, "owed:7500");
}

/// The fee follows when the apologies came, whichever word the register uses: `absent` and
/// `apologies` alike are free with apologies in time and charged with late ones.
#[tokio::test(flavor = "multi_thread")]
async fn late_apologies_are_charged_whether_recorded_as_absent_or_apologies() {
    let (app, lead, session) = spawn().await;
    let [absent_early, sorry_early, absent_late, sorry_late] = <[String; 4]>::try_from(
        hold_places(
            &app,
            GROUP,
            &["Absent Early", "Sorry Early", "Absent Late", "Sorry Late"],
        )
        .await,
    )
    .unwrap();

    let register = json_body(
        put(
            &app,
            &lead,
            &session,
            json!([
                {"enrolment_id": absent_early, "status": "absent", "apologies_at": IN_TIME},
                {"enrolment_id": sorry_early, "status": "apologies", "apologies_at": IN_TIME},
                {"enrolment_id": absent_late, "status": "absent", "apologies_at": TOO_LATE},
                {"enrolment_id": sorry_late, "status": "apologies", "apologies_at": TOO_LATE},
            ]),
        )
        .await,
        200,
    )
    .await;

    assert!(entry(&register, &sorry_early)["fee"].is_null());
    assert_eq!(fees_of(&app, &absent_early).await, "");
    assert_eq!(fees_of(&app, &sorry_early).await, "");
    assert_eq!(fees_of(&app, &absent_late).await, "owed:7500");
    assert_eq!(fees_of(&app, &sorry_late).await, "owed:7500");
    assert_eq!(entry(&register, &sorry_late)["fee"]["status"], "owed");
}

#[tokio::test(flavor = "multi_thread")]
async fn apologies_recorded_without_when_they_came_answer_422_and_record_nothing() {
    let (app, lead, session) = spawn().await;
    let cat = hold_places(&app, GROUP, &["Cat Sorry"]).await.remove(0);

    let response = put(
        &app,
        &lead,
        &session,
        json!([{"enrolment_id": cat, "status": "apologies"}]),
    )
    .await;

    let problem = assert_problem(response, 422).await;
    assert_eq!(invalid_fields(&problem), ["items[0].apologies_at"]);
    assert_eq!(
        app.query_count("SELECT count(*) AS count FROM attendance", &[])
            .await,
        0
    );
}

/// Notice is counted in London calendar days: with 7 days' notice, apologies are in time on
/// the London date 7 days before the session's, at any hour. Across the spring clock change
/// (27 March 2022) the same London time a week ahead is only 167 hours before.
#[tokio::test(flavor = "multi_thread")]
async fn apologies_on_the_london_date_the_notice_before_are_in_time_across_the_clock_change() {
    let (app, lead, session) = spawn().await;
    app.execute(&format!(
        "UPDATE sessions SET starts_at = '2022-03-29T09:30:00+01:00', ends_at = '2022-03-29T14:30:00+01:00' \
          WHERE id = '{session}'"
    ))
    .await;
    let [same_time, last_minute, next_day] = <[String; 3]>::try_from(
        hold_places(&app, GROUP, &["Same Time", "Last Minute", "Next Day"]).await,
    )
    .unwrap();

    json_body(
        put(
            &app,
            &lead,
            &session,
            json!([
                {"enrolment_id": same_time, "status": "apologies", "apologies_at": "2022-03-22T09:30:00+00:00"},
                {"enrolment_id": last_minute, "status": "absent", "apologies_at": "2022-03-22T23:59:00+00:00"},
                {"enrolment_id": next_day, "status": "apologies", "apologies_at": "2022-03-23T00:00:00+00:00"},
            ]),
        )
        .await,
        200,
    )
    .await;

    assert_eq!(fees_of(&app, &same_time).await, "");
    assert_eq!(fees_of(&app, &last_minute).await, "");
    assert_eq!(fees_of(&app, &next_day).await, "owed:7500");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_project_without_a_non_attendance_fee_charges_nothing() {
    let (app, lead, session) = spawn().await;
    app.execute("UPDATE projects SET non_attendance_fee_pence = 0 WHERE code = 'NCP21-15'")
        .await;
    let ben = hold_places(&app, GROUP, &["Ben Absent"]).await.remove(0);

    let response = put(
        &app,
        &lead,
        &session,
        json!([{"enrolment_id": ben, "status": "absent"}]),
    )
    .await;

    json_body(response, 200).await;
    assert_eq!(fees_of(&app, &ben).await, "");
}

#[tokio::test(flavor = "multi_thread")]
async fn recording_before_the_session_starts_answers_409_and_records_nothing() {
    let (app, lead, session) = spawn().await;
    app.execute(&format!(
        "UPDATE sessions SET starts_at = now() + interval '1 hour', ends_at = now() + interval '3 hours' \
          WHERE id = '{session}'"
    ))
    .await;
    let ada = hold_places(&app, GROUP, &["Ada Present"]).await.remove(0);

    let response = put(
        &app,
        &lead,
        &session,
        json!([{"enrolment_id": ada, "status": "present"}]),
    )
    .await;

    assert_problem_saying(response, 409, "once the session has started").await;
    assert_eq!(
        app.query_count("SELECT count(*) AS count FROM attendance", &[])
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_item_is_named_at_once_and_nothing_is_recorded() {
    let (app, lead, session) = spawn().await;
    let ada = hold_places(&app, GROUP, &["Ada Present"]).await.remove(0);
    let elsewhere = hold_places(&app, "GLOW21-91-01", &["Elsewhere"])
        .await
        .remove(0);
    let pending = hold_places(&app, GROUP, &["Still Pending"]).await.remove(0);
    app.execute(&format!(
        "UPDATE enrolments SET status = 'pending', accepted_at = NULL WHERE id = '{pending}'"
    ))
    .await;

    let response = put(
        &app,
        &lead,
        &session,
        json!([
            {"enrolment_id": ada, "status": "present"},
            {"enrolment_id": "01931b90-0000-7000-8000-000000000000", "status": "absent"},
            {"enrolment_id": elsewhere, "status": "absent"},
            {"enrolment_id": pending, "status": "late"},
            {"enrolment_id": "not-an-id", "status": "present", "apologies_at": "yesterday"},
            {"enrolment_id": ada, "status": "absent"},
        ]),
    )
    .await;

    let problem = assert_problem(response, 400).await;
    assert_eq!(
        invalid_fields(&problem),
        [
            "items[3].status",
            "items[4].enrolment_id",
            "items[4].apologies_at",
            "items[5].enrolment_id",
            "items[1].enrolment_id",
            "items[2].enrolment_id",
            "items[3].enrolment_id",
        ]
    );
    assert_eq!(
        app.query_count("SELECT count(*) AS count FROM attendance", &[])
            .await,
        0
    );
    assert_eq!(audit_records(&app, "attendance.recorded").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_fields_are_refused() {
    let (app, lead, session) = spawn().await;
    let ada = hold_places(&app, GROUP, &["Ada Present"]).await.remove(0);

    let response = put(
        &app,
        &lead,
        &session,
        json!([{"enrolment_id": ada, "status": "present", "fee_pence": 0}]),
    )
    .await;

    assert_problem(response, 400).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_register_lists_every_place_holder_by_name_for_the_group_s_staff_only() {
    let (app, lead, session) = spawn().await;
    let [zoe, ada] =
        <[String; 2]>::try_from(hold_places(&app, GROUP, &["Zoe Last", "Ada First"]).await)
            .unwrap();

    let register = json_body(
        app.send(Method::GET, &attendance(&session), Some(&lead), None)
            .await,
        200,
    )
    .await;

    let names: Vec<&str> = register["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["participant"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada First", "Zoe Last"]);
    assert_eq!(register["work_group"]["code"], GROUP);
    assert_eq!(register["starts_at"], "2021-11-17T09:30:00+00:00");
    for enrolment in [&zoe, &ada] {
        let entry = entry(&register, enrolment);
        assert!(entry["status"].is_null() && entry["recorded_at"].is_null());
        assert_eq!(entry["school"]["urn"], "137083");
        assert_eq!(entry["enrolment_status"], "accepted");
    }
    for outsider in [
        "lead.glow.post16@demo.mathshub.invalid",
        "teacher.twyford@demo.mathshub.invalid",
        "partner.lde@demo.mathshub.invalid",
    ] {
        let token = app.token(outsider).await;
        let answer = app
            .send(Method::GET, &attendance(&session), Some(&token), None)
            .await;
        assert_problem(answer, 403).await;
    }
    let manager = app.token(MANAGER).await;
    let refused = put(
        &app,
        &app.token("lead.glow.post16@demo.mathshub.invalid").await,
        &session,
        json!([{"enrolment_id": ada, "status": "present"}]),
    )
    .await;
    assert_problem(refused, 403).await;
    json_body(
        app.send(Method::GET, &attendance(&session), Some(&manager), None)
            .await,
        200,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_session_answers_404() {
    let (app, lead, _) = spawn().await;
    let path = attendance("01931b90-0000-7000-8000-000000000000");

    assert_problem(app.send(Method::GET, &path, Some(&lead), None).await, 404).await;
    let body = json!({"items": []});
    assert_problem(
        app.send(Method::PUT, &path, Some(&lead), Some(&body)).await,
        404,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_if_match_answers_412_and_a_current_one_records() {
    let (app, lead, session) = spawn().await;
    let ada = hold_places(&app, GROUP, &["Ada Present"]).await.remove(0);
    let read = app
        .send(Method::GET, &attendance(&session), Some(&lead), None)
        .await;
    let tag = read.headers()["etag"].to_str().unwrap().to_owned();
    let body = |status: &str| json!({"items": [{"enrolment_id": ada, "status": status}]});

    let recorded = send_if_match(
        &app,
        Method::PUT,
        &attendance(&session),
        &lead,
        &tag,
        Some(&body("present")),
    )
    .await;
    json_body(recorded, 200).await;
    let stale = send_if_match(
        &app,
        Method::PUT,
        &attendance(&session),
        &lead,
        &tag,
        Some(&body("absent")),
    )
    .await;

    assert_problem(stale, 412).await;
    assert_eq!(
        app.query_text("SELECT status AS value FROM attendance", &[])
            .await,
        "present"
    );
}

async fn enrolment_status(app: &TestApp, enrolment: &str) -> String {
    app.query_text(
        "SELECT status AS value FROM enrolments WHERE id::text = $1",
        &[enrolment],
    )
    .await
}

/// Records `status` for each enrolment at the `nth` session of the group, as its lead.
async fn mark_at(app: &TestApp, nth: usize, status: &str, enrolments: &[&String]) {
    let lead = app.token(LEAD).await;
    let session = session_of(app, GROUP, nth).await;
    let items: Vec<Value> = enrolments
        .iter()
        .map(|enrolment| line(enrolment, status))
        .collect();
    json_body(put(app, &lead, &session, json!(items)).await, 200).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn completing_a_group_completes_the_enrolments_present_at_a_session_at_least() {
    let app = TestApp::spawn_with_demo().await;
    crate::helpers::reopen_documented_group(&app, GROUP).await;
    let [came, never] =
        <[String; 2]>::try_from(hold_places(&app, GROUP, &["Came Once", "Never Came"]).await)
            .unwrap();
    mark_at(&app, 1, "present", &[&came]).await;
    mark_at(&app, 1, "absent", &[&never]).await;
    mark_at(&app, 2, "apologies", &[&never]).await;

    // Every session of the demo group is over: the clock completes it.
    mathshub::db::status_clock::tick(&app.pool).await.unwrap();

    assert_eq!(enrolment_status(&app, &came).await, "completed");
    assert_eq!(enrolment_status(&app, &never).await, "accepted");
    let audited = app
        .query_count(
            "SELECT count(*) AS count FROM audit_log WHERE action = 'enrolment.status_changed' \
              AND actor_id IS NULL AND details->>'reason' = 'completion' AND object_id = $1",
            &[&came],
        )
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn completion_follows_the_project_s_share_of_sessions_and_later_corrections() {
    let app = TestApp::spawn_with_demo().await;
    app.execute("UPDATE projects SET participation_min_percent = 60 WHERE code = 'NCP21-15'")
        .await;
    let [two, one] =
        <[String; 2]>::try_from(hold_places(&app, GROUP, &["Two of Three", "One of Three"]).await)
            .unwrap();
    mark_at(&app, 1, "present", &[&two, &one]).await;
    mark_at(&app, 2, "present", &[&two]).await;

    mathshub::db::status_clock::tick(&app.pool).await.unwrap();
    assert_eq!(enrolment_status(&app, &two).await, "completed");
    assert_eq!(enrolment_status(&app, &one).await, "accepted");

    // A completed group's register is still corrected, and completion follows it.
    mark_at(&app, 3, "present", &[&one]).await;
    mark_at(&app, 2, "absent", &[&two]).await;

    assert_eq!(enrolment_status(&app, &one).await, "completed");
    assert_eq!(enrolment_status(&app, &two).await, "accepted");
}
