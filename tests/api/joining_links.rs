//! Online joining links are personal data of a sort: a work group's sessions show them to
//! its staff and to participants holding a place, and to nobody else.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, assert_problem};

const GROUP_CODE: &str = "LCW21-15-01";
/// The demo's one online session of that group.
const LINK: &str = "https://meet.example.invalid/lcw21-15-01";

async fn group_id(app: &TestApp) -> String {
    let groups = app
        .walk("/api/v1/work-groups?hub=london-central-and-west", 100)
        .await;
    let group = groups
        .iter()
        .find(|group| group["code"] == GROUP_CODE)
        .expect("the demo group");
    group["id"].as_str().unwrap().to_owned()
}

/// The joining links the detail and the sessions list show to this caller (the same in both).
async fn links_seen(app: &TestApp, group: &str, token: Option<&str>) -> Vec<String> {
    let detail: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/work-groups/{group}"),
            token,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let sessions: Value = app
        .send(
            Method::GET,
            &format!("/api/v1/work-groups/{group}/sessions"),
            token,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let links = |sessions: &Value| -> Vec<String> {
        sessions
            .as_array()
            .unwrap_or_else(|| panic!("sessions: {sessions}"))
            .iter()
            .filter_map(|session| session["joining_link"].as_str().map(str::to_owned))
            .collect()
    };
    let from_detail = links(&detail["sessions"]);
    assert_eq!(from_detail, links(&sessions["items"]));
    from_detail
}

#[tokio::test(flavor = "multi_thread")]
async fn joining_links_are_shown_to_the_group_s_staff_and_to_nobody_else_without_a_place() {
    let app = TestApp::spawn_with_demo().await;
    let group = group_id(&app).await;
    let seen_by = |email: &'static str| {
        let app = &app;
        let group = group.clone();
        async move {
            let token = app.token(email).await;
            links_seen(app, &group, Some(&token)).await
        }
    };

    assert!(links_seen(&app, &group, None).await.is_empty(), "anonymous");
    for email in [
        "admin@demo.mathshub.invalid",
        "manager.lcw@demo.mathshub.invalid",
        "lead.lcw@demo.mathshub.invalid",
    ] {
        assert_eq!(seen_by(email).await, [LINK], "{email}");
    }
    for email in [
        "lead.glow.post16@demo.mathshub.invalid",
        "teacher.twyford@demo.mathshub.invalid",
        "partner.lde@demo.mathshub.invalid",
    ] {
        assert!(seen_by(email).await.is_empty(), "{email}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_participant_sees_the_joining_links_once_they_hold_a_place_only() {
    let app = TestApp::spawn_with_demo().await;
    let group = group_id(&app).await;
    let teacher = app.token("teacher.twyford@demo.mathshub.invalid").await;
    app.execute(&format!(
        "INSERT INTO enrolments (id, work_group_id, participant_id, school_urn, role_in_school, status) \
         SELECT gen_random_uuid(), '{group}', id, '137083', 'head_of_department', 'pending' \
           FROM users WHERE email = 'teacher.twyford@demo.mathshub.invalid'"
    ))
    .await;
    assert!(
        links_seen(&app, &group, Some(&teacher)).await.is_empty(),
        "pending"
    );

    app.execute(&format!(
        "UPDATE enrolments SET status = 'accepted', accepted_at = now() WHERE work_group_id = '{group}'"
    ))
    .await;
    assert_eq!(
        links_seen(&app, &group, Some(&teacher)).await,
        [LINK],
        "accepted"
    );

    app.execute(&format!(
        "UPDATE enrolments SET status = 'withdrawn', withdrawn_at = now() WHERE work_group_id = '{group}'"
    ))
    .await;
    assert!(
        links_seen(&app, &group, Some(&teacher)).await.is_empty(),
        "withdrawn"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_token_on_a_public_read_is_refused_rather_than_treated_as_anonymous() {
    let app = TestApp::spawn_with_demo().await;
    let group = group_id(&app).await;
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/work-groups/{group}"),
            Some("not-a-token"),
            None,
        )
        .await;
    assert_problem(response, 401).await;
}
