use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, invalid_fields};
use crate::hubs::FIXTURE;

fn slugs(body: &Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|tsh| tsh["slug"].as_str().expect("slug"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_current_teaching_school_hubs_in_slug_order_when_no_filter_is_given() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let body = app.get_json("/api/v1/teaching-school-hubs", 200).await;

    assert_eq!(
        slugs(&body),
        [
            "gloucestershire-tsh",
            "hartlepool-tsh",
            "london-district-east",
            "redbridge-tsh",
            "west-london-tsh"
        ],
        "the retired one is left out"
    );
    assert_eq!(
        body["items"][2],
        json!({
            "id": "00000000-0000-7000-8000-000000000201",
            "slug": "london-district-east",
            "name": "London District East Teaching School Hub",
            "lead_school": {"name": "Lead Academy", "urn": "137083"},
            "website": "https://lde.example.org"
        })
    );
    assert!(body["items"][0]["lead_school"].is_null());
    assert!(body["next_cursor"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_those_whose_area_holds_it_when_filtered_by_local_authority() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    for (code, expected) in [
        ("E07000081", vec!["gloucestershire-tsh"]),
        ("E10000013", vec!["gloucestershire-tsh"]),
        ("E09000025", vec!["london-district-east"]),
        ("E09000009", vec!["west-london-tsh"]),
        ("E06000001", vec!["hartlepool-tsh"]),
        ("E06000025", vec![]),
        ("E06000002", vec![]),
    ] {
        let body = app
            .get_json(
                &format!("/api/v1/teaching-school-hubs?local_authority={code}"),
                200,
            )
            .await;
        assert_eq!(slugs(&body), expected, "{code}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_explicit_and_overlapping_partners_when_filtered_by_hub() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    for (hub, expected) in [
        (
            "london-north-east",
            vec!["london-district-east", "redbridge-tsh"],
        ),
        ("glow", vec!["gloucestershire-tsh", "west-london-tsh"]),
        ("london-central-and-west", vec!["west-london-tsh"]),
        ("london-old", vec![]),
        ("north-of-nowhere", vec![]),
    ] {
        let body = app
            .get_json(&format!("/api/v1/teaching-school-hubs?hub={hub}"), 200)
            .await;
        assert_eq!(slugs(&body), expected, "{hub}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_matching_teaching_school_hubs_when_filtered_by_name_and_combined() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    for (query, expected) in [
        ("q=LONDON", vec!["london-district-east", "west-london-tsh"]),
        ("q=old", vec![]),
        ("q=_", vec![]),
        ("q=london&hub=glow", vec!["west-london-tsh"]),
        (
            "hub=london-north-east&local_authority=E09000026",
            vec!["redbridge-tsh"],
        ),
    ] {
        let body = app
            .get_json(&format!("/api/v1/teaching-school-hubs?{query}"), 200)
            .await;
        assert_eq!(slugs(&body), expected, "{query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_walks_every_teaching_school_hub_once_when_paginated() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;
    app.execute(
        "INSERT INTO teaching_school_hubs (id, slug, name)
         SELECT gen_random_uuid(), 'tsh-' || lpad(i::text, 2, '0'), 'Teaching School Hub ' || i
           FROM generate_series(1, 30) AS i;
         INSERT INTO teaching_school_hub_areas (teaching_school_hub_id, la_code)
         SELECT id, 'E09000017' FROM teaching_school_hubs WHERE slug LIKE 'tsh-%'",
    )
    .await;

    let walked = app.walk("/api/v1/teaching-school-hubs", 6).await;

    let walked: Vec<&str> = walked
        .iter()
        .map(|tsh| tsh["slug"].as_str().unwrap())
        .collect();
    let mut expected: Vec<String> = (1..=30).map(|i| format!("tsh-{i:02}")).collect();
    expected.extend(
        [
            "gloucestershire-tsh",
            "hartlepool-tsh",
            "london-district-east",
            "redbridge-tsh",
            "west-london-tsh",
        ]
        .map(String::from),
    );
    expected.sort();
    assert_eq!(walked, expected);

    // Hillingdon is covered by London Central and West: all thirty now overlap it.
    let partners = app
        .walk(
            "/api/v1/teaching-school-hubs?hub=london-central-and-west",
            4,
        )
        .await;
    let partners: Vec<&str> = partners
        .iter()
        .map(|tsh| tsh["slug"].as_str().unwrap())
        .collect();
    let mut expected: Vec<String> = (1..=30).map(|i| format!("tsh-{i:02}")).collect();
    expected.push("west-london-tsh".into());
    assert_eq!(partners, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_400_when_parameters_are_malformed() {
    let app = TestApp::spawn().await;

    let problem = assert_problem(
        app.get("/api/v1/teaching-school-hubs?local_authority=E11000001&hub=Not%20A%20Slug&limit=101&region=London").await,
        400,
    )
    .await;

    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["hub", "limit", "local_authority", "region"]);
    for query in [
        "limit=0",
        "cursor=xyz",
        "q=",
        "hub=",
        "hub=glow&hub=london-old",
    ] {
        assert_problem(
            app.get(&format!("/api/v1/teaching-school-hubs?{query}"))
                .await,
            400,
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_the_teaching_school_hub_with_area_and_partner_hubs() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let response = app
        .get("/api/v1/teaching-school-hubs/london-district-east")
        .await;

    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("etag"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "id": "00000000-0000-7000-8000-000000000201",
            "slug": "london-district-east",
            "name": "London District East Teaching School Hub",
            "lead_school": {"name": "Lead Academy", "urn": "137083"},
            "website": "https://lde.example.org",
            "retired_at": null,
            "area": [
                {"gss_code": "E09000002", "name": "Barking and Dagenham", "kind": "london_borough"},
                {"gss_code": "E09000025", "name": "Newham", "kind": "london_borough"}
            ],
            "partner_hubs": [
                {"slug": "london-north-east", "name": "London North East Maths Hub", "partnership": "explicit"}
            ]
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_derived_and_explicit_partner_hubs_when_areas_overlap() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let west_london = app
        .get_json("/api/v1/teaching-school-hubs/west-london-tsh", 200)
        .await;
    let gloucestershire = app
        .get_json("/api/v1/teaching-school-hubs/gloucestershire-tsh", 200)
        .await;
    let hartlepool = app
        .get_json("/api/v1/teaching-school-hubs/hartlepool-tsh", 200)
        .await;
    let retired = app
        .get_json("/api/v1/teaching-school-hubs/ealing-old-tsh", 200)
        .await;

    assert_eq!(
        west_london["partner_hubs"],
        json!([
            {"slug": "glow", "name": "GLOW Maths Hub", "partnership": "explicit"},
            {"slug": "london-central-and-west", "name": "London Central and West Maths Hub", "partnership": "overlapping area"}
        ]),
        "the retired hub that once covered Ealing is not a partner"
    );
    assert_eq!(
        gloucestershire["partner_hubs"],
        json!([{"slug": "glow", "name": "GLOW Maths Hub", "partnership": "overlapping area"}]),
        "districts reach the hub covering their county"
    );
    let area: Vec<&str> = gloucestershire["area"]
        .as_array()
        .unwrap()
        .iter()
        .map(|la| la["name"].as_str().unwrap())
        .collect();
    assert_eq!(area, ["Cheltenham", "Gloucester"]);
    assert_eq!(gloucestershire["area"][0]["kind"], "district");
    assert_eq!(hartlepool["partner_hubs"], json!([]));
    assert_eq!(retired["retired_at"], "2021-08-31T01:00:00+01:00");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_404_when_the_slug_is_unknown() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let problem = assert_problem(
        app.get("/api/v1/teaching-school-hubs/nowhere-tsh").await,
        404,
    )
    .await;

    assert!(problem["detail"].as_str().unwrap().contains("nowhere-tsh"));
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_400_when_the_slug_is_malformed() {
    let app = TestApp::spawn().await;

    for slug in ["West-London", "west_london", "west-", "west%20london"] {
        let problem = assert_problem(
            app.get(&format!("/api/v1/teaching-school-hubs/{slug}"))
                .await,
            400,
        )
        .await;
        assert_eq!(invalid_fields(&problem), ["slug"], "{slug}");
    }
}
