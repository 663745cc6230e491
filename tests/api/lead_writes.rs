//! Writing LLME profiles over HTTP: hub managers and admins create and edit the profiles of
//! their hub's leads, leads edit their own bio; audited, If-Match, shown in the public views.

use chrono::Datelike;
use reqwest::Method;
use reqwest::header::{ETAG, IF_MATCH, LOCATION};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, assert_problem_saying, invalid_fields, json_body};

const ADMIN: &str = "admin@demo.mathshub.invalid";
const MANAGER: &str = "manager.lcw@demo.mathshub.invalid";
const LEAD: &str = "lead.lcw@demo.mathshub.invalid";
/// The demo's LCW and GLOW leads, who have profiles.
const LCW_LEAD_ID: &str = "017ce0d0-0000-7000-8000-000000000501";
const GLOW_LEAD_ID: &str = "017ce0d0-0000-7000-8000-000000000502";
/// Lead accounts without profiles: one of LCW, one of GLOW, one of LCW disabled.
const NEW_LCW_LEAD: &str = "00000000-0000-7000-8000-00000000a001";
const NEW_GLOW_LEAD: &str = "00000000-0000-7000-8000-00000000a002";
const DISABLED_LCW_LEAD: &str = "00000000-0000-7000-8000-00000000a003";

const FIXTURE: &str = "
INSERT INTO users (id, email, name, role, hub_id, disabled_at)
SELECT '00000000-0000-7000-8000-00000000a001'::uuid, 'new.lcw.lead@school.example', 'New LCW Lead', 'lead', id, NULL::timestamptz
  FROM hubs WHERE slug = 'london-central-and-west'
UNION ALL
SELECT '00000000-0000-7000-8000-00000000a002', 'new.glow.lead@school.example', 'New GLOW Lead', 'lead', id, NULL
  FROM hubs WHERE slug = 'glow'
UNION ALL
SELECT '00000000-0000-7000-8000-00000000a003', 'gone.lcw.lead@school.example', 'Gone LCW Lead', 'lead', id, now()
  FROM hubs WHERE slug = 'london-central-and-west';
";

async fn app() -> TestApp {
    let app = TestApp::spawn_with_demo().await;
    app.execute(FIXTURE).await;
    app
}

fn new_profile(user_id: &str) -> Value {
    json!({
        "user_id": user_id, "name": "Grace Hopper",
        "phases": ["secondary", "post_16"], "specialisms": ["subject leadership", "mastery"],
        "bio": "Head of maths at a Twyford partner school.",
        "roles_held": ["Work Group Lead", "Secondary Mastery Specialist"],
        "community_member": true, "community_member_since": 2019
    })
}

async fn post(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.send(Method::POST, "/api/v1/leads", Some(token), Some(body))
        .await
}

async fn patch(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    app.send(
        Method::PATCH,
        &format!("/api/v1/leads/{id}"),
        Some(token),
        Some(body),
    )
    .await
}

/// Every profile and the hubs they work with, to show a refused write changed none.
async fn profiles_digest(app: &TestApp) -> String {
    app.query_text(
        "SELECT md5(concat_ws('|', \
           (SELECT string_agg(p::text, ',' ORDER BY p.user_id) FROM llme_profiles p), \
           (SELECT string_agg(h::text, ',' ORDER BY h.user_id, h.hub_id) FROM llme_profile_hubs h))) AS value",
        &[],
    )
    .await
}

