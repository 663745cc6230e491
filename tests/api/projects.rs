use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, invalid_fields};

/// Projects of each kind and year, and a Teaching for Mastery chain (Development requires and
/// follows Readiness).
const FIXTURE: &str = "
INSERT INTO projects (id, code, kind, title, academic_year, phases, outline, roles_allowed, roles_excluded,
                      school_phases, length, cost_pence, non_attendance_fee_pence, cancellation_notice_days,
                      expectations) VALUES
  ('00000000-0000-7000-8000-000000000015', 'NCP21-15', 'national', 'Secondary Subject Leadership', '2021/22',
   '{secondary}', 'Support for heads of department.', '{head_of_department}', '{prospective_head_of_department}',
   '{secondary,all_through}', 'the equivalent of three days', 0, 7500, 7, 'Commit to the full year.'),
  ('00000000-0000-7000-8000-000000000021', 'TFMR21-1', 'national', 'Teaching for Mastery: Readiness', '2021/22',
   '{primary,secondary}', '', '{}', '{}', '{}', NULL, 0, 0, 0, ''),
  ('00000000-0000-7000-8000-000000000033', 'INN22-3', 'innovation', 'Early Years Number Sense', '2022/23',
   '{early_years}', '', '{early_years_practitioner}', '{}', '{nursery,primary}', NULL, 15000, 0, 14, ''),
  ('00000000-0000-7000-8000-000000000042', 'LCW21-2', 'local', 'Post-16 Problem Solving', '2021/22',
   '{secondary,post_16}', '', '{}', '{}', '{}', NULL, 0, 2500, 3, '');
INSERT INTO projects (id, code, kind, title, academic_year, phases, requires_completed_id, follows_id) VALUES
  ('00000000-0000-7000-8000-000000000022', 'TFMD22-1', 'national', 'Teaching for Mastery: Development', '2022/23',
   '{primary}', '00000000-0000-7000-8000-000000000021', '00000000-0000-7000-8000-000000000021');
";

