//! A school's contacts over HTTP: a manager of the hub covering the school (or a national
//! admin) confirms a participant recorded as the school's maths lead or senior leader; the
//! confirmation is idempotent, lapses with the account's school or role, goes with erasure,
//! and is refused, changing nothing, to everyone else and for anyone else.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, audit_count, each_of, json_body,
};

const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const ADMIN: &str = "admin@demo.mathshub.invalid";
/// Twyford, in Ealing, which the LCW hub covers.
const TWYFORD: &str = "137083";
/// A school of an authority another hub (GLOW) covers.
const ELSEWHERE: &str = "199106";

fn contact_path(urn: &str, id: &str) -> String {
    format!("/api/v1/schools/{urn}/contacts/{id}")
}

async fn confirm(app: &TestApp, token: &str, urn: &str, id: &str) -> reqwest::Response {
    app.send(Method::PUT, &contact_path(urn, id), Some(token), None)
        .await
}

async fn contacts(app: &TestApp, token: &str, urn: &str) -> Vec<String> {
    let page = json_body(
        app.send(
            Method::GET,
            &format!("/api/v1/schools/{urn}/contacts"),
            Some(token),
            None,
        )
        .await,
        200,
    )
    .await;
    each_of(&page["items"], "id")
}

async fn contact_rows(app: &TestApp) -> i64 {
    app.query_count("SELECT count(*) AS count FROM school_contacts", &[])
        .await
}