async fn audit_details(app: &TestApp, action: &str, id: &str) -> Vec<Value> {
    let text = app
        .query_text(
            "SELECT coalesce(json_agg(details ORDER BY id), '[]')::text AS value FROM audit_log \
             WHERE action = $1 AND object_type = 'llme_profile' AND object_id = $2",
            &[action, id],
        )
        .await;
    serde_json::from_str(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_manager_creates_the_profile_of_a_lead_of_their_hub_shown_publicly() {
    let app = app().await;
    let manager = app.token(MANAGER).await;

    let response = post(&app, &manager, &new_profile(NEW_LCW_LEAD)).await;

    assert_eq!(
        response.headers()[LOCATION],
        format!("/api/v1/leads/{NEW_LCW_LEAD}")
    );
    let created = json_body(response, 201).await;
    assert_eq!(
        created,
        json!({
            "id": NEW_LCW_LEAD, "name": "Grace Hopper",
            "hubs": [{"slug": "london-central-and-west", "name": "London Central and West Maths Hub"}],
            "phases": ["secondary", "post_16"], "specialisms": ["subject leadership", "mastery"],
            "bio": "Head of maths at a Twyford partner school.",
            "roles_held": ["Work Group Lead", "Secondary Mastery Specialist"],
            "community_member": true, "community_member_since": 2019, "work_groups": []
        })
    );
    let public = app
        .get_json(&format!("/api/v1/leads/{NEW_LCW_LEAD}"), 200)
        .await;
    assert_eq!(public, created);
    let audited = audit_details(&app, "llme_profile.created", NEW_LCW_LEAD).await;
    assert_eq!(audited, [json!({"after": created})]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_creates_a_profile_for_a_lead_of_any_hub_with_defaults() {
    let app = app().await;
    let admin = app.token(ADMIN).await;

    let body = json!({"user_id": NEW_GLOW_LEAD, "name": "Katherine Johnson"});
    let created = json_body(post(&app, &admin, &body).await, 201).await;

    assert_eq!(created["hubs"][0]["slug"], "glow");
    assert_eq!(created["bio"], "");
    assert_eq!(created["roles_held"], json!([]));
    assert_eq!(created["community_member"], true);
    assert_eq!(created["community_member_since"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_403_when_the_lead_is_of_another_hub_and_changes_nothing() {
    let app = app().await;
    let manager = app.token(MANAGER).await;
    let before = profiles_digest(&app).await;

    assert_problem_saying(
        post(&app, &manager, &new_profile(NEW_GLOW_LEAD)).await,
        403,
        "Only the lead's hub managers and national admins",
    )
    .await;
    assert_eq!(profiles_digest(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_422_when_the_account_is_not_an_enabled_lead() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let before = profiles_digest(&app).await;
    let participant = app
        .query_text(
            "SELECT id::text AS value FROM users WHERE email = 'teacher.twyford@demo.mathshub.invalid'",
            &[],
        )
        .await;

    for id in [
        participant.as_str(),
        DISABLED_LCW_LEAD,
        "00000000-0000-7000-8000-0000000000ff",
    ] {
        let problem = assert_problem(post(&app, &admin, &new_profile(id)).await, 422).await;
        assert_eq!(invalid_fields(&problem), ["user_id"], "{id}");
    }
    assert_eq!(profiles_digest(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_409_when_the_lead_has_a_profile_already() {
    let app = app().await;
    let manager = app.token(MANAGER).await;
    let before = profiles_digest(&app).await;

    assert_problem_saying(
        post(&app, &manager, &new_profile(LCW_LEAD_ID)).await,
        409,
        "already has an LLME profile",
    )
    .await;
    assert_eq!(profiles_digest(&app).await, before);
    assert!(
        audit_details(&app, "llme_profile.created", LCW_LEAD_ID)
            .await
            .is_empty()
    );
}

/// A year to come is well-formed (the document allows 2014 on) but cannot be when a lead
/// joined: 422, where a year before the programme began breaks the document (400, above).
#[tokio::test(flavor = "multi_thread")]
async fn create_returns_422_for_a_year_of_joining_still_to_come() {
    let app = app().await;
    let manager = app.token(MANAGER).await;
    let before = profiles_digest(&app).await;
    let next_year = chrono::Utc::now().year() + 1;
    let mut body = new_profile(NEW_LCW_LEAD);
    body["community_member_since"] = json!(next_year);

    let problem = assert_problem(post(&app, &manager, &body).await, 422).await;

    assert_eq!(invalid_fields(&problem), ["community_member_since"]);
    assert!(
        problem.to_string().contains("must not be after this year"),
        "{problem}"
    );
    assert_eq!(profiles_digest(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_400_naming_every_bad_field_and_changes_nothing() {
    let app = app().await;
    let manager = app.token(MANAGER).await;
    let before = profiles_digest(&app).await;
    let many_roles: Vec<String> = (1..=11).map(|n| format!("Role {n}")).collect();

    let body = json!({
        "user_id": NEW_LCW_LEAD, "name": "  ", "phases": ["secondary", "tertiary", "secondary"],
        "specialisms": ["mastery", ""], "bio": "x".repeat(2_001), "roles_held": many_roles,
        "community_member_since": 2013
    });
    let problem = assert_problem(post(&app, &manager, &body).await, 400).await;

    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "bio",
            "community_member_since",
            "name",
            "phases[1]",
            "phases[2]",
            "roles_held",
            "specialisms[1]"
        ]
    );
    let unknown_field = json!({"user_id": NEW_LCW_LEAD, "name": "Grace", "published": false});
    let problem = assert_problem(post(&app, &manager, &unknown_field).await, 400).await;
    assert_eq!(invalid_fields(&problem), ["body"]);
    assert_eq!(profiles_digest(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_422_when_a_non_member_has_a_year_of_joining() {
    let app = app().await;
    let manager = app.token(MANAGER).await;
    let mut body = new_profile(NEW_LCW_LEAD);
    body["community_member"] = json!(false);

    let problem = assert_problem(post(&app, &manager, &body).await, 422).await;

    assert_eq!(invalid_fields(&problem), ["community_member_since"]);
    assert_problem(app.get(&format!("/api/v1/leads/{NEW_LCW_LEAD}")).await, 404).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lead_edits_their_own_bio_and_the_change_is_audited() {
    let app = app().await;
    let lead = app.token(LEAD).await;
    let before = app
        .get_json(&format!("/api/v1/leads/{LCW_LEAD_ID}"), 200)
        .await;

    let body = json!({"bio": "  Leads the Secondary Subject Leadership Work Group at Twyford.  "});
    let changed = json_body(patch(&app, &lead, LCW_LEAD_ID, &body).await, 200).await;

    let mut expected = before.clone();
    expected["bio"] = json!("Leads the Secondary Subject Leadership Work Group at Twyford.");
    assert_eq!(changed, expected);
    assert_eq!(
        app.get_json(&format!("/api/v1/leads/{LCW_LEAD_ID}"), 200)
            .await,
        changed
    );
    let audited = audit_details(&app, "llme_profile.updated", LCW_LEAD_ID).await;
    assert_eq!(audited, [json!({"before": before, "after": changed})]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lead_sending_other_fields_gets_403_naming_them_and_nothing_changes() {
    let app = app().await;
    let lead = app.token(LEAD).await;
    let before = profiles_digest(&app).await;

    let body = json!({"bio": "New bio.", "name": "Renamed", "roles_held": ["Hub Lead"]});
    let problem = assert_problem(patch(&app, &lead, LCW_LEAD_ID, &body).await, 403).await;

    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .ends_with("Not allowed here: name, roles_held."),
        "{problem}"
    );
    assert_eq!(profiles_digest(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lead_cannot_edit_another_lead_s_bio() {
    let app = app().await;
    let lead = app.token(LEAD).await;
    let before = profiles_digest(&app).await;

    assert_problem_saying(
        patch(&app, &lead, GLOW_LEAD_ID, &json!({"bio": "Not mine."})).await,
        403,
        "Only the lead, their hub's managers and national admins edit",
    )
    .await;
    assert_eq!(profiles_digest(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_manager_edits_every_field_of_their_hub_s_profiles_only() {
    let app = app().await;
    let manager = app.token(MANAGER).await;
    let body = json!({
        "name": "Demo Lead (LCW), renamed", "phases": ["primary"], "specialisms": [],
        "bio": "Rewritten.", "roles_held": ["Cohort Lead"], "community_member": true,
        "community_member_since": 2016
    });

    let changed = json_body(patch(&app, &manager, LCW_LEAD_ID, &body).await, 200).await;

    assert_eq!(changed["name"], "Demo Lead (LCW), renamed");
    assert_eq!(changed["phases"], json!(["primary"]));
    assert_eq!(changed["specialisms"], json!([]));
    assert_eq!(changed["roles_held"], json!(["Cohort Lead"]));
    assert_eq!(changed["community_member_since"], 2016);
    assert!(
        changed["work_groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|group| group["code"] == "LCW21-15-01"),
        "the groups they lead stay listed: {changed}"
    );
    let before = profiles_digest(&app).await;
    assert_problem(patch(&app, &manager, GLOW_LEAD_ID, &body).await, 403).await;
    assert_eq!(profiles_digest(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_clears_the_year_sent_as_null_and_refuses_a_non_member_keeping_one() {
    let app = app().await;
    let manager = app.token(MANAGER).await;
    json_body(
        patch(
            &app,
            &manager,
            LCW_LEAD_ID,
            &json!({"community_member_since": 2018}),
        )
        .await,
        200,
    )
    .await;
    let before = profiles_digest(&app).await;

    let problem = assert_problem(
        patch(
            &app,
            &manager,
            LCW_LEAD_ID,
            &json!({"community_member": false}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["community_member_since"]);
    assert_eq!(profiles_digest(&app).await, before);

    let body = json!({"community_member": false, "community_member_since": null});
    let changed = json_body(patch(&app, &manager, LCW_LEAD_ID, &body).await, 200).await;
    assert_eq!(changed["community_member"], false);
    assert_eq!(changed["community_member_since"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_returns_412_to_the_second_of_two_editors_and_applies_nothing_of_theirs() {
    let app = app().await;
    let manager = app.token(MANAGER).await;
    let lead = app.token(LEAD).await;
    let read = app.get(&format!("/api/v1/leads/{LCW_LEAD_ID}")).await;
    let etag = read.headers()[ETAG].to_str().unwrap().to_owned();
    let send = |token: &str, body: Value| {
        app.client
            .patch(format!("{}/api/v1/leads/{LCW_LEAD_ID}", app.address))
            .bearer_auth(token)
            .header(IF_MATCH, &etag)
            .json(&body)
            .send()
    };

    json_body(
        send(&lead, json!({"bio": "The lead's words."}))
            .await
            .unwrap(),
        200,
    )
    .await;
    let second = send(
        &manager,
        json!({"bio": "The manager's words.", "phases": ["primary"]}),
    )
    .await
    .unwrap();

    assert_problem_saying(second, 412, "changed since the version in If-Match").await;
    let now = app
        .get_json(&format!("/api/v1/leads/{LCW_LEAD_ID}"), 200)
        .await;
    assert_eq!(now["bio"], "The lead's words.");
    assert_eq!(now["phases"], json!(["secondary"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn update_returns_404_for_an_unknown_profile_and_400_for_a_malformed_id() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let body = json!({"bio": "Anything."});

    // An account without a profile has nothing to change.
    assert_problem(patch(&app, &admin, NEW_LCW_LEAD, &body).await, 404).await;
    let problem = assert_problem(patch(&app, &admin, "42", &body).await, 400).await;
    assert_eq!(invalid_fields(&problem), ["id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn public_profiles_list_the_public_work_groups_each_lead_leads_never_drafts() {
    let app = app().await;
    let manager = app.token(MANAGER).await;
    let draft = json!({
        "hub": "london-central-and-west", "project": "NCP21-15", "code": "LCW21-15-77",
        "title": "A draft not yet announced", "phase": "secondary", "mode": "online",
        "admission": "automatic", "leads": [{"user_id": LCW_LEAD_ID, "role": "cohort_lead"}]
    });
    json_body(
        app.send(
            Method::POST,
            "/api/v1/work-groups",
            Some(&manager),
            Some(&draft),
        )
        .await,
        201,
    )
    .await;

    let profile = app
        .get_json(&format!("/api/v1/leads/{LCW_LEAD_ID}"), 200)
        .await;

    let codes: Vec<&str> = profile["work_groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["code"].as_str().unwrap())
        .collect();
    // Newest academic year first: the demo's groups of today, then the documents' own.
    let under_way = app.demo_code(mathshub::seed::demo_offer::Slot::SubjectLeadershipUnderWay);
    assert_eq!(
        codes,
        [
            crate::helpers::next_cohort(&app).as_str(),
            &under_way,
            "LCW21-15-01"
        ]
    );
}
