use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, invalid_fields};

/// Real authorities (a county with two districts, a unitary, London boroughs, one authority with
/// no hub), three current hubs and a retired one, and Teaching School Hubs partnering them in
/// each way: recorded, derived from an overlapping area, both, and through a county's districts.
pub const FIXTURE: &str = "
INSERT INTO local_authorities (gss_code, name, kind, parent_gss_code, region) VALUES
  ('E10000013', 'Gloucestershire', 'county', NULL, 'South West'),
  ('E07000081', 'Gloucester', 'district', 'E10000013', 'South West'),
  ('E07000078', 'Cheltenham', 'district', 'E10000013', 'South West'),
  ('E06000025', 'South Gloucestershire', 'unitary', NULL, 'South West'),
  ('E09000009', 'Ealing', 'london_borough', NULL, 'London'),
  ('E09000017', 'Hillingdon', 'london_borough', NULL, 'London'),
  ('E09000002', 'Barking and Dagenham', 'london_borough', NULL, 'London'),
  ('E09000025', 'Newham', 'london_borough', NULL, 'London'),
  ('E09000026', 'Redbridge', 'london_borough', NULL, 'London'),
  ('E06000001', 'Hartlepool', 'unitary', NULL, 'North East');
INSERT INTO schools (urn, name, phase, la_code) VALUES
  ('137083', 'Twyford Church of England High School', 'secondary', 'E09000009');
INSERT INTO hubs (id, slug, name, region, lead_school_name, lead_school_urn, contact_email, website, retired_at) VALUES
  ('00000000-0000-7000-8000-000000000001', 'glow', 'GLOW Maths Hub', 'South West', NULL, NULL, NULL, NULL, NULL),
  ('00000000-0000-7000-8000-000000000002', 'london-central-and-west', 'London Central and West Maths Hub', 'London',
   'Twyford Church of England High School', '137083', 'lcw@example.org', 'https://lcw.example.org', NULL),
  ('00000000-0000-7000-8000-000000000003', 'london-north-east', 'London North East Maths Hub', 'London',
   NULL, NULL, NULL, NULL, NULL),
  ('00000000-0000-7000-8000-000000000004', 'london-old', 'London Old Maths Hub', 'London',
   NULL, NULL, NULL, NULL, '2020-08-31T00:00:00Z');
INSERT INTO hub_local_authorities (hub_id, la_code, covered_from, covered_until) VALUES
  ('00000000-0000-7000-8000-000000000001', 'E10000013', '2020-09-01', NULL),
  ('00000000-0000-7000-8000-000000000001', 'E06000025', '2020-09-01', NULL),
  ('00000000-0000-7000-8000-000000000004', 'E09000009', '2015-09-01', '2020-08-31'),
  ('00000000-0000-7000-8000-000000000002', 'E09000009', '2020-09-01', NULL),
  ('00000000-0000-7000-8000-000000000002', 'E09000017', '2020-09-01', NULL),
  ('00000000-0000-7000-8000-000000000003', 'E09000002', '2020-09-01', NULL),
  ('00000000-0000-7000-8000-000000000003', 'E09000025', '2020-09-01', NULL),
  ('00000000-0000-7000-8000-000000000003', 'E09000026', '2020-09-01', NULL);
INSERT INTO strategic_partners (id, hub_id, name, kind, school_urn, website) VALUES
  ('00000000-0000-7000-8000-000000000101', '00000000-0000-7000-8000-000000000002', 'Twyford Church of England High School',
   'school', '137083', NULL),
  ('00000000-0000-7000-8000-000000000102', '00000000-0000-7000-8000-000000000002', 'Brunel University London',
   'university', NULL, 'https://www.brunel.ac.uk');
INSERT INTO teaching_school_hubs (id, slug, name, lead_school_name, lead_school_urn, website, retired_at) VALUES
  ('00000000-0000-7000-8000-000000000201', 'london-district-east', 'London District East Teaching School Hub',
   'Lead Academy', '137083', 'https://lde.example.org', NULL),
  ('00000000-0000-7000-8000-000000000202', 'redbridge-tsh', 'Redbridge Teaching School Hub', NULL, NULL, NULL, NULL),
  ('00000000-0000-7000-8000-000000000203', 'gloucestershire-tsh', 'Gloucestershire Teaching School Hub', NULL, NULL, NULL, NULL),
  ('00000000-0000-7000-8000-000000000204', 'west-london-tsh', 'West London Teaching School Hub', NULL, NULL, NULL, NULL),
  ('00000000-0000-7000-8000-000000000205', 'ealing-old-tsh', 'Ealing Old Teaching School Hub', NULL, NULL, NULL,
   '2021-08-31T00:00:00Z'),
  ('00000000-0000-7000-8000-000000000206', 'hartlepool-tsh', 'Hartlepool Teaching School Hub', NULL, NULL, NULL, NULL);
