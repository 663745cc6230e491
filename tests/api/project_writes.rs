//! Running the catalogue of projects over HTTP: admins create and change projects within the
//! eligibility and pathway rules, and what work groups depend on stays; audited, If-Match.

use reqwest::Method;
use reqwest::header::{ETAG, IF_MATCH, LOCATION};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, assert_problem_saying, invalid_fields, json_body};

const ADMIN: &str = "admin@demo.mathshub.invalid";

/// The next year of Secondary Subject Leadership: it follows NCP21-15 and requires it.
fn next_year() -> Value {
    json!({
        "code": "NCP22-15", "kind": "national", "title": "Secondary Subject Leadership (year two)",
        "academic_year": "2022/23", "phases": ["secondary"],
        "outline": "The subject leadership community continues.",
        "eligibility": {"roles_allowed": ["head_of_department"], "roles_excluded": ["prospective_head_of_department"],
                        "school_phases": ["secondary", "all_through"], "requires_completed": "NCP21-15"},
        "length": "the equivalent of two days", "cost_pence": 0,
        "non_attendance_fee_pence": 7500, "cancellation_notice_days": 7,
        "expectations": "Continue as part of a Maths Hub-led subject leadership community.",
        "follows": "NCP21-15"
    })
}

async fn post(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.send(Method::POST, "/api/v1/projects", Some(token), Some(body))
        .await
}

async fn patch(app: &TestApp, token: &str, code: &str, body: &Value) -> reqwest::Response {
    app.send(
        Method::PATCH,
        &format!("/api/v1/projects/{code}"),
        Some(token),
        Some(body),
    )
    .await
}

/// Every project row, to show a refused write changed none.
async fn projects_digest(app: &TestApp) -> String {
    app.query_text(
        "SELECT md5(string_agg(p::text, ',' ORDER BY p.id)) AS value FROM projects p",
        &[],
    )
    .await
}

