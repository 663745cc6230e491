//! The views of enrolments: a participant's own (each with its group's sessions, joining links
//! only while the enrolment holds a place, never anyone else's enrolment), and a work group's
//! register as CSV for its staff, chosen by `Accept`.

use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE, VARY};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, hold_places, invalid_fields, json_body,
    session_of,
};

const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";
const LEAD: &str = "lead.lcw@demo.mathshub.invalid";
const GROUP: &str = "LCW21-15-01";
/// The demo's one online session of that group, its second.
const LINK: &str = "https://meet.example.invalid/lcw21-15-01";
/// The group's sessions start at 09:30 London time: GMT in November and February, BST in May.
const SESSION_STARTS: [&str; 3] = [
    "2021-11-17T09:30:00+00:00",
    "2022-02-03T09:30:00+00:00",
    "2022-05-25T09:30:00+01:00",
];
const MY_ENROLMENTS: &str = "/api/v1/me/enrolments";

async fn group_id(app: &TestApp) -> String {
    app.query_text(
        "SELECT id::text AS value FROM work_groups WHERE code = $1",
        &[GROUP],
    )
    .await
}

/// Gives the demo teacher an enrolment in the group with `status` (and the columns that
/// status needs); answers its id.
async fn enrol_teacher(app: &TestApp, status: &str) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let position = if status == "waitlisted" { "1" } else { "NULL" };
    app.execute(&format!(
        "INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status, \
                                 waitlist_position, accepted_at, withdrawn_at) \
         SELECT '{id}', w.id, u.id, '137083', 'head_of_department', '{status}', {position}, \
                CASE WHEN '{status}' IN ('accepted', 'completed') THEN now() END, \
                CASE WHEN '{status}' = 'withdrawn' THEN now() END \
           FROM work_groups w, users u WHERE w.code = '{GROUP}' AND u.email = '{TEACHER}'"
    ))
    .await;
    id
}

async fn my_enrolments(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let page = json_body(
        app.send(
            Method::GET,
            &format!("{MY_ENROLMENTS}{query}"),
            Some(token),
            None,
        )
        .await,
        200,
    )
    .await;
    page["items"].as_array().expect("items").clone()
}

fn joining_links(enrolment: &Value) -> Vec<&str> {
    enrolment["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter_map(|session| session["joining_link"].as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn my_enrolments_carry_the_group_s_sessions_in_london_time() {
    let app = TestApp::spawn_with_demo().await;
    let token = app.token(TEACHER).await;
    let id = enrol_teacher(&app, "waitlisted").await;

    let items = my_enrolments(&app, &token, "").await;

    assert_eq!(items.len(), 1, "{items:?}");
    let enrolment = &items[0];
    assert_eq!(enrolment["id"], id.as_str());
    assert_eq!(enrolment["status"], "waitlisted");
    assert_eq!(enrolment["waitlist_position"], 1);
    assert_eq!(enrolment["work_group"]["code"], GROUP);
    let sessions = enrolment["sessions"].as_array().unwrap();
    let starts: Vec<&str> = sessions
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap())
        .collect();
    assert_eq!(starts, SESSION_STARTS);
    let sequence: Vec<i64> = sessions
        .iter()
        .map(|s| s["sequence"].as_i64().unwrap())
        .collect();
    assert_eq!(sequence, [1, 2, 3]);
    assert_eq!(sessions[1]["mode"], "online");
}

