//! Local authorities written by national admins over HTTP: the kind follows the GSS code, a
//! district sits in a current county, changes honour `If-Match`, and an authority is retired
//! only once nothing current relies on it. Every change is audited; refused ones change nothing.

use reqwest::Method;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, assert_problem_saying, audit_count, etag_of, invalid_fields,
    json_body, patch_if_match, reference_data, spawn_as_admin,
};

/// Cambridge, a district of Cambridgeshire (E10000003), taken out of the demo's authorities.
const CAMBRIDGE: &str = "E07000008";

fn cambridge() -> Value {
    json!({"gss_code": CAMBRIDGE, "name": "Cambridge", "parent": "E10000003", "region": "East of England"})
}

/// The demo without Cambridge, and an admin's token.
async fn spawn() -> (TestApp, String) {
    let (app, admin) = spawn_as_admin().await;
    app.execute(&format!(
        "DELETE FROM local_authorities WHERE gss_code = '{CAMBRIDGE}'"
    ))
    .await;
    (app, admin)
}

async fn post(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.send(
        Method::POST,
        "/api/v1/local-authorities",
        Some(token),
        Some(body),
    )
    .await
}

async fn patch(app: &TestApp, token: &str, code: &str, body: &Value) -> reqwest::Response {
    app.send(
        Method::PATCH,
        &format!("/api/v1/local-authorities/{code}"),
        Some(token),
        Some(body),
    )
    .await
}

