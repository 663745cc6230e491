use serde_json::Value;

use crate::helpers::{TestApp, assert_problem, invalid_fields};

pub const OPEN_GROUP: &str = "01931b8e-0000-7000-8000-000000000001";
pub const FULL_GROUP: &str = "01931b8e-0000-7000-8000-000000000002";
pub const DRAFT_GROUP: &str = "01931b8e-0000-7000-8000-000000000003";
pub const GLOW_GROUP: &str = "01931b8e-0000-7000-8000-000000000004";
pub const LEAD: &str = "01931b8d-0000-7000-8000-000000000001";
pub const COHORT_LEAD: &str = "01931b8d-0000-7000-8000-000000000002";

/// Two hubs (LCW covering Ealing; GLOW covering Gloucestershire, so its districts too),
/// one project, four groups (open, full, draft, and GLOW's), leads and sessions — one in
/// GMT, one online with a private joining link, one in BST.
pub const FIXTURE: &str = "
INSERT INTO local_authorities (gss_code, name, kind, parent_gss_code, region) VALUES
  ('E09000009', 'Ealing', 'london_borough', NULL, 'London'),
  ('E09000002', 'Barking and Dagenham', 'london_borough', NULL, 'London'),
  ('E10000013', 'Gloucestershire', 'county', NULL, 'South West'),
  ('E07000079', 'Cotswold', 'district', 'E10000013', 'South West');
INSERT INTO hubs (id, slug, name, region) VALUES
  ('00000000-0000-7000-8000-0000000000a1', 'london-central-and-west', 'London Central and West Maths Hub', 'London'),
  ('00000000-0000-7000-8000-0000000000a2', 'glow', 'GLOW Maths Hub', 'South West');
INSERT INTO hub_local_authorities (hub_id, la_code) VALUES
  ('00000000-0000-7000-8000-0000000000a1', 'E09000009'),
  ('00000000-0000-7000-8000-0000000000a2', 'E10000013');
INSERT INTO projects (id, code, kind, title, academic_year, phases) VALUES
  ('00000000-0000-7000-8000-0000000000b1', 'NCP21-15', 'national', 'Secondary Subject Leadership', '2021/22', '{secondary}'),
  ('00000000-0000-7000-8000-0000000000b2', 'NCP22-03', 'national', 'Developing Core Maths Pedagogy', '2022/23', '{post_16}');
INSERT INTO users (id, email, name, role, hub_id) VALUES
  ('01931b8d-0000-7000-8000-000000000001', 'lead@demo.invalid', 'Private Name', 'lead', '00000000-0000-7000-8000-0000000000a1'),
  ('01931b8d-0000-7000-8000-000000000002', 'cohort@demo.invalid', 'Cohort Person', 'lead', '00000000-0000-7000-8000-0000000000a1');
INSERT INTO llme_profiles (user_id, display_name) VALUES
  ('01931b8d-0000-7000-8000-000000000001', 'Demo Lead (LCW)');
INSERT INTO work_groups (id, hub_id, project_id, academic_year, code, title, phase, mode, capacity, accepted_count,
                         admission, eoi_deadline, status, venue_name, venue_postcode, description) VALUES
  ('01931b8e-0000-7000-8000-000000000001', '00000000-0000-7000-8000-0000000000a1', '00000000-0000-7000-8000-0000000000b1',
   '2021/22', 'LCW21-15-01', 'Secondary Subject Leadership', 'secondary', 'blended', 30, 18, 'review',
   '2021-11-01T23:59:00Z', 'open', 'Twyford Church of England High School', 'W3 9PP', 'For heads of department'),
  ('01931b8e-0000-7000-8000-000000000002', '00000000-0000-7000-8000-0000000000a1', '00000000-0000-7000-8000-0000000000b1',
   '2021/22', 'LCW21-15-02', 'Secondary Subject Leadership (second cohort)', 'secondary', 'online', 10, 10, 'automatic',
   '2021-11-01T23:59:00Z', 'full', NULL, NULL, ''),
  ('01931b8e-0000-7000-8000-000000000003', '00000000-0000-7000-8000-0000000000a1', '00000000-0000-7000-8000-0000000000b1',
   '2021/22', 'LCW21-15-03', 'Not yet announced', 'secondary', 'online', NULL, 0, 'automatic', NULL, 'draft', NULL, NULL, ''),
  ('01931b8e-0000-7000-8000-000000000004', '00000000-0000-7000-8000-0000000000a2', '00000000-0000-7000-8000-0000000000b2',
   '2022/23', 'GLOW22-03-01', 'Developing Core Maths Pedagogy', 'post_16', 'face_to_face', 20, 0, 'automatic',
   '2022-10-01T23:59:00+01:00', 'open', NULL, NULL, '');
