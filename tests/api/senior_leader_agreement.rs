//! The senior leader's agreement to release a teacher, over HTTP: sent with the expression of
//! interest or recorded later, shown on the enrolment and in the person's data export,
//! refused on an enrolment no longer live, and gone when the person is erased.

use reqwest::Method;
use serde_json::{Value, json};

use crate::enrolment_writes::{interest, open_group};
use crate::helpers::{TestApp, assert_problem, invalid_fields, json_body};

const TEACHER: &str = "teacher.twyford@demo.mathshub.invalid";
const LEAD: &str = "lead.lcw@demo.mathshub.invalid";

fn agreement() -> Value {
    json!({"name": "Grace Adeyemi", "role": "Deputy Headteacher"})
}

async fn express(app: &TestApp, token: &str, group: &str, body: &Value) -> Value {
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/work-groups/{group}/enrolments"),
            Some(token),
            Some(body),
        )
        .await;
    json_body(response, 201).await
}

async fn record(app: &TestApp, token: &str, enrolment: &str, body: &Value) -> reqwest::Response {
    app.send(
        Method::PUT,
        &format!("/api/v1/enrolments/{enrolment}/senior-leader-agreement"),
        Some(token),
        Some(body),
    )
    .await
}

/// The agreement columns of the enrolment, as `name|role|recorded` (`recorded` t or f).
async fn held(app: &TestApp, enrolment: &str) -> String {
    app.query_text(
        "SELECT concat_ws('|', coalesce(senior_leader_name, '-'), coalesce(senior_leader_role, '-'), \
                senior_leader_agreed_at IS NOT NULL) AS value \
           FROM enrolments WHERE id = $1::uuid",
        &[enrolment],
    )
    .await
}

/// The demo teacher enrolled, by automatic admission, with the agreement sent along: the
/// app, the teacher's token and the enrolment.
async fn enrolled_with_agreement() -> (TestApp, String, Value) {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 30, "automatic").await;
    let teacher = app.token(TEACHER).await;
    let mut body = interest();
    body["senior_leader_agreement"] = agreement();
    let enrolment = express(&app, &teacher, &group, &body).await;
    (app, teacher, enrolment)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expression_of_interest_records_the_agreement_sent_with_it() {
    let (app, teacher, enrolment) = enrolled_with_agreement().await;
    let agreed = &enrolment["senior_leader_agreement"];
    assert_eq!(agreed["name"], "Grace Adeyemi");
    assert_eq!(agreed["role"], "Deputy Headteacher");
    assert!(agreed["agreed_at"].is_string(), "{enrolment}");
    let id = enrolment["id"].as_str().unwrap();
    assert_eq!(held(&app, id).await, "Grace Adeyemi|Deputy Headteacher|t");

    let read = app
        .send(
            Method::GET,
            &format!("/api/v1/enrolments/{id}"),
            Some(&teacher),
            None,
        )
        .await;
    assert_eq!(
        json_body(read, 200).await["senior_leader_agreement"],
        *agreed
    );
    let export = json_body(
        app.send(Method::GET, "/api/v1/me/data", Some(&teacher), None)
            .await,
        200,
    )
    .await;
    let exported = export["enrolments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|held| held["id"] == id)
        .expect("the enrolment in the export");
    assert_eq!(exported["senior_leader_agreement"]["name"], "Grace Adeyemi");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_agreement_none_is_shown_and_a_bad_one_is_refused_naming_its_fields() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 30, "automatic").await;
    let teacher = app.token(TEACHER).await;
    let mut body = interest();
    body["senior_leader_agreement"] = json!({"name": "  ", "role": ""});
    let refused = app
        .send(
            Method::POST,
            &format!("/api/v1/work-groups/{group}/enrolments"),
            Some(&teacher),
            Some(&body),
        )
        .await;
    let problem = assert_problem(refused, 400).await;
    assert_eq!(
        invalid_fields(&problem),
        [
            "senior_leader_agreement.name",
            "senior_leader_agreement.role"
        ]
    );
    let count = app
        .query_count(
            "SELECT count(*) AS count FROM enrolments WHERE work_group_id = $1::uuid",
            &[&group],
        )
        .await;
    assert_eq!(count, 0);

    let enrolment = express(&app, &teacher, &group, &interest()).await;
    assert_eq!(enrolment["senior_leader_agreement"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_participant_or_the_group_s_staff_record_it_later_and_nobody_else() {
    let app = TestApp::spawn_with_demo().await;
    let group = open_group(&app, 30, "review").await;
    let teacher = app.token(TEACHER).await;
    let enrolment = express(&app, &teacher, &group, &interest()).await;
    let id = enrolment["id"].as_str().unwrap();

    let (_, stranger) = app.participants(1, "137083", "teacher").await.remove(0);
    assert_problem(record(&app, &stranger, id, &agreement()).await, 404).await;
    let glow_lead = app.token("lead.glow.post16@demo.mathshub.invalid").await;
    assert_problem(record(&app, &glow_lead, id, &agreement()).await, 404).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_problem(record(&app, &teacher, &unknown, &agreement()).await, 404).await;
    let bad = json!({"name": "Grace Adeyemi", "role": "Head", "email": "grace@school.example"});
    assert_problem(record(&app, &teacher, id, &bad).await, 400).await;
    assert_problem(
        record(&app, &teacher, id, &json!({"name": "Grace"})).await,
        400,
    )
    .await;
    assert_eq!(held(&app, id).await, "-|-|f");

    let recorded = json_body(record(&app, &teacher, id, &agreement()).await, 200).await;
    assert_eq!(
        recorded["senior_leader_agreement"]["role"],
        "Deputy Headteacher"
    );
    let lead = app.token(LEAD).await;
    let replaced = json!({"name": "Samuel Otieno", "role": "Headteacher"});
    json_body(record(&app, &lead, id, &replaced).await, 200).await;
    assert_eq!(held(&app, id).await, "Samuel Otieno|Headteacher|t");
    let audited = app
        .query_count(
            "SELECT count(*) AS count FROM audit_log \
              WHERE action = 'enrolment.senior_leader_agreed' AND object_id = $1",
            &[id],
        )
        .await;
    assert_eq!(audited, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_enrolment_no_longer_live_takes_no_agreement_and_erasure_clears_it() {
    let (app, teacher, enrolment) = enrolled_with_agreement().await;
    let id = enrolment["id"].as_str().unwrap();

    let withdrawn = app
        .send(
            Method::POST,
            &format!("/api/v1/enrolments/{id}/withdraw"),
            Some(&teacher),
            Some(&json!({"reason": "I have moved school."})),
        )
        .await;
    json_body(withdrawn, 200).await;
    let refused = record(&app, &teacher, id, &agreement()).await;
    assert_problem(refused, 409).await;
    assert_eq!(held(&app, id).await, "Grace Adeyemi|Deputy Headteacher|t");

    let admin = app.token("admin@demo.mathshub.invalid").await;
    let user = enrolment["participant"]["id"].as_str().unwrap();
    let erased = app
        .send(
            Method::POST,
            &format!("/api/v1/users/{user}/erase?force=true"),
            Some(&admin),
            None,
        )
        .await;
    json_body(erased, 200).await;
    assert_eq!(held(&app, id).await, "-|-|f");
}