async fn retire(app: &TestApp, token: &str, code: &str) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/local-authorities/{code}/retire"),
        Some(token),
        None,
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_201_with_the_kind_its_code_names_and_an_audit_record() {
    let (app, admin) = spawn().await;

    let response = post(&app, &admin, &cambridge()).await;

    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let created = json_body(response, 201).await;
    assert_eq!(location, format!("/api/v1/local-authorities/{CAMBRIDGE}"));
    assert_eq!(created["kind"], "district");
    assert_eq!(created["parent"]["gss_code"], "E10000003");
    assert_eq!(created["retired_at"], Value::Null);
    assert_eq!(app.get_json(&location, 200).await, created);
    assert_eq!(
        audit_count(&app, "local_authority.created", CAMBRIDGE).await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_400_naming_every_bad_field_and_changes_nothing() {
    let (app, admin) = spawn().await;
    let before = reference_data(&app).await;

    let problem = assert_problem(
        post(
            &app,
            &admin,
            &json!({"gss_code": "W06000001", "la_number": "30", "name": " ", "kind": "borough",
                    "parent": "E1", "region": "Wales"}),
        )
        .await,
        400,
    )
    .await;
    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        ["gss_code", "kind", "la_number", "name", "parent", "region"]
    );

    let mut unknown_field = cambridge();
    unknown_field["retired_at"] = json!("2021-01-01T00:00:00Z");
    assert_problem(post(&app, &admin, &unknown_field).await, 400).await;
    assert_eq!(reference_data(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_422_when_kind_or_parent_disagree_with_the_code() {
    let (app, admin) = spawn().await;
    let before = reference_data(&app).await;
    let with = |changes: Value| {
        let mut body = cambridge();
        for (key, value) in changes.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let cases = [
        (with(json!({"kind": "unitary"})), "kind", "must be district"),
        (with(json!({"parent": null})), "parent", "is required"),
        (
            with(json!({"parent": "E09000009"})),
            "parent",
            "a district's parent is a county",
        ),
        (
            with(json!({"parent": "E10000099"})),
            "parent",
            "no local authority has the code",
        ),
        (
            json!({"gss_code": "E09000009", "name": "Ealing", "parent": "E10000003", "region": "London"}),
            "parent",
            "only districts sit in a county",
        ),
    ];
    for (body, field, words) in cases {
        let problem = assert_problem(post(&app, &admin, &body).await, 422).await;
        assert_eq!(invalid_fields(&problem), [field], "{body}");
        assert!(
            problem.to_string().contains(words),
            "{words:?} in {problem}"
        );
    }
    assert_eq!(reference_data(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_409_naming_the_rule_when_the_code_or_la_number_is_taken() {
    let (app, admin) = spawn().await;
    json_body(
        patch(&app, &admin, "E09000009", &json!({"la_number": "307"})).await,
        200,
    )
    .await;
    let before = reference_data(&app).await;

    assert_problem_saying(
        post(
            &app,
            &admin,
            &json!({"gss_code": "E09000009", "name": "Ealing", "region": "London"}),
        )
        .await,
        409,
        "E09000009 already exists",
    )
    .await;
    let mut same_number = cambridge();
    same_number["la_number"] = json!("307");
    assert_problem_saying(post(&app, &admin, &same_number).await, 409, "LA number 307").await;
    assert_eq!(reference_data(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_changes_what_is_sent_honours_if_match_and_audits_before_and_after() {
    let (app, admin) = spawn().await;
    let path = "/api/v1/local-authorities/E09000009";
    let tag = etag_of(&app, path).await;

    let changes = json!({"la_number": "307", "name": "London Borough of Ealing"});
    let changed = json_body(
        patch_if_match(&app, path, &admin, &tag, &changes).await,
        200,
    )
    .await;
    assert_eq!(changed["la_number"], "307");
    assert_eq!(changed["name"], "London Borough of Ealing");
    assert_eq!(changed["region"], "London");
    assert_eq!(changed["hub"]["slug"], "london-central-and-west");

    let before = reference_data(&app).await;
    let stale = json!({"name": "Ealing"});
    assert_problem(patch_if_match(&app, path, &admin, &tag, &stale).await, 412).await;
    assert_eq!(
        reference_data(&app).await,
        before,
        "a stale change applies nothing"
    );

    let cleared = json_body(
        patch(&app, &admin, "E09000009", &json!({"la_number": null})).await,
        200,
    )
    .await;
    assert_eq!(cleared["la_number"], Value::Null);
    let details = app
        .query_text(
            "SELECT details::text AS value FROM audit_log \
             WHERE action = 'local_authority.updated' ORDER BY id LIMIT 1",
            &[],
        )
        .await;
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(details["before"]["name"], "Ealing");
    assert_eq!(details["after"]["name"], "London Borough of Ealing");
}

#[tokio::test(flavor = "multi_thread")]
async fn update_moves_a_district_to_another_county_only() {
    let (app, admin) = spawn().await;
    let before = reference_data(&app).await;

    let problem = assert_problem(
        patch(&app, &admin, "E07000009", &json!({"parent": "E06000001"})).await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["parent"]);
    let problem = assert_problem(
        patch(&app, &admin, "E09000009", &json!({"parent": "E10000003"})).await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["parent"]);
    assert_problem(
        patch(&app, &admin, "E07000009", &json!({"kind": "unitary"})).await,
        400,
    )
    .await;
    assert_eq!(reference_data(&app).await, before);

    let moved = json_body(
        patch(&app, &admin, "E07000009", &json!({"parent": "E10000013"})).await,
        200,
    )
    .await;
    assert_eq!(moved["parent"]["gss_code"], "E10000013");
    assert_eq!(
        moved["hub"]["slug"], "glow",
        "a district reaches its county's hub"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retire_returns_409_naming_everything_that_still_relies_on_the_authority() {
    let (app, admin) = spawn().await;
    let before = reference_data(&app).await;

    let ealing = assert_problem(retire(&app, &admin, "E09000009").await, 409).await;
    let detail = ealing["detail"].as_str().unwrap();
    assert!(
        detail.contains("london-central-and-west") && detail.contains("open schools are in it: 1"),
        "{detail}"
    );
    let gloucestershire = assert_problem(retire(&app, &admin, "E10000013").await, 409).await;
    let detail = gloucestershire["detail"].as_str().unwrap();
    assert!(
        detail.contains("glow") && detail.contains("current districts sit in it"),
        "{detail}"
    );
    let newham = assert_problem(retire(&app, &admin, "E09000025").await, 409).await;
    assert!(
        newham["detail"]
            .as_str()
            .unwrap()
            .contains("london-district-east"),
        "{newham}"
    );
    assert_eq!(reference_data(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retired_authority_leaves_the_list_and_no_longer_changes() {
    let (app, admin) = spawn().await;

    let retired = json_body(retire(&app, &admin, "E07000009").await, 200).await;

    assert!(retired["retired_at"].is_string(), "{retired}");
    assert_eq!(
        app.get_json("/api/v1/local-authorities/E07000009", 200)
            .await,
        retired
    );
    let listed = app
        .walk("/api/v1/local-authorities?parent=E10000003", 100)
        .await;
    assert!(listed.iter().all(|la| la["gss_code"] != "E07000009"));
    assert_eq!(
        audit_count(&app, "local_authority.retired", "E07000009").await,
        1
    );
    let before = reference_data(&app).await;
    assert_problem_saying(
        retire(&app, &admin, "E07000009").await,
        409,
        "already retired",
    )
    .await;
    assert_problem_saying(
        patch(&app, &admin, "E07000009", &json!({"name": "East Cambs"})).await,
        409,
        "retired",
    )
    .await;
    assert_problem(retire(&app, &admin, "E07000999").await, 404).await;
    assert_eq!(reference_data(&app).await, before);
}
