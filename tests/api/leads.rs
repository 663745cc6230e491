use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, invalid_fields};

const ADA: &str = "00000000-0000-7000-8000-0000000000a1";
const CARA: &str = "00000000-0000-7000-8000-0000000000c3";
const DAN: &str = "00000000-0000-7000-8000-0000000000d4";
const OPEN_GROUP: &str = "00000000-0000-7000-8000-000000000101";

/// Two hubs; Ada (two hubs, secondary) leads an open group and a draft one; Ben (primary) leads
/// a completed group; Cara's profile is unpublished and Dan's account is disabled.
const FIXTURE: &str = "
INSERT INTO hubs (id, slug, name, region) VALUES
  ('00000000-0000-7000-8000-000000000001', 'london-central-and-west', 'London Central and West Maths Hub', 'London'),
  ('00000000-0000-7000-8000-000000000002', 'glow', 'GLOW Maths Hub', 'South West');
INSERT INTO users (id, email, name, role, hub_id, disabled_at) VALUES
  ('00000000-0000-7000-8000-0000000000a1', 'ada.private@example.org', 'Ada Account', 'lead', '00000000-0000-7000-8000-000000000001', NULL),
  ('00000000-0000-7000-8000-0000000000b2', 'ben.private@example.org', 'Ben Account', 'lead', '00000000-0000-7000-8000-000000000002', NULL),
  ('00000000-0000-7000-8000-0000000000c3', 'cara.private@example.org', 'Cara Account', 'lead', '00000000-0000-7000-8000-000000000001', NULL),
  ('00000000-0000-7000-8000-0000000000d4', 'dan.private@example.org', 'Dan Account', 'lead', '00000000-0000-7000-8000-000000000001', now());
INSERT INTO llme_profiles (user_id, display_name, phases, specialisms, bio, community_member, published) VALUES
  ('00000000-0000-7000-8000-0000000000b2', 'Ben Okafor', '{primary}', '{}', '', false, true),
  ('00000000-0000-7000-8000-0000000000c3', 'Cara Unpublished', '{secondary}', '{}', '', true, false),
  ('00000000-0000-7000-8000-0000000000d4', 'Dan Disabled', '{secondary}', '{}', '', true, true);
INSERT INTO llme_profiles (user_id, display_name, phases, specialisms, bio, roles_held, community_member,
                           community_member_since) VALUES
  ('00000000-0000-7000-8000-0000000000a1', 'Ada Lovelace', '{secondary,post_16}', '{subject leadership}', 'Head of maths.',
   ARRAY['Work Group Lead', 'Secondary Mastery Specialist'], true, 2016);
INSERT INTO llme_profile_hubs (user_id, hub_id) VALUES
  ('00000000-0000-7000-8000-0000000000a1', '00000000-0000-7000-8000-000000000001'),
  ('00000000-0000-7000-8000-0000000000a1', '00000000-0000-7000-8000-000000000002'),
  ('00000000-0000-7000-8000-0000000000b2', '00000000-0000-7000-8000-000000000002'),
  ('00000000-0000-7000-8000-0000000000c3', '00000000-0000-7000-8000-000000000001'),
  ('00000000-0000-7000-8000-0000000000d4', '00000000-0000-7000-8000-000000000001');
INSERT INTO projects (id, code, kind, title, academic_year, phases) VALUES
  ('00000000-0000-7000-8000-000000000015', 'NCP21-15', 'national', 'Secondary Subject Leadership', '2021/22', '{secondary,primary}');
