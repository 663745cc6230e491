//! The audit trail over HTTP: every change recorded, newest first, filterable by object and
//! by actor, for admins only.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, invalid_fields, json_body};

const ADMIN: &str = "admin@demo.mathshub.invalid";
const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";

async fn audit(app: &TestApp, token: &str, query: &str) -> Value {
    json_body(
        app.send(
            Method::GET,
            &format!("/api/v1/audit{query}"),
            Some(token),
            None,
        )
        .await,
        200,
    )
    .await
}

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_read_every_change_newest_first_by_object_and_by_actor() {
    let app = TestApp::spawn_with_demo().await;
    crate::helpers::reopen_documented_group(&app, "LCW21-15-01").await;
    let admin = app.token(ADMIN).await;
    let manager = app.token(MANAGER).await;
    let group = app
        .query_text(
            "SELECT id::text AS value FROM work_groups WHERE code = 'LCW21-15-01'",
            &[],
        )
        .await;
    let path = format!("/api/v1/work-groups/{group}");
    for (token, capacity) in [(&manager, 31), (&admin, 32)] {
        json_body(
            app.send(
                Method::PATCH,
                &path,
                Some(token),
                Some(&json!({"capacity": capacity})),
            )
            .await,
            200,
        )
        .await;
    }
    json_body(
        app.send(Method::POST, &format!("{path}/close"), Some(&manager), None)
            .await,
        200,
    )
    .await;

    let of_group = audit(
        &app,
        &admin,
        &format!("?object_type=work_group&object_id={group}"),
    )
    .await;
    assert_eq!(
        actions(&of_group),
        [
            "work_group.status_changed",
            "work_group.updated",
            "work_group.updated"
        ]
    );
    let newest = &of_group["items"][0];
    assert_eq!(newest["actor"]["name"], "Demo Hub Manager (LCW)");
    assert_eq!(newest["details"]["before"], "open");
    assert_eq!(newest["details"]["after"], "closed");
    assert_eq!(of_group["items"][1]["details"]["before"]["capacity"], 31);
    assert_eq!(of_group["items"][1]["details"]["after"]["capacity"], 32);

    let manager_id = app
        .query_text(
            "SELECT id::text AS value FROM users WHERE email = $1",
            &[MANAGER],
        )
        .await;
    let by_manager = audit(&app, &admin, &format!("?actor={manager_id}&limit=1")).await;
    assert_eq!(actions(&by_manager), ["work_group.status_changed"]);
    let cursor = by_manager["next_cursor"].as_str().expect("a second page");
    let next = audit(
        &app,
        &admin,
        &format!("?actor={manager_id}&limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(actions(&next), ["work_group.updated"]);
    assert_eq!(next["items"][0]["details"]["after"]["capacity"], 31);
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_filters_are_checked_and_the_trail_is_for_admins_only() {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token(ADMIN).await;
    let problem = assert_problem(
        app.send(
            Method::GET,
            "/api/v1/audit?actor=someone&entity=x",
            Some(&admin),
            None,
        )
        .await,
        400,
    )
    .await;
    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["actor", "entity"]);
    let manager = app.token(MANAGER).await;
    assert_problem(
        app.send(Method::GET, "/api/v1/audit", Some(&manager), None)
            .await,
        403,
    )
    .await;
}