async fn audit_count(app: &TestApp, action: &str, code: &str) -> i64 {
    app.query_count(
        "SELECT count(*) AS count FROM audit_log WHERE action = $1 AND object_type = 'project' AND object_id = $2",
        &[action, code],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_201_with_location_and_the_project_as_get_shows_it() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;

    let response = post(&app, &admin, &next_year()).await;

    assert_eq!(response.headers()[LOCATION], "/api/v1/projects/NCP22-15");
    let created = json_body(response, 201).await;
    assert_eq!(created["follows"], "NCP21-15");
    assert_eq!(created["eligibility"]["requires_completed"], "NCP21-15");
    assert_eq!(created["non_attendance_fee_pence"], 7500);
    assert_eq!(created["currency"], "GBP");
    let read = app.get_json("/api/v1/projects/NCP22-15", 200).await;
    assert_eq!(read, created);
    assert_eq!(audit_count(&app, "project.created", "NCP22-15").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_201_with_defaults_when_only_the_required_fields_are_sent() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;

    let body = json!({"code": "LCW22-1", "kind": "local", "title": "Maths Talk",
                      "academic_year": "2022/23", "phases": ["primary", "early_years"]});
    let created = json_body(post(&app, &admin, &body).await, 201).await;

    assert_eq!(created["cost_pence"], 0);
    assert_eq!(created["non_attendance_fee_pence"], 0);
    assert_eq!(created["cancellation_notice_days"], 0);
    assert_eq!(created["length"], Value::Null);
    assert_eq!(
        created["eligibility"],
        json!({"roles_allowed": [], "roles_excluded": [], "school_phases": [], "requires_completed": null})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_400_naming_every_bad_field_and_changes_nothing() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let before = projects_digest(&app).await;

    let body = json!({
        "code": "ncp22-1", "kind": "regional", "title": " ", "academic_year": "2022/24",
        "phases": ["secondary", "sixth_form", "secondary"], "outline": "x".repeat(10_001),
        "eligibility": {"roles_allowed": ["teacher", "headteacher"], "school_phases": ["college"],
                        "requires_completed": "not a code"},
        "length": "", "cost_pence": -1, "non_attendance_fee_pence": 3_000_000_000_i64,
        "cancellation_notice_days": 366, "session_days": 8, "participation_min_percent": 0,
        "follows": "NCP-1"
    });
    let problem = assert_problem(post(&app, &admin, &body).await, 400).await;

    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "academic_year",
            "cancellation_notice_days",
            "code",
            "cost_pence",
            "eligibility.requires_completed",
            "eligibility.roles_allowed[1]",
            "eligibility.school_phases[0]",
            "follows",
            "kind",
            "length",
            "non_attendance_fee_pence",
            "outline",
            "participation_min_percent",
            "phases[1]",
            "phases[2]",
            "session_days",
            "title",
        ]
    );
    assert_eq!(projects_digest(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_400_when_no_phase_is_named() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let mut body = next_year();
    body["phases"] = json!([]);

    let problem = assert_problem(post(&app, &admin, &body).await, 400).await;

    assert_eq!(invalid_fields(&problem), ["phases"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_400_when_unknown_fields_are_sent() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let before = projects_digest(&app).await;
    for (field, value) in [
        ("id", json!("00000000-0000-7000-8000-000000000001")),
        (
            "eligibility",
            json!({"roles_allowed": [], "minimum_age": 21}),
        ),
    ] {
        let mut body = next_year();
        body[field] = value;
        let problem = assert_problem(post(&app, &admin, &body).await, 400).await;
        assert_eq!(invalid_fields(&problem), ["body"], "{field}");
    }
    assert_eq!(projects_digest(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_422_when_a_role_is_both_allowed_and_excluded() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let mut body = next_year();
    body["eligibility"]["roles_allowed"] = json!(["head_of_department", "teacher"]);
    body["eligibility"]["roles_excluded"] = json!(["teacher"]);

    let problem = assert_problem(post(&app, &admin, &body).await, 422).await;

    assert_eq!(invalid_fields(&problem), ["eligibility.roles_excluded"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("teacher"),
        "{problem}"
    );
    assert_problem(app.get("/api/v1/projects/NCP22-15").await, 404).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_422_when_the_required_or_followed_project_is_unknown_or_not_earlier() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    json_body(post(&app, &admin, &next_year()).await, 201).await;
    let before = projects_digest(&app).await;
    let mut body = next_year();
    body["code"] = json!("NCP22-16");
    body["eligibility"]["requires_completed"] = json!("NCP19-1");
    // Of 2022/23 itself: not an earlier year.
    body["follows"] = json!("NCP22-15");

    let problem = assert_problem(post(&app, &admin, &body).await, 422).await;

    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["eligibility.requires_completed", "follows"]);
    let messages = problem["errors"].to_string();
    assert!(
        messages.contains("no project has the code NCP19-1"),
        "{messages}"
    );
    assert!(
        messages.contains("an academic year before 2022/23: NCP22-15 is of 2022/23"),
        "{messages}"
    );
    assert_eq!(projects_digest(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_409_when_the_code_is_taken() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let before = projects_digest(&app).await;
    let mut body = next_year();
    body["code"] = json!("NCP21-91");
    body["academic_year"] = json!("2023/24");

    assert_problem_saying(
        post(&app, &admin, &body).await,
        409,
        "A project with the code NCP21-91 already exists.",
    )
    .await;
    assert_eq!(projects_digest(&app).await, before);
    assert_eq!(audit_count(&app, "project.created", "NCP21-91").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_changes_only_the_fields_sent_and_audits_before_and_after() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let before = app.get_json("/api/v1/projects/NCP21-15", 200).await;

    let body = json!({"non_attendance_fee_pence": 8000,
                      "eligibility": {"school_phases": ["secondary", "all_through", "middle_deemed_secondary"]}});
    let changed = json_body(patch(&app, &admin, "NCP21-15", &body).await, 200).await;

    let mut expected = before.clone();
    expected["non_attendance_fee_pence"] = json!(8000);
    expected["eligibility"]["school_phases"] =
        json!(["secondary", "all_through", "middle_deemed_secondary"]);
    assert_eq!(changed, expected);
    assert_eq!(
        app.get_json("/api/v1/projects/NCP21-15", 200).await,
        changed
    );
    let details: Value = serde_json::from_str(
        &app.query_text(
            "SELECT details::text AS value FROM audit_log WHERE action = 'project.updated' AND object_id = 'NCP21-15'",
            &[],
        )
        .await,
    )
    .unwrap();
    assert_eq!(details["before"], before);
    assert_eq!(details["after"], changed);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_clears_what_is_sent_as_null() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;

    let cleared = json_body(
        patch(&app, &admin, "NCP21-93", &json!({"follows": null})).await,
        200,
    )
    .await;
    assert_eq!(cleared["follows"], Value::Null);
    assert_eq!(cleared["eligibility"]["requires_completed"], "NCP20-92");

    let body = json!({"length": null, "eligibility": {"requires_completed": null}});
    let cleared = json_body(patch(&app, &admin, "NCP21-93", &body).await, 200).await;
    assert_eq!(cleared["eligibility"]["requires_completed"], Value::Null);
    assert_eq!(cleared["length"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_returns_422_when_the_result_would_allow_and_exclude_one_role() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let before = projects_digest(&app).await;

    // NCP21-15 already excludes prospective heads of department.
    let body = json!({"eligibility": {"roles_allowed": ["prospective_head_of_department"]}});
    let problem = assert_problem(patch(&app, &admin, "NCP21-15", &body).await, 422).await;

    assert_eq!(invalid_fields(&problem), ["eligibility.roles_excluded"]);
    assert_eq!(projects_digest(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_returns_422_when_a_pathway_would_loop() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let before = projects_digest(&app).await;

    // Sustaining (NCP21-93) follows Embedding (NCP20-92): the reverse would close a loop.
    let problem = assert_problem(
        patch(&app, &admin, "NCP20-92", &json!({"follows": "NCP21-93"})).await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["follows"]);
    let problem = assert_problem(
        patch(
            &app,
            &admin,
            "NCP21-15",
            &json!({"eligibility": {"requires_completed": "NCP21-15"}}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        invalid_fields(&problem),
        ["eligibility.requires_completed"],
        "a project cannot require itself"
    );
    assert_eq!(projects_digest(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_returns_409_when_the_academic_year_of_a_project_with_work_groups_changes() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let before = projects_digest(&app).await;

    assert_problem_saying(
        patch(&app, &admin, "NCP21-15", &json!({"academic_year": "2022/23"})).await,
        409,
        "Work groups deliver this project in 2021/22 (LCW21-15-01): its academic year can no longer change.",
    )
    .await;
    assert_eq!(projects_digest(&app).await, before);
    assert_eq!(
        app.query_text(
            "SELECT academic_year AS value FROM work_groups WHERE code = 'LCW21-15-01'",
            &[]
        )
        .await,
        "2021/22"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn update_returns_409_when_a_phase_a_work_group_serves_is_dropped() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let before = projects_digest(&app).await;

    // Years 5–8 Continuity serves both phases; its groups are secondary.
    assert_problem_saying(
        patch(&app, &admin, "NCP21-94", &json!({"phases": ["primary"]})).await,
        409,
        "Work group GLOW21-94-01 serves the secondary phase: the project must keep it.",
    )
    .await;
    assert_eq!(projects_digest(&app).await, before);

    let changed = json_body(
        patch(&app, &admin, "NCP21-94", &json!({"phases": ["secondary"]})).await,
        200,
    )
    .await;
    assert_eq!(changed["phases"], json!(["secondary"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn update_returns_409_when_the_year_would_reach_a_project_following_it() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let before = projects_digest(&app).await;

    assert_problem_saying(
        patch(
            &app,
            &admin,
            "NCP20-92",
            &json!({"academic_year": "2021/22"}),
        )
        .await,
        409,
        "NCP21-93 requires or follows this project and is of 2021/22",
    )
    .await;
    assert_eq!(projects_digest(&app).await, before);

    let earlier = json_body(
        patch(
            &app,
            &admin,
            "NCP20-92",
            &json!({"academic_year": "2019/20"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(earlier["academic_year"], "2019/20");
}

#[tokio::test(flavor = "multi_thread")]
async fn update_returns_412_to_the_second_of_two_editors_and_applies_nothing_of_theirs() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let read = app.get("/api/v1/projects/NCP21-15").await;
    let etag = read.headers()[ETAG].to_str().unwrap().to_owned();

    let first = app
        .client
        .patch(format!("{}/api/v1/projects/NCP21-15", app.address))
        .bearer_auth(&admin)
        .header(IF_MATCH, &etag)
        .json(&json!({"title": "Secondary Subject Leadership (first editor)"}))
        .send()
        .await
        .unwrap();
    json_body(first, 200).await;
    let second = app
        .client
        .patch(format!("{}/api/v1/projects/NCP21-15", app.address))
        .bearer_auth(&admin)
        .header(IF_MATCH, &etag)
        .json(&json!({"title": "Secondary Subject Leadership (second editor)", "cost_pence": 100}))
        .send()
        .await
        .unwrap();

    assert_problem_saying(second, 412, "Project NCP21-15 changed").await;
    let now = app.get_json("/api/v1/projects/NCP21-15", 200).await;
    assert_eq!(now["title"], "Secondary Subject Leadership (first editor)");
    assert_eq!(now["cost_pence"], 0);
    assert_eq!(audit_count(&app, "project.updated", "NCP21-15").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_returns_404_for_an_unknown_code_and_400_for_a_malformed_one() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let body = json!({"title": "Anything"});

    assert_problem(patch(&app, &admin, "NCP21-99", &body).await, 404).await;
    let problem = assert_problem(patch(&app, &admin, "ncp21-15", &body).await, 400).await;
    assert_eq!(invalid_fields(&problem), ["code"]);
    let problem = assert_problem(
        patch(&app, &admin, "NCP21-15", &json!({"code": "NCP21-16"})).await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["body"], "the code never changes");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_participation_rule_is_set_and_cleared_through_the_api() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token("admin@demo.mathshub.invalid").await;
    let change = |share: Value| {
        let body = json!({"participation_min_percent": share});
        let (app, admin) = (&app, &admin);
        async move {
            app.send(
                Method::PATCH,
                "/api/v1/projects/NCP21-15",
                Some(admin),
                Some(&body),
            )
            .await
        }
    };

    assert_eq!(
        json_body(change(json!(60)).await, 200).await["participation_min_percent"],
        60
    );
    assert_eq!(
        json_body(change(json!(null)).await, 200).await["participation_min_percent"],
        serde_json::Value::Null
    );
    assert_problem(change(json!(101)).await, 400).await;
}
