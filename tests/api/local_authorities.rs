use crate::helpers::{TestApp, assert_problem, invalid_fields};

/// Two authorities of each shape the list has to show: a county with a district, and a
/// borough covered by a hub.
const FIXTURE: &str = "
INSERT INTO local_authorities (gss_code, name, kind, parent_gss_code, region) VALUES
  ('E10000013', 'Gloucestershire', 'county', NULL, 'South West'),
  ('E07000081', 'Gloucester', 'district', 'E10000013', 'South West'),
  ('E09000009', 'Ealing', 'london_borough', NULL, 'London'),
  ('E09000002', 'Barking and Dagenham', 'london_borough', NULL, 'London');
INSERT INTO hubs (id, slug, name, region) VALUES
  ('00000000-0000-7000-8000-000000000001', 'glow', 'GLOW Maths Hub', 'South West');
INSERT INTO hub_local_authorities (hub_id, la_code) VALUES
  ('00000000-0000-7000-8000-000000000001', 'E10000013');
";

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_authorities_in_gss_order_with_parent_and_hub() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let body = app.get_json("/api/v1/local-authorities", 200).await;

    let codes: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|la| la["gss_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["E07000081", "E09000002", "E09000009", "E10000013"]);
    let district = &body["items"][0];
    assert_eq!(district["kind"], "district");
    assert_eq!(district["parent"]["gss_code"], "E10000013");
    assert_eq!(
        district["hub"]["slug"], "glow",
        "a district reaches its hub through its county"
    );
    assert!(body["items"][1]["hub"].is_null());
    assert!(body["next_cursor"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn list_filters_by_kind_region_parent_and_name() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    for (query, expected) in [
        ("kind=london_borough", vec!["E09000002", "E09000009"]),
        ("region=South%20West", vec!["E07000081", "E10000013"]),
        ("parent=E10000013", vec!["E07000081"]),
        ("q=GLOUCESTER", vec!["E07000081", "E10000013"]),
        ("q=ling", vec!["E09000009"]),
        ("q=%25", vec![]),
    ] {
        let body = app
            .get_json(&format!("/api/v1/local-authorities?{query}"), 200)
            .await;
        let codes: Vec<&str> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|la| la["gss_code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, expected, "{query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pagination_walks_every_item_once_with_a_next_link() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let response = app
        .get("/api/v1/local-authorities?kind=london_borough&limit=1")
        .await;
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    let body: serde_json::Value = response.json().await.unwrap();
    let cursor = body["next_cursor"].as_str().unwrap();
    assert_eq!(
        link,
        format!(
            "</api/v1/local-authorities?kind=london_borough&limit=1&cursor={cursor}>; rel=\"next\""
        )
    );

    let walked = app.walk("/api/v1/local-authorities", 3).await;
    let codes: Vec<&str> = walked
        .iter()
        .map(|la| la["gss_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["E07000081", "E09000002", "E09000009", "E10000013"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_one_authority_by_code() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let body = app
        .get_json("/api/v1/local-authorities/E10000013", 200)
        .await;

    assert_eq!(body["name"], "Gloucestershire");
    assert_eq!(body["hub"]["name"], "GLOW Maths Hub");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_404_for_an_unknown_code_and_400_for_a_malformed_one() {
    let app = TestApp::spawn().await;
    assert_problem(app.get("/api/v1/local-authorities/E09000099").await, 404).await;
    let problem = assert_problem(app.get("/api/v1/local-authorities/W06000001").await, 400).await;
    assert_eq!(invalid_fields(&problem), ["code"]);
    // Nine bytes with a two-byte character across the third: once a panic, and no answer.
    for code in ["E0%C3%A900002", "E%C3%A9000002"] {
        let path = format!("/api/v1/local-authorities/{code}");
        let problem = assert_problem(app.get(&path).await, 400).await;
        assert_eq!(invalid_fields(&problem), ["code"], "{code}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_400_naming_each_bad_parameter() {
    let app = TestApp::spawn().await;
    let problem = assert_problem(
        app.get("/api/v1/local-authorities?kind=parish&parent=X&region=AAA&limit=1000&colour=red")
            .await,
        400,
    )
    .await;
    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["colour", "kind", "limit", "parent", "region"]);
    assert_problem(
        app.get("/api/v1/local-authorities?cursor=not-a-cursor")
            .await,
        400,
    )
    .await;
    assert_problem(app.get("/api/v1/local-authorities?limit=0").await, 400).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_current_etag_answers_304() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;
    let first = app.get("/api/v1/local-authorities/E09000009").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();

    let again = app
        .client
        .get(format!(
            "{}/api/v1/local-authorities/E09000009",
            app.address
        ))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);

    app.execute(
        "UPDATE local_authorities SET name = 'Ealing Borough' WHERE gss_code = 'E09000009'",
    )
    .await;
    let changed = app
        .client
        .get(format!(
            "{}/api/v1/local-authorities/E09000009",
            app.address
        ))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200, "a changed resource gets a new tag");
}