INSERT INTO work_group_leads (work_group_id, user_id, role) VALUES
  ('01931b8e-0000-7000-8000-000000000001', '01931b8d-0000-7000-8000-000000000002', 'cohort_lead'),
  ('01931b8e-0000-7000-8000-000000000001', '01931b8d-0000-7000-8000-000000000001', 'work_group_lead'),
  ('01931b8e-0000-7000-8000-000000000003', '01931b8d-0000-7000-8000-000000000001', 'work_group_lead');
INSERT INTO sessions (id, work_group_id, kind, mode, starts_at, ends_at, venue_name, joining_link) VALUES
  ('01931b8f-0000-7000-8000-000000000003', '01931b8e-0000-7000-8000-000000000001', 'workshop', 'face_to_face',
   '2022-05-25T09:30:00+01:00', '2022-05-25T14:30:00+01:00', 'Twyford Church of England High School', NULL),
  ('01931b8f-0000-7000-8000-000000000001', '01931b8e-0000-7000-8000-000000000001', 'workshop', 'face_to_face',
   '2021-11-17T09:30:00Z', '2021-11-17T14:30:00Z', 'Twyford Church of England High School', NULL),
  ('01931b8f-0000-7000-8000-000000000002', '01931b8e-0000-7000-8000-000000000001', 'workshop', 'online',
   '2022-02-03T09:30:00Z', '2022-02-03T14:30:00Z', NULL, 'https://meet.example.invalid/secret-room'),
  ('01931b8f-0000-7000-8000-000000000004', '01931b8e-0000-7000-8000-000000000002', 'workshop', 'online',
   '2021-10-05T16:00:00+01:00', '2021-10-05T17:30:00+01:00', NULL, 'https://meet.example.invalid/other-room'),
  ('01931b8f-0000-7000-8000-000000000005', '01931b8e-0000-7000-8000-000000000003', 'workshop', 'online',
   '2022-01-10T16:00:00Z', '2022-01-10T17:00:00Z', NULL, NULL),
  ('01931b8f-0000-7000-8000-000000000006', '01931b8e-0000-7000-8000-000000000004', 'workshop', 'face_to_face',
   '2022-11-10T09:30:00Z', '2022-11-10T15:30:00Z', NULL, NULL);
";