INSERT INTO teaching_school_hub_areas (teaching_school_hub_id, la_code) VALUES
  ('00000000-0000-7000-8000-000000000201', 'E09000002'),
  ('00000000-0000-7000-8000-000000000201', 'E09000025'),
  ('00000000-0000-7000-8000-000000000202', 'E09000026'),
  ('00000000-0000-7000-8000-000000000203', 'E07000081'),
  ('00000000-0000-7000-8000-000000000203', 'E07000078'),
  ('00000000-0000-7000-8000-000000000204', 'E09000009'),
  ('00000000-0000-7000-8000-000000000205', 'E09000009'),
  ('00000000-0000-7000-8000-000000000206', 'E06000001');
-- Recorded: LNE with the TSH whose area it also overlaps; GLOW with a TSH far from its area.
INSERT INTO hub_partnerships (hub_id, teaching_school_hub_id) VALUES
  ('00000000-0000-7000-8000-000000000003', '00000000-0000-7000-8000-000000000201'),
  ('00000000-0000-7000-8000-000000000001', '00000000-0000-7000-8000-000000000204');
";

fn slugs(body: &Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|hub| hub["slug"].as_str().expect("slug"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_current_hubs_in_slug_order_when_no_filter_is_given() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let body = app.get_json("/api/v1/hubs", 200).await;

    assert_eq!(
        slugs(&body),
        ["glow", "london-central-and-west", "london-north-east"],
        "the retired hub is left out"
    );
    assert_eq!(
        body["items"][1],
        json!({
            "id": "00000000-0000-7000-8000-000000000002",
            "slug": "london-central-and-west",
            "name": "London Central and West Maths Hub",
            "region": "London",
            "lead_school": {"name": "Twyford Church of England High School", "urn": "137083"},
            "contact_email": "lcw@example.org",
            "website": "https://lcw.example.org"
        })
    );
    assert!(body["items"][0]["lead_school"].is_null());
    assert!(body["next_cursor"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_the_county_hub_when_local_authority_is_a_district() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    for (code, expected) in [
        ("E07000081", "glow"),
        ("E07000078", "glow"),
        ("E10000013", "glow"),
        ("E06000025", "glow"),
        ("E09000009", "london-central-and-west"),
        ("E09000025", "london-north-east"),
    ] {
        let body = app
            .get_json(&format!("/api/v1/hubs?local_authority={code}"), 200)
            .await;
        assert_eq!(slugs(&body), [expected], "find your hub for {code}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_an_empty_list_when_local_authority_has_no_hub_or_is_unknown() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    // Hartlepool is recorded without a hub; Middlesbrough is a real code not in this database.
    for code in ["E06000001", "E06000002"] {
        let body = app
            .get_json(&format!("/api/v1/hubs?local_authority={code}"), 200)
            .await;
        assert_eq!(body, json!({"items": [], "next_cursor": null}), "{code}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_matching_hubs_when_filtered_by_region_and_name() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    for (query, expected) in [
        (
            "region=London",
            vec!["london-central-and-west", "london-north-east"],
        ),
        ("region=South%20West", vec!["glow"]),
        ("region=North%20East", vec![]),
        ("q=NORTH", vec!["london-north-east"]),
        (
            "q=maths%20hub",
            vec!["glow", "london-central-and-west", "london-north-east"],
        ),
        ("q=old", vec![]),
        ("q=%25", vec![]),
        ("region=London&q=west", vec!["london-central-and-west"]),
        ("region=London&local_authority=E07000081", vec![]),
    ] {
        let body = app.get_json(&format!("/api/v1/hubs?{query}"), 200).await;
        assert_eq!(slugs(&body), expected, "{query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_walks_every_hub_once_when_paginated() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;
    app.execute(
        "INSERT INTO hubs (id, slug, name, region)
         SELECT gen_random_uuid(), 'hub-' || lpad(i::text, 2, '0'), 'Hub ' || i || ' Maths Hub', 'North East'
           FROM generate_series(1, 30) AS i",
    )
    .await;

    let walked = app.walk("/api/v1/hubs", 7).await;

    let walked: Vec<&str> = walked
        .iter()
        .map(|hub| hub["slug"].as_str().unwrap())
        .collect();
    let mut expected: Vec<String> = (1..=30).map(|i| format!("hub-{i:02}")).collect();
    expected.extend(["glow", "london-central-and-west", "london-north-east"].map(String::from));
    expected.sort();
    assert_eq!(walked, expected);

    let filtered = app.walk("/api/v1/hubs?region=North%20East&q=1", 2).await;
    let filtered: Vec<&str> = filtered
        .iter()
        .map(|hub| hub["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        filtered,
        [
            "hub-01", "hub-10", "hub-11", "hub-12", "hub-13", "hub-14", "hub-15", "hub-16",
            "hub-17", "hub-18", "hub-19", "hub-21"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_a_next_link_when_more_pages_exist() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let response = app.get("/api/v1/hubs?region=London&limit=1").await;

    let link = response.headers()["link"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    let cursor = body["next_cursor"].as_str().unwrap();
    assert_eq!(
        link,
        format!("</api/v1/hubs?region=London&limit=1&cursor={cursor}>; rel=\"next\"")
    );
    let next = app
        .get_json(
            &format!("/api/v1/hubs?region=London&limit=1&cursor={cursor}"),
            200,
        )
        .await;
    assert_eq!(slugs(&next), ["london-north-east"]);
    assert!(next["next_cursor"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_400_when_parameters_are_malformed() {
    let app = TestApp::spawn().await;

    let problem = assert_problem(
        app.get("/api/v1/hubs?local_authority=W06000001&region=&limit=1000&colour=red")
            .await,
        400,
    )
    .await;

    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["colour", "limit", "local_authority", "region"]);
    for query in [
        "limit=0",
        "limit=ten",
        "cursor=not-a-cursor",
        "q=%20",
        "region=Somewhere",
        "local_authority=e09000009",
        "slug=glow",
    ] {
        assert_problem(app.get(&format!("/api/v1/hubs?{query}")).await, 400).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_the_hub_with_coverage_partners_and_teaching_school_hubs() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let response = app.get("/api/v1/hubs/london-central-and-west").await;

    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("etag"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "id": "00000000-0000-7000-8000-000000000002",
            "slug": "london-central-and-west",
            "name": "London Central and West Maths Hub",
            "region": "London",
            "lead_school": {"name": "Twyford Church of England High School", "urn": "137083"},
            "contact_email": "lcw@example.org",
            "website": "https://lcw.example.org",
            "retired_at": null,
            "local_authorities": [
                {"gss_code": "E09000009", "name": "Ealing", "kind": "london_borough"},
                {"gss_code": "E09000017", "name": "Hillingdon", "kind": "london_borough"}
            ],
            "strategic_partners": [
                {"id": "00000000-0000-7000-8000-000000000102", "name": "Brunel University London",
                 "kind": "university", "school_urn": null, "website": "https://www.brunel.ac.uk"},
                {"id": "00000000-0000-7000-8000-000000000101", "name": "Twyford Church of England High School",
                 "kind": "school", "school_urn": "137083", "website": null}
            ],
            "teaching_school_hubs": [
                {"slug": "west-london-tsh", "name": "West London Teaching School Hub", "partnership": "overlapping area"}
            ]
        }),
        "the retired Teaching School Hub over Ealing is not a partner"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_explicit_partnerships_over_derived_ones_when_both_hold() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let north_east = app.get_json("/api/v1/hubs/london-north-east", 200).await;
    let glow = app.get_json("/api/v1/hubs/glow", 200).await;

    assert_eq!(
        north_east["teaching_school_hubs"],
        json!([
            {"slug": "london-district-east", "name": "London District East Teaching School Hub", "partnership": "explicit"},
            {"slug": "redbridge-tsh", "name": "Redbridge Teaching School Hub", "partnership": "overlapping area"}
        ]),
        "recorded and overlapping counts once, as explicit"
    );
    assert_eq!(
        glow["teaching_school_hubs"],
        json!([
            {"slug": "gloucestershire-tsh", "name": "Gloucestershire Teaching School Hub", "partnership": "overlapping area"},
            {"slug": "west-london-tsh", "name": "West London Teaching School Hub", "partnership": "explicit"}
        ]),
        "a TSH drawn on the county's districts overlaps; a recorded one needs no overlap"
    );
    let coverage: Vec<&str> = glow["local_authorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|la| la["name"].as_str().unwrap())
        .collect();
    assert_eq!(coverage, ["Gloucestershire", "South Gloucestershire"]);
    assert_eq!(glow["strategic_partners"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_a_retired_hub_without_its_past_coverage() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let body = app.get_json("/api/v1/hubs/london-old", 200).await;

    assert_eq!(body["retired_at"], "2020-08-31T01:00:00+01:00");
    assert_eq!(
        body["local_authorities"],
        json!([]),
        "its coverage of Ealing ended"
    );
    assert_eq!(body["teaching_school_hubs"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_404_when_the_slug_is_unknown() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let problem = assert_problem(app.get("/api/v1/hubs/north-of-nowhere").await, 404).await;

    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("north-of-nowhere")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_400_when_the_slug_is_malformed() {
    let app = TestApp::spawn().await;

    for slug in [
        "London-Central",
        "glow--hub",
        "glow_hub",
        "-glow",
        "glow%20hub",
    ] {
        let problem = assert_problem(app.get(&format!("/api/v1/hubs/{slug}")).await, 400).await;
        assert_eq!(invalid_fields(&problem), ["slug"], "{slug}");
    }
}