INSERT INTO work_groups (id, hub_id, project_id, academic_year, code, title, phase, mode, capacity, admission,
                         eoi_deadline, status) VALUES
  ('00000000-0000-7000-8000-000000000101', '00000000-0000-7000-8000-000000000001', '00000000-0000-7000-8000-000000000015',
   '2021/22', 'LCW21-15-01', 'Secondary Subject Leadership', 'secondary', 'blended', 30, 'review', '2021-11-01T23:59:00Z', 'open'),
  ('00000000-0000-7000-8000-000000000102', '00000000-0000-7000-8000-000000000001', '00000000-0000-7000-8000-000000000015',
   '2021/22', 'LCW21-15-02', 'Secret Draft Group', 'secondary', 'online', NULL, 'automatic', NULL, 'draft'),
  ('00000000-0000-7000-8000-000000000103', '00000000-0000-7000-8000-000000000002', '00000000-0000-7000-8000-000000000015',
   '2021/22', 'GLOW21-15-01', 'Primary Subject Leadership', 'primary', 'face_to_face', 20, 'automatic', '2021-10-01T23:59:00Z', 'completed');
INSERT INTO work_group_leads (work_group_id, user_id, role) VALUES
  ('00000000-0000-7000-8000-000000000101', '00000000-0000-7000-8000-0000000000a1', 'work_group_lead'),
  ('00000000-0000-7000-8000-000000000102', '00000000-0000-7000-8000-0000000000a1', 'cohort_lead'),
  ('00000000-0000-7000-8000-000000000103', '00000000-0000-7000-8000-0000000000b2', 'cohort_lead');
";

fn names(body: &Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|lead| lead["name"].as_str().unwrap())
        .collect()
}