fn codes(body: &Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|project| project["code"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_projects_in_code_order_in_the_contract_shape() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let body = app.get_json("/api/v1/projects", 200).await;

    assert_eq!(
        codes(&body),
        ["INN22-3", "LCW21-2", "NCP21-15", "TFMD22-1", "TFMR21-1"]
    );
    assert!(body["next_cursor"].is_null());
    assert_eq!(
        body["items"][2],
        json!({
            "id": "00000000-0000-7000-8000-000000000015",
            "code": "NCP21-15", "kind": "national", "title": "Secondary Subject Leadership",
            "academic_year": "2021/22", "phases": ["secondary"], "outline": "Support for heads of department.",
            "eligibility": {"roles_allowed": ["head_of_department"], "roles_excluded": ["prospective_head_of_department"],
                            "school_phases": ["secondary", "all_through"], "requires_completed": null},
            "length": "the equivalent of three days", "cost_pence": 0,
            "non_attendance_fee_pence": 7500, "cancellation_notice_days": 7, "session_days": 1,
            "participation_min_percent": null, "currency": "GBP",
            "expectations": "Commit to the full year.", "follows": null
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_required_and_followed_projects_by_code() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let body = app.get_json("/api/v1/projects?q=development", 200).await;

    let development = &body["items"][0];
    assert_eq!(development["eligibility"]["requires_completed"], "TFMR21-1");
    assert_eq!(development["follows"], "TFMR21-1");
    assert_eq!(development["length"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_matching_projects_when_filtered() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    for (query, expected) in [
        ("academic_year=2022/23", vec!["INN22-3", "TFMD22-1"]),
        ("academic_year=2022%2F23", vec!["INN22-3", "TFMD22-1"]),
        ("academic_year=2019/20", vec![]),
        ("phase=secondary", vec!["LCW21-2", "NCP21-15", "TFMR21-1"]),
        ("phase=primary", vec!["TFMD22-1", "TFMR21-1"]),
        ("phase=early_years", vec!["INN22-3"]),
        ("phase=post_16", vec!["LCW21-2"]),
        ("kind=national", vec!["NCP21-15", "TFMD22-1", "TFMR21-1"]),
        ("kind=local", vec!["LCW21-2"]),
        ("kind=innovation", vec!["INN22-3"]),
        ("q=MASTERY", vec!["TFMD22-1", "TFMR21-1"]),
        ("q=_", vec![]),
        (
            "kind=national&academic_year=2021/22&phase=primary",
            vec!["TFMR21-1"],
        ),
    ] {
        let body = app
            .get_json(&format!("/api/v1/projects?{query}"), 200)
            .await;
        assert_eq!(codes(&body), expected, "{query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_every_project_once_when_walked_page_by_page() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;
    app.execute(
        "INSERT INTO projects (id, code, kind, title, academic_year, phases) \
         SELECT gen_random_uuid(), 'GEN23-' || n, 'local', 'Generated project ' || n, '2023/24', '{primary}' \
           FROM generate_series(1, 30) n",
    )
    .await;

    let first = app.get("/api/v1/projects?limit=10").await;
    assert!(
        first
            .headers()
            .get("link")
            .is_some_and(|link| link.to_str().unwrap().ends_with("rel=\"next\""))
    );
    let walked = app.walk("/api/v1/projects", 8).await;

    let walked: Vec<&str> = walked
        .iter()
        .map(|project| project["code"].as_str().unwrap())
        .collect();
    assert_eq!(walked.len(), 35);
    assert_eq!(
        walked.iter().collect::<HashSet<_>>().len(),
        35,
        "no duplicates"
    );
    let filtered = app.walk("/api/v1/projects?academic_year=2023/24", 7).await;
    assert_eq!(filtered.len(), 30, "the cursor keeps the filters");
    let whole = app.get("/api/v1/projects?limit=100").await;
    assert!(
        whole.headers().get("link").is_none(),
        "the last page has no next link"
    );
    let whole: Value = whole.json().await.unwrap();
    assert_eq!(
        walked,
        codes(&whole),
        "pages follow one another in code order, with no gaps"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_400_naming_each_bad_parameter() {
    let app = TestApp::spawn().await;

    let problem = assert_problem(
        app.get(
            "/api/v1/projects?academic_year=2021/23&phase=sixth_form&kind=regional&q=&sort=title",
        )
        .await,
        400,
    )
    .await;

    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["academic_year", "kind", "phase", "q", "sort"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_400_when_limit_or_cursor_is_malformed() {
    let app = TestApp::spawn().await;
    for query in ["limit=0", "limit=1000", "cursor=%21%21", "cursor=ImFiYyI"] {
        let problem =
            assert_problem(app.get(&format!("/api/v1/projects?{query}")).await, 400).await;
        assert_eq!(
            invalid_fields(&problem),
            [query.split('=').next().unwrap()],
            "{query}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_one_project_by_code() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let body = app.get_json("/api/v1/projects/INN22-3", 200).await;

    assert_eq!(body["title"], "Early Years Number Sense");
    assert_eq!(body["kind"], "innovation");
    assert_eq!(body["cost_pence"], 15000);
    assert_eq!(body["currency"], "GBP");
    assert_eq!(body["cancellation_notice_days"], 14);
    assert_eq!(
        body["eligibility"]["roles_allowed"],
        json!(["early_years_practitioner"])
    );
    assert_eq!(
        body["eligibility"]["school_phases"],
        json!(["nursery", "primary"])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_404_when_the_code_is_unknown() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;
    assert_problem(app.get("/api/v1/projects/NCP21-99").await, 404).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_400_when_the_code_is_malformed() {
    let app = TestApp::spawn().await;
    for code in ["ncp21-15", "NCP-15", "NCP21-1000", "N21-1"] {
        let problem = assert_problem(app.get(&format!("/api/v1/projects/{code}")).await, 400).await;
        assert_eq!(invalid_fields(&problem), ["code"], "{code}");
    }
}