pub fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn app_with_fixture() -> TestApp {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;
    app
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_public_groups_in_code_order_and_never_drafts() {
    let app = app_with_fixture().await;

    let page = app.get_json("/api/v1/work-groups", 200).await;

    assert_eq!(codes(&page), ["GLOW22-03-01", "LCW21-15-01", "LCW21-15-02"]);
    let drafts = app.get_json("/api/v1/work-groups?status=draft", 200).await;
    assert_eq!(codes(&drafts), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn list_items_follow_the_contract_shape() {
    let app = app_with_fixture().await;

    let page = app
        .get_json(
            "/api/v1/work-groups?hub=london-central-and-west&status=open",
            200,
        )
        .await;

    let group = &page["items"][0];
    assert_eq!(group["id"], OPEN_GROUP);
    assert_eq!(
        group["hub"],
        serde_json::json!({"slug": "london-central-and-west", "name": "London Central and West Maths Hub"})
    );
    assert_eq!(
        group["project"],
        serde_json::json!({"code": "NCP21-15", "title": "Secondary Subject Leadership"})
    );
    assert_eq!(group["academic_year"], "2021/22");
    assert_eq!(group["capacity"], 30);
    assert_eq!(group["places_left"], 12);
    assert_eq!(group["eoi_deadline"], "2021-11-01T23:59:00+00:00");
    assert_eq!(group["venue"]["postcode"], "W3 9PP");
    assert_eq!(group["first_session_at"], "2021-11-17T09:30:00+00:00");
    assert_eq!(group["last_session_at"], "2022-05-25T09:30:00+01:00");
    assert!(
        group.get("sessions").is_none(),
        "list items carry everything but sessions"
    );
    let leads = group["leads"].as_array().unwrap();
    assert_eq!(leads.len(), 2);
    assert_eq!(
        leads[0],
        serde_json::json!({"id": LEAD, "name": "Demo Lead (LCW)", "role": "work_group_lead"})
    );
    assert_eq!(leads[1]["role"], "cohort_lead");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_filters_narrow_the_catalogue() {
    let app = app_with_fixture().await;

    for (query, expected) in [
        ("hub=glow", vec!["GLOW22-03-01"]),
        ("project=NCP21-15", vec!["LCW21-15-01", "LCW21-15-02"]),
        ("phase=post_16", vec!["GLOW22-03-01"]),
        ("status=full", vec!["LCW21-15-02"]),
        ("academic_year=2022/23", vec!["GLOW22-03-01"]),
        (
            "local_authority=E09000009",
            vec!["LCW21-15-01", "LCW21-15-02"],
        ),
        ("local_authority=E07000079", vec!["GLOW22-03-01"]),
        ("local_authority=E09000002", vec![]),
        ("mode=online", vec!["LCW21-15-02"]),
        (&format!("lead={LEAD}"), vec!["LCW21-15-01"]),
        (&format!("lead={COHORT_LEAD}"), vec!["LCW21-15-01"]),
        (
            "starts_after=2021-11-01T00:00:00Z",
            vec!["GLOW22-03-01", "LCW21-15-01"],
        ),
        ("starts_before=2021-11-01T00:00:00Z", vec!["LCW21-15-02"]),
        (
            "starts_after=2021-10-01T00:00:00%2B01:00&starts_before=2021-12-01T00:00:00Z",
            vec!["LCW21-15-01", "LCW21-15-02"],
        ),
        ("q=COHORT", vec!["LCW21-15-02"]),
        ("hub=glow&status=open&phase=secondary", vec![]),
    ] {
        let page = app
            .get_json(&format!("/api/v1/work-groups?{query}"), 200)
            .await;
        assert_eq!(codes(&page), expected, "{query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_pages_through_every_group_once() {
    let app = app_with_fixture().await;
    // 25 more open groups at LCW, to need several pages.
    app.execute(
        "INSERT INTO work_groups (id, hub_id, project_id, academic_year, code, title, phase, mode, capacity,
                                  admission, eoi_deadline, status)
         SELECT gen_random_uuid(), '00000000-0000-7000-8000-0000000000a1', '00000000-0000-7000-8000-0000000000b1',
                '2021/22', 'LCW21-15-' || lpad(n::text, 2, '0'), 'Cohort ' || n, 'secondary', 'online', 20,
                'automatic', '2021-11-01T00:00:00Z', 'open'
           FROM generate_series(10, 34) n",
    )
    .await;

    let walked = app
        .walk("/api/v1/work-groups?local_authority=E09000009", 7)
        .await;

    let codes: Vec<&str> = walked
        .iter()
        .map(|group| group["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 27);
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes, sorted, "in order, no duplicates");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_the_group_with_numbered_sessions_in_london_time() {
    let app = app_with_fixture().await;

    let group = app
        .get_json(&format!("/api/v1/work-groups/{OPEN_GROUP}"), 200)
        .await;

    assert_eq!(group["code"], "LCW21-15-01");
    assert_eq!(group["places_left"], 12);
    let sessions = group["sessions"].as_array().unwrap();
    let starts: Vec<&str> = sessions
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2021-11-17T09:30:00+00:00",
            "2022-02-03T09:30:00+00:00",
            "2022-05-25T09:30:00+01:00"
        ]
    );
    let sequence: Vec<i64> = sessions
        .iter()
        .map(|s| s["sequence"].as_i64().unwrap())
        .collect();
    assert_eq!(sequence, [1, 2, 3]);
    assert_eq!(sessions[2]["ends_at"], "2022-05-25T14:30:00+01:00");
    assert_eq!(
        sessions[0]["venue"]["name"],
        "Twyford Church of England High School"
    );
    assert!(sessions[1]["venue"].is_null());
    assert_eq!(sessions[1]["mode"], "online");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_public_answer_reveals_a_joining_link_or_a_private_name() {
    let app = app_with_fixture().await;

    for path in [
        format!("/api/v1/work-groups/{OPEN_GROUP}"),
        format!("/api/v1/work-groups/{OPEN_GROUP}/sessions"),
        "/api/v1/work-groups".to_owned(),
        "/api/v1/sessions".to_owned(),
    ] {
        let body = app.get(&path).await.text().await.unwrap();
        assert!(
            !body.contains("meet.example.invalid"),
            "{path} leaked a joining link"
        );
        assert!(
            !body.contains("lead@demo.invalid"),
            "{path} leaked an email"
        );
    }
    let group = app
        .get_json(&format!("/api/v1/work-groups/{OPEN_GROUP}"), 200)
        .await;
    assert!(
        group["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["joining_link"].is_null())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_404_for_drafts_and_unknown_ids_and_400_for_malformed_ids() {
    let app = app_with_fixture().await;
    assert_problem(
        app.get(&format!("/api/v1/work-groups/{DRAFT_GROUP}")).await,
        404,
    )
    .await;
    assert_problem(
        app.get("/api/v1/work-groups/01931b8e-0000-7000-8000-0000000000ff")
            .await,
        404,
    )
    .await;
    let problem = assert_problem(app.get("/api/v1/work-groups/LCW21-15-01").await, 400).await;
    assert_eq!(invalid_fields(&problem), ["id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_400_naming_every_bad_filter() {
    let app = app_with_fixture().await;
    let problem = assert_problem(
        app.get("/api/v1/work-groups?hub=Not%20A%20Slug&phase=sixth_form&status=booked&academic_year=2021/23\
                 &local_authority=E99&mode=bus&lead=42&starts_after=yesterday&starts_before=2021-01-01&q=&limit=1000&sort=title\
                 &project=null")
            .await,
        400,
    )
    .await;
    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "academic_year",
            "hub",
            "lead",
            "limit",
            "local_authority",
            "mode",
            "phase",
            "project",
            "q",
            "sort",
            "starts_after",
            "starts_before",
            "status"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_etag_changes_when_places_change() {
    let app = app_with_fixture().await;
    let path = format!("{}/api/v1/work-groups/{OPEN_GROUP}", app.address);
    let etag = app.client.get(&path).send().await.unwrap().headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();

    let unchanged = app
        .client
        .get(&path)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), 304);
    assert_eq!(unchanged.bytes().await.unwrap().len(), 0);

    app.execute(&format!(
        "UPDATE work_groups SET accepted_count = 19 WHERE id = '{OPEN_GROUP}'"
    ))
    .await;
    let changed = app
        .client
        .get(&path)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_etag_answers_304_when_nothing_changed() {
    let app = app_with_fixture().await;
    let path = format!("{}/api/v1/work-groups?hub=glow", app.address);
    let etag = app.client.get(&path).send().await.unwrap().headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let again = app
        .client
        .get(&path)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test(flavor = "multi_thread")]
async fn full_group_shows_no_places_left() {
    let app = app_with_fixture().await;
    let group = app
        .get_json(&format!("/api/v1/work-groups/{FULL_GROUP}"), 200)
        .await;
    assert_eq!(group["status"], "full");
    assert_eq!(group["places_left"], 0);
    let glow = app
        .get_json(&format!("/api/v1/work-groups/{GLOW_GROUP}"), 200)
        .await;
    assert_eq!(glow["places_left"], 20);
    assert_eq!(glow["eoi_deadline"], "2022-10-01T23:59:00+01:00");
}