/// Adds a school in an authority the GLOW hub covers.
async fn school_elsewhere(app: &TestApp) {
    app.execute(&format!(
        "INSERT INTO schools (urn, name, phase, la_code, status)
         SELECT '{ELSEWHERE}', 'Elsewhere Academy', 'secondary', c.la_code, 'open'
           FROM hub_local_authorities c JOIN hubs h ON h.id = c.hub_id
          WHERE h.slug = 'glow' AND c.covered_until IS NULL ORDER BY c.la_code LIMIT 1"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_covering_hub_s_manager_confirms_a_maths_lead_once_and_the_contact_sees_the_list() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let (lead_id, lead_token) = app.participants(1, TWYFORD, "maths_lead").await.remove(0);

    let confirmed = json_body(confirm(&app, &manager, TWYFORD, &lead_id).await, 201).await;
    assert_eq!(confirmed["id"], lead_id.as_str());
    assert_eq!(confirmed["role_in_school"], "maths_lead");
    assert!(confirmed["confirmed_at"].is_string());
    // Confirming again answers the same contact and changes nothing.
    let again = json_body(confirm(&app, &manager, TWYFORD, &lead_id).await, 200).await;
    assert_eq!(again, confirmed);
    assert_eq!(
        audit_count(&app, "school.contact_confirmed", TWYFORD).await,
        1
    );

    let demo_contact = app
        .query_text(
            "SELECT id::text AS value FROM users WHERE email = 'contact.twyford@demo.mathshub.invalid'",
            &[],
        )
        .await;
    assert_eq!(
        contacts(&app, &manager, TWYFORD).await,
        [demo_contact.clone(), lead_id.clone()]
    );
    assert_eq!(
        contacts(&app, &lead_token, TWYFORD).await,
        [demo_contact, lead_id]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_confirms_a_senior_leader_anywhere_and_ends_the_confirmation() {
    let app = TestApp::spawn_with_demo().await;
    school_elsewhere(&app).await;
    let admin = app.token(ADMIN).await;
    let (leader, _) = app
        .participants(1, ELSEWHERE, "senior_leader")
        .await
        .remove(0);

    json_body(confirm(&app, &admin, ELSEWHERE, &leader).await, 201).await;
    assert_eq!(
        contacts(&app, &admin, ELSEWHERE).await,
        std::slice::from_ref(&leader)
    );

    let removed = app
        .send(
            Method::DELETE,
            &contact_path(ELSEWHERE, &leader),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(removed.status().as_u16(), 204);
    assert_eq!(
        contacts(&app, &admin, ELSEWHERE).await,
        Vec::<String>::new()
    );
    assert_eq!(
        audit_count(&app, "school.contact_removed", ELSEWHERE).await,
        1
    );
    assert_problem(
        app.send(
            Method::DELETE,
            &contact_path(ELSEWHERE, &leader),
            Some(&admin),
            None,
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn only_a_maths_lead_or_senior_leader_of_that_school_is_confirmed() {
    let app = TestApp::spawn_with_demo().await;
    school_elsewhere(&app).await;
    let manager = app.token(MANAGER).await;
    let (teacher, _) = app.participants(1, TWYFORD, "teacher").await.remove(0);
    let (other_school, _) = app.participants(1, ELSEWHERE, "maths_lead").await.remove(0);
    let (disabled, _) = app.participants(1, TWYFORD, "maths_lead").await.remove(0);
    app.execute(&format!(
        "UPDATE users SET disabled_at = now() WHERE id = '{disabled}'"
    ))
    .await;
    let lead = app
        .query_text(
            "SELECT id::text AS value FROM users WHERE email = 'lead.lcw@demo.mathshub.invalid'",
            &[],
        )
        .await;
    let before = contact_rows(&app).await;

    for id in [
        teacher.as_str(),
        other_school.as_str(),
        disabled.as_str(),
        lead.as_str(),
        "01931b90-0000-7000-8000-000000000000",
    ] {
        assert_problem_saying(
            confirm(&app, &manager, TWYFORD, id).await,
            404,
            "maths lead or senior leader",
        )
        .await;
    }
    assert_problem(confirm(&app, &manager, TWYFORD, "not-an-id").await, 400).await;
    assert_problem(confirm(&app, &manager, "12", &teacher).await, 400).await;
    assert_problem(confirm(&app, &manager, "999999", &teacher).await, 404).await;
    assert_eq!(contact_rows(&app).await, before);
    assert_eq!(
        audit_count(&app, "school.contact_confirmed", TWYFORD).await,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn others_may_neither_confirm_nor_see_a_school_s_contacts() {
    let app = TestApp::spawn_with_demo().await;
    school_elsewhere(&app).await;
    let manager = app.token(MANAGER).await;
    let (leader, leader_token) = app
        .participants(1, ELSEWHERE, "senior_leader")
        .await
        .remove(0);
    let (_, twyford_teacher) = app.participants(1, TWYFORD, "maths_lead").await.remove(0);
    let lead = app.token("lead.lcw@demo.mathshub.invalid").await;
    let partner = app.token("partner.lde@demo.mathshub.invalid").await;
    let before = contact_rows(&app).await;

    // The LCW hub does not cover the school; its lead, a partner and the person themselves
    // confirm nobody.
    for token in [&manager, &lead, &partner, &leader_token] {
        assert_problem(confirm(&app, token, ELSEWHERE, &leader).await, 403).await;
    }
    assert_problem(confirm(&app, &lead, TWYFORD, &leader).await, 403).await;
    assert_problem(
        app.send(Method::PUT, &contact_path(ELSEWHERE, &leader), None, None)
            .await,
        401,
    )
    .await;
    assert_eq!(contact_rows(&app).await, before);

    // A participant who is not a contact of the school does not see who is.
    let list = format!("/api/v1/schools/{TWYFORD}/contacts");
    for token in [&twyford_teacher, &lead, &partner] {
        assert_problem(app.send(Method::GET, &list, Some(token), None).await, 403).await;
    }
    assert_problem(
        app.send(
            Method::GET,
            "/api/v1/schools/999999/contacts",
            Some(&manager),
            None,
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_confirmation_lapses_with_the_account_s_role_and_goes_with_erasure() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let admin = app.token(ADMIN).await;
    let mut people = app.participants(2, TWYFORD, "maths_lead").await;
    let (erased, _) = people.pop().unwrap();
    let (changed, changed_token) = people.pop().unwrap();
    for id in [&changed, &erased] {
        json_body(confirm(&app, &manager, TWYFORD, id).await, 201).await;
    }

    // The contact becomes a class teacher: they no longer speak for the school.
    json_body(
        app.send(
            Method::PATCH,
            "/api/v1/me",
            Some(&changed_token),
            Some(&json!({"role_in_school": "teacher"})),
        )
        .await,
        200,
    )
    .await;
    json_body(
        app.send(
            Method::POST,
            &format!("/api/v1/users/{erased}/erase"),
            Some(&admin),
            None,
        )
        .await,
        200,
    )
    .await;

    let remaining = contacts(&app, &manager, TWYFORD).await;
    assert!(!remaining.contains(&changed) && !remaining.contains(&erased));
    // Back as maths lead, they are a contact again only once confirmed again.
    json_body(
        app.send(
            Method::PATCH,
            "/api/v1/me",
            Some(&changed_token),
            Some(&json!({"role_in_school": "maths_lead"})),
        )
        .await,
        200,
    )
    .await;
    assert!(!contacts(&app, &manager, TWYFORD).await.contains(&changed));
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_confirmations_confirm_once() {
    let app = TestApp::spawn_with_demo().await;
    let manager = app.token(MANAGER).await;
    let (lead_id, _) = app.participants(1, TWYFORD, "maths_lead").await.remove(0);

    let answers =
        futures_util::future::join_all((0..8).map(|_| confirm(&app, &manager, TWYFORD, &lead_id)))
            .await;
    let mut statuses: Vec<u16> = answers
        .iter()
        .map(|answer| answer.status().as_u16())
        .collect();
    statuses.sort_unstable();

    assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 200, 201]);
    assert_eq!(
        audit_count(&app, "school.contact_confirmed", TWYFORD).await,
        1
    );
}
