use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::{TestApp, assert_problem, invalid_fields};

/// Kent (a county) with two of its districts, and Ealing (a borough); schools of each shape.
const FIXTURE: &str = "
INSERT INTO local_authorities (gss_code, name, kind, parent_gss_code, region) VALUES
  ('E10000016', 'Kent', 'county', NULL, 'South East'),
  ('E07000107', 'Dartford', 'district', 'E10000016', 'South East'),
  ('E07000111', 'Sevenoaks', 'district', 'E10000016', 'South East'),
  ('E09000009', 'Ealing', 'london_borough', NULL, 'London');
INSERT INTO schools (urn, name, phase, la_code, district_code, postcode, status) VALUES
  ('137083', 'Twyford Church of England High School', 'secondary', 'E09000009', NULL, 'W3 9PP', 'open'),
  ('118765', 'Dartford Grammar School', 'secondary', 'E10000016', 'E07000107', 'DA1 2HW', 'open'),
  ('118500', 'Sevenoaks Primary School', 'primary', 'E10000016', 'E07000111', 'TN13 3LB', 'open'),
  ('101900', 'Old Ealing Primary', 'primary', 'E09000009', NULL, NULL, 'closed');
";

fn urns(body: &Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|school| school["urn"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_schools_in_urn_order_with_authority_and_district() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let body = app.get_json("/api/v1/schools", 200).await;

    assert_eq!(urns(&body), ["101900", "118500", "118765", "137083"]);
    assert!(body["next_cursor"].is_null());
    let dartford = &body["items"][2];
    assert_eq!(dartford["name"], "Dartford Grammar School");
    assert_eq!(dartford["phase"], "secondary");
    assert_eq!(dartford["status"], "open");
    assert_eq!(
        dartford["local_authority"],
        serde_json::json!({"gss_code": "E10000016", "name": "Kent"})
    );
    assert_eq!(
        dartford["district"],
        serde_json::json!({"gss_code": "E07000107", "name": "Dartford"})
    );
    assert_eq!(dartford["postcode"], "DA1 2HW");
    let closed = &body["items"][0];
    assert!(closed["district"].is_null());
    assert!(closed["postcode"].is_null());
    assert_eq!(closed["status"], "closed");
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_matching_schools_when_filtered() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    for (query, expected) in [
        ("q=GRAMMAR", vec!["118765"]),
        ("q=primary", vec!["101900", "118500"]),
        ("q=100%25", vec![]),
        ("local_authority=E10000016", vec!["118500", "118765"]),
        ("local_authority=E07000107", vec!["118765"]),
        ("local_authority=E09000009", vec!["101900", "137083"]),
        ("local_authority=E09000002", vec![]),
        ("phase=secondary", vec!["118765", "137083"]),
        ("phase=nursery", vec![]),
        ("status=closed", vec!["101900"]),
        ("status=open&phase=primary", vec!["118500"]),
        ("local_authority=E09000009&q=twyford", vec!["137083"]),
    ] {
        let body = app.get_json(&format!("/api/v1/schools?{query}"), 200).await;
        assert_eq!(urns(&body), expected, "{query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_every_school_once_when_walked_page_by_page() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;
    app.execute(
        "INSERT INTO schools (urn, name, phase, la_code) \
         SELECT (200000 + n)::text, 'Generated School ' || n, 'primary', 'E09000009' FROM generate_series(1, 25) n",
    )
    .await;

    let first = app.get("/api/v1/schools?limit=10").await;
    assert!(
        first
            .headers()
            .get("link")
            .is_some_and(|link| link.to_str().unwrap().ends_with("rel=\"next\""))
    );
    let walked = app.walk("/api/v1/schools", 7).await;

    let walked: Vec<&str> = walked
        .iter()
        .map(|school| school["urn"].as_str().unwrap())
        .collect();
    assert_eq!(walked.len(), 29);
    assert_eq!(
        walked.iter().collect::<HashSet<_>>().len(),
        29,
        "no duplicates"
    );
    assert!(
        walked.windows(2).all(|pair| pair[0] < pair[1]),
        "in URN order"
    );
    let whole = app.get("/api/v1/schools?limit=100").await;
    assert!(
        whole.headers().get("link").is_none(),
        "the last page has no next link"
    );
    let whole: Value = whole.json().await.unwrap();
    assert_eq!(
        walked,
        urns(&whole),
        "pages follow one another with no gaps"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_a_next_link_keeping_the_filters_when_more_remain() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let response = app.get("/api/v1/schools?phase=primary&limit=1").await;
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    let cursor = body["next_cursor"].as_str().unwrap();

    assert_eq!(
        link,
        format!("</api/v1/schools?phase=primary&limit=1&cursor={cursor}>; rel=\"next\"")
    );
    let next = app
        .get_json(
            &format!("/api/v1/schools?phase=primary&limit=1&cursor={cursor}"),
            200,
        )
        .await;
    assert_eq!(urns(&next), ["118500"]);
    assert!(next["next_cursor"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_400_naming_each_bad_parameter() {
    let app = TestApp::spawn().await;

    let problem = assert_problem(
        app.get(
            "/api/v1/schools?local_authority=W06000001&phase=infant&status=shut&q=%20&colour=red",
        )
        .await,
        400,
    )
    .await;

    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        ["colour", "local_authority", "phase", "q", "status"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_400_when_limit_or_cursor_is_malformed() {
    let app = TestApp::spawn().await;
    for query in ["limit=0", "limit=1000", "cursor=not-a-cursor"] {
        let problem = assert_problem(app.get(&format!("/api/v1/schools?{query}")).await, 400).await;
        assert_eq!(
            invalid_fields(&problem),
            [query.split('=').next().unwrap()],
            "{query}"
        );
    }
    // A well-formed cursor that does not hold a URN was not issued by this list.
    let foreign = "ImFiYyI"; // base64url of "abc"
    let problem = assert_problem(
        app.get(&format!("/api/v1/schools?cursor={foreign}")).await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["cursor"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_one_school_by_urn() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;

    let body = app.get_json("/api/v1/schools/118500", 200).await;

    assert_eq!(body["name"], "Sevenoaks Primary School");
    assert_eq!(body["phase"], "primary");
    assert_eq!(body["local_authority"]["gss_code"], "E10000016");
    assert_eq!(body["district"]["name"], "Sevenoaks");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_404_when_the_urn_is_unknown() {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;
    assert_problem(app.get("/api/v1/schools/999999").await, 404).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn get_returns_400_when_the_urn_is_malformed() {
    let app = TestApp::spawn().await;
    for urn in ["13708", "037083", "abcdef", "1370833"] {
        let problem = assert_problem(app.get(&format!("/api/v1/schools/{urn}")).await, 400).await;
        assert_eq!(invalid_fields(&problem), ["urn"], "{urn}");
    }
}