#[tokio::test(flavor = "multi_thread")]
async fn joining_links_show_only_on_enrolments_holding_a_place() {
    let app = TestApp::spawn_with_demo().await;
    let token = app.token(TEACHER).await;
    let id = enrol_teacher(&app, "pending").await;

    for (status, expected) in [
        ("pending", vec![]),
        ("waitlisted", vec![]),
        ("declined", vec![]),
        ("withdrawn", vec![]),
        ("accepted", vec![LINK]),
        ("completed", vec![LINK]),
    ] {
        let position = if status == "waitlisted" { "1" } else { "NULL" };
        app.execute(&format!(
            "UPDATE enrolments SET status = '{status}', waitlist_position = {position} WHERE id = '{id}'"
        ))
        .await;
        let items = my_enrolments(&app, &token, "").await;
        assert_eq!(joining_links(&items[0]), expected, "{status}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_withdrawn_enrolment_hides_the_links_a_later_one_in_the_same_group_shows() {
    let app = TestApp::spawn_with_demo().await;
    let token = app.token(TEACHER).await;
    let withdrawn = enrol_teacher(&app, "withdrawn").await;
    let accepted = enrol_teacher(&app, "accepted").await;

    let items = my_enrolments(&app, &token, "").await;

    let links_of = |id: &str| {
        let item = items.iter().find(|item| item["id"] == id).expect(id);
        joining_links(item)
    };
    assert!(links_of(&withdrawn).is_empty());
    assert_eq!(links_of(&accepted), [LINK]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_participant_never_sees_another_s_enrolment() {
    let app = TestApp::spawn_with_demo().await;
    let token = app.token(TEACHER).await;
    let mine = enrol_teacher(&app, "accepted").await;
    let [theirs] =
        <[String; 1]>::try_from(hold_places(&app, GROUP, &["Someone Else"]).await).unwrap();

    for query in ["", "?status=accepted"] {
        let ids: Vec<Value> = my_enrolments(&app, &token, query)
            .await
            .iter()
            .map(|item| item["id"].clone())
            .collect();
        assert_eq!(ids, [json!(mine)], "{query}");
    }
    let read = |id: String| {
        let (app, token) = (&app, &token);
        async move {
            app.send(
                Method::GET,
                &format!("/api/v1/enrolments/{id}"),
                Some(token),
                None,
            )
            .await
        }
    };
    json_body(read(mine.clone()).await, 200).await;
    assert_problem(read(theirs).await, 404).await;
}

// ---- The register as CSV ----

/// A participant of Twyford with a waitlisted enrolment in the group (position 1).
async fn add_waitlisted(app: &TestApp, name: &str) {
    let user = uuid::Uuid::now_v7();
    app.execute(&format!(
        "INSERT INTO users (id, email, name, role, school_urn, role_in_school) \
         VALUES ('{user}', 'waiting@school.example', '{name}', 'participant', '137083', 'teacher');
         INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status, waitlist_position) \
         SELECT gen_random_uuid(), id, '{user}', '137083', 'teacher', 'waitlisted', 1 \
           FROM work_groups WHERE code = '{GROUP}'"
    ))
    .await;
}

async fn mark(app: &TestApp, nth: usize, marks: &[(&String, &str)]) {
    let lead = app.token(LEAD).await;
    let session = session_of(app, GROUP, nth).await;
    let items: Vec<Value> = marks
        .iter()
        .map(|(enrolment, status)| match *status {
            "apologies" => json!({"enrolment_id": enrolment, "status": status,
                                  "apologies_at": "2021-11-01T12:00:00+00:00"}),
            _ => json!({"enrolment_id": enrolment, "status": status}),
        })
        .collect();
    json_body(
        app.send(
            Method::PUT,
            &format!("/api/v1/sessions/{session}/attendance"),
            Some(&lead),
            Some(&json!({ "items": items })),
        )
        .await,
        200,
    )
    .await;
}

async fn get_accepting(app: &TestApp, query: &str, token: &str, accept: &str) -> reqwest::Response {
    let group = group_id(app).await;
    app.client
        .get(format!(
            "{}/api/v1/work-groups/{group}/enrolments{query}",
            app.address
        ))
        .bearer_auth(token)
        .header(ACCEPT, accept)
        .send()
        .await
        .expect("request")
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

const NAME_WITH_COMMA_AND_QUOTES: &str = "Okafor, Ada \"Ace\"";

#[tokio::test(flavor = "multi_thread")]
async fn the_csv_register_has_a_line_per_enrolment_and_the_attendance_per_session() {
    let app = TestApp::spawn_with_demo().await;
    crate::helpers::reopen_documented_group(&app, GROUP).await;
    let [ada, bo] = <[String; 2]>::try_from(
        hold_places(&app, GROUP, &[NAME_WITH_COMMA_AND_QUOTES, "=HYPERLINK(1)"]).await,
    )
    .unwrap();
    add_waitlisted(&app, "Wai Ting").await;
    mark(&app, 1, &[(&ada, "present"), (&bo, "absent")]).await;
    mark(&app, 2, &[(&ada, "apologies")]).await;
    let lead = app.token(LEAD).await;

    let response = get_accepting(&app, "", &lead, "text/csv").await;

    assert_eq!(response.status().as_u16(), 200);
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert!(
        header(CONTENT_TYPE).starts_with("text/csv"),
        "{}",
        header(CONTENT_TYPE)
    );
    assert_eq!(
        header(CONTENT_DISPOSITION),
        "attachment; filename=\"LCW21-15-01-enrolments.csv\""
    );
    let varies: Vec<String> = response
        .headers()
        .get_all(VARY)
        .iter()
        .flat_map(|value| {
            value
                .to_str()
                .unwrap()
                .split(',')
                .map(|name| name.trim().to_lowercase())
        })
        .collect();
    assert!(varies.iter().any(|name| name == "accept"), "{varies:?}");
    let text = response.text().await.unwrap();
    assert!(
        text.contains("\"Okafor, Ada \"\"Ace\"\"\""),
        "RFC 4180 quoting: {text}"
    );
    let rows = parse_csv(&text);
    let mut expected_header = vec![
        "school_urn",
        "school_name",
        "participant_name",
        "participant_email",
        "role_in_school",
        "status",
        "waitlist_position",
    ];
    expected_header.extend(SESSION_STARTS);
    assert_eq!(rows[0], expected_header);
    let lines: Vec<Vec<&str>> = rows[1..]
        .iter()
        .map(|row| {
            // The school's name and the participants' emails aside (generated).
            [0, 2, 4, 5, 6, 7, 8, 9]
                .iter()
                .map(|&column| row[column].as_str())
                .collect()
        })
        .collect();
    assert_eq!(
        lines,
        [
            vec![
                "137083",
                NAME_WITH_COMMA_AND_QUOTES,
                "head_of_department",
                "accepted",
                "",
                "present",
                "apologies",
                ""
            ],
            vec![
                "137083",
                "'=HYPERLINK(1)",
                "head_of_department",
                "accepted",
                "",
                "absent",
                "",
                ""
            ],
            vec![
                "137083",
                "Wai Ting",
                "teacher",
                "waitlisted",
                "1",
                "",
                "",
                ""
            ],
        ]
    );
    assert_eq!(rows[1][1], "Twyford Church of England High School");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_csv_register_filters_by_status_and_refuses_paging() {
    let app = TestApp::spawn_with_demo().await;
    hold_places(&app, GROUP, &["Has Place"]).await;
    add_waitlisted(&app, "Wai Ting").await;
    let lead = app.token(LEAD).await;

    let waitlisted = get_accepting(&app, "?status=waitlisted", &lead, "text/csv").await;
    let rows = parse_csv(&waitlisted.text().await.unwrap());
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][2], "Wai Ting");

    let paged = get_accepting(&app, "?limit=5", &lead, "text/csv").await;
    let problem = assert_problem(paged, 400).await;
    assert_eq!(invalid_fields(&problem), ["limit"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn accept_chooses_json_or_csv_and_anything_else_is_not_acceptable() {
    let app = TestApp::spawn_with_demo().await;
    hold_places(&app, GROUP, &["Has Place"]).await;
    let lead = app.token(LEAD).await;

    for accept in [
        "application/json",
        "*/*",
        "text/csv, application/json",
        "application/*",
    ] {
        let response = get_accepting(&app, "", &lead, accept).await;
        let page = json_body(response, 200).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{accept}");
    }
    for accept in [
        "text/csv",
        "text/*",
        "application/json;q=0.5, text/csv",
        "*/*;q=0.1, text/csv;q=0.2",
    ] {
        let response = get_accepting(&app, "", &lead, accept).await;
        assert_eq!(response.status().as_u16(), 200, "{accept}");
        let text = response.text().await.unwrap();
        assert!(text.starts_with("school_urn,"), "{accept}: {text}");
    }
    for accept in [
        "text/html",
        "application/xml, image/*",
        "*/*;q=0",
        "text/csv;q=0",
        ";;;,/",
    ] {
        let response = get_accepting(&app, "", &lead, accept).await;
        assert_problem_saying(response, 406, "text/csv").await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_csv_register_is_refused_to_those_who_may_not_see_enrolments() {
    let app = TestApp::spawn_with_demo().await;
    hold_places(&app, GROUP, &["Has Place"]).await;
    let teacher = app.token(TEACHER).await;

    let response = get_accepting(&app, "", &teacher, "text/csv").await;

    assert_problem(response, 403).await;
}