/// GET, asserting 200, and the body as text, so what is absent can be checked too.
async fn get_text(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_published_profiles_in_name_order_with_hubs_and_groups() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let body = app.get_json("/api/v1/leads", 200).await;

    assert_eq!(
        names(&body),
        ["Ada Lovelace", "Ben Okafor"],
        "no unpublished profiles or disabled accounts"
    );
    assert!(body["next_cursor"].is_null());
    assert_eq!(
        body["items"][0],
        json!({
            "id": ADA, "name": "Ada Lovelace",
            "hubs": [{"slug": "glow", "name": "GLOW Maths Hub"},
                     {"slug": "london-central-and-west", "name": "London Central and West Maths Hub"}],
            "phases": ["secondary", "post_16"], "specialisms": ["subject leadership"], "bio": "Head of maths.",
            "roles_held": ["Work Group Lead", "Secondary Mastery Specialist"],
            "community_member": true, "community_member_since": 2016,
            "work_groups": [{"id": OPEN_GROUP, "code": "LCW21-15-01", "title": "Secondary Subject Leadership",
                             "role": "work_group_lead"}]
        })
    );
    assert_eq!(body["items"][1]["community_member"], false);
    assert_eq!(body["items"][1]["roles_held"], json!([]));
    assert_eq!(body["items"][1]["community_member_since"], Value::Null);
    assert_eq!(
        body["items"][1]["work_groups"][0]["code"], "GLOW21-15-01",
        "completed groups stay visible"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_no_draft_work_groups_and_no_emails_when_a_lead_has_them() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    for path in [
        "/api/v1/leads",
        &format!("/api/v1/leads/{ADA}"),
        "/api/v1/leads?hub=london-central-and-west",
    ] {
        let text = get_text(&app, path).await;
        assert!(
            !text.contains("LCW21-15-02") && !text.contains("Secret Draft Group"),
            "{path}: {text}"
        );
        assert!(
            !text.contains('@') && !text.contains("private"),
            "{path}: {text}"
        );
        assert!(
            !text.contains("Account"),
            "the account name is not the public name: {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_matching_leads_when_filtered() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    for (query, expected) in [
        ("hub=glow", vec!["Ada Lovelace", "Ben Okafor"]),
        ("hub=london-central-and-west", vec!["Ada Lovelace"]),
        ("hub=no-such-hub", vec![]),
        ("phase=secondary", vec!["Ada Lovelace"]),
        ("phase=post_16", vec!["Ada Lovelace"]),
        ("phase=primary", vec!["Ben Okafor"]),
        ("phase=early_years", vec![]),
        ("q=OKAF", vec!["Ben Okafor"]),
        ("q=cara", vec![]),
        ("hub=glow&phase=primary&q=ben", vec!["Ben Okafor"]),
    ] {
        let body = app.get_json(&format!("/api/v1/leads?{query}"), 200).await;
        assert_eq!(names(&body), expected, "{query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_every_lead_once_when_walked_page_by_page_through_equal_names() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;
    // A third of the names are the same, so the cursor must break ties on the id.
    app.execute(
        "CREATE TEMP TABLE generated AS
           SELECT n, gen_random_uuid() AS id FROM generate_series(1, 30) n;
         INSERT INTO users (id, email, name, role, hub_id)
           SELECT id, 'generated' || n || '@example.org', 'Generated ' || n, 'lead', '00000000-0000-7000-8000-000000000002'
             FROM generated;
         INSERT INTO llme_profiles (user_id, display_name, phases)
           SELECT id, CASE WHEN n % 3 = 0 THEN 'Same Name' ELSE 'Lead ' || n END, '{primary}' FROM generated;",
    )
    .await;

    let first = app.get("/api/v1/leads?limit=10").await;
    assert!(
        first
            .headers()
            .get("link")
            .is_some_and(|link| link.to_str().unwrap().ends_with("rel=\"next\""))
    );
    let walked = app.walk("/api/v1/leads", 4).await;

    let ids: Vec<&str> = walked
        .iter()
        .map(|lead| lead["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 32);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        32,
        "no duplicates"
    );
    let whole = app.get("/api/v1/leads?limit=100").await;
    assert!(
        whole.headers().get("link").is_none(),
        "the last page has no next link"
    );
    let whole: Value = whole.json().await.unwrap();
    let whole_ids: Vec<&str> = whole["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|lead| lead["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids, whole_ids,
        "pages follow one another in name order, with no gaps"
    );
    let primary = app.walk("/api/v1/leads?phase=primary", 7).await;
    assert_eq!(primary.len(), 31, "the cursor keeps the filters");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_400_naming_each_bad_parameter() {
    let app = TestApp::spawn().await;

    let problem = assert_problem(
        app.get("/api/v1/leads?hub=Not%20A%20Slug&phase=tertiary&q=%20&email=x")
            .await,
        400,
    )
    .await;

    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["email", "hub", "phase", "q"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_400_when_limit_or_cursor_is_malformed() {
    let app = TestApp::spawn().await;
    // `ImFiYyI` is a well-formed cursor of another list (a bare string, not a name and id).
    for query in ["limit=0", "limit=1000", "cursor=garbage", "cursor=ImFiYyI"] {
        let problem = assert_problem(app.get(&format!("/api/v1/leads?{query}")).await, 400).await;
        assert_eq!(
            invalid_fields(&problem),
            [query.split('=').next().unwrap()],
            "{query}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_one_published_lead_by_id() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let body = app.get_json(&format!("/api/v1/leads/{ADA}"), 200).await;

    assert_eq!(body["name"], "Ada Lovelace");
    assert_eq!(body["hubs"].as_array().unwrap().len(), 2);
    assert_eq!(
        body["work_groups"].as_array().unwrap().len(),
        1,
        "the draft group is hidden"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_404_when_the_lead_is_unknown_unpublished_or_disabled() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;
    for id in ["00000000-0000-7000-8000-0000000000ff", CARA, DAN] {
        assert_problem(app.get(&format!("/api/v1/leads/{id}")).await, 404).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_400_when_the_id_is_not_a_uuid() {
    let app = TestApp::spawn().await;
    for id in ["42", "not-a-uuid", "00000000-0000-7000-8000-0000000000zz"] {
        let problem = assert_problem(app.get(&format!("/api/v1/leads/{id}")).await, 400).await;
        assert_eq!(invalid_fields(&problem), ["id"], "{id}");
    }
}
