//! Admins create and change schools one at a time: `POST /schools`, `PATCH /schools/{urn}`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, assert_problem_saying, invalid_fields, json_body};
use crate::school_import::{schools_state, stored};

fn dartford_grammar() -> Value {
    json!({
        "urn": "118765", "name": "Dartford Grammar School", "phase": "secondary",
        "local_authority": "E10000016", "district": "E07000107", "postcode": "da1 2hw"
    })
}

async fn admin_app() -> (TestApp, String) {
    let app = TestApp::spawn_with_demo().await;
    let admin = app.token("admin@demo.mathshub.invalid").await;
    (app, admin)
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_201_with_location_and_audits_when_the_school_fits() {
    let (app, admin) = admin_app().await;

    let response = app
        .send(
            Method::POST,
            "/api/v1/schools",
            Some(&admin),
            Some(&dartford_grammar()),
        )
        .await;

    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        "/api/v1/schools/118765"
    );
    let created = json_body(response, 201).await;
    assert_eq!(created["status"], "open", "open unless said otherwise");
    assert_eq!(created["postcode"], "DA1 2HW");
    assert_eq!(created["district"]["name"], "Dartford");
    assert_eq!(app.get_json("/api/v1/schools/118765", 200).await, created);
    assert_eq!(
        app.query_count(
            "SELECT count(*) AS count FROM audit_log WHERE action = 'school.created' \
             AND object_id = '118765' AND details->'after'->>'la_code' = 'E10000016'",
            &[]
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_400_naming_every_bad_field_and_creates_nothing() {
    let (app, admin) = admin_app().await;
    let before = schools_state(&app).await;

    let problem = assert_problem(
        app.send(
            Method::POST,
            "/api/v1/schools",
            Some(&admin),
            Some(&json!({
                "urn": "01234", "name": " ", "phase": "sixth_form", "local_authority": "Kent",
                "district": "Dartford", "postcode": "DA1", "status": "shut"
            })),
        )
        .await,
        400,
    )
    .await;

    assert_eq!(
        invalid_fields(&problem),
        [
            "urn",
            "name",
            "phase",
            "local_authority",
            "district",
            "postcode",
            "status"
        ]
    );
    assert_eq!(schools_state(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_422_unless_the_authority_educates_and_the_district_is_of_its_county() {
    let (app, admin) = admin_app().await;
    let before = schools_state(&app).await;
    let cases = [
        (
            "E07000107",
            None,
            "local_authority",
            "is a district, not an education authority",
        ),
        (
            "E09000099",
            None,
            "local_authority",
            "no local authority has the GSS code E09000099",
        ),
        (
            "E10000016",
            Some("E07000079"),
            "district",
            "Cotswold (E07000079) is not a district of Kent",
        ),
        (
            "E09000009",
            Some("E07000107"),
            "district",
            "Ealing (E09000009) is not a county",
        ),
        (
            "E10000016",
            Some("E07000999"),
            "district",
            "no local authority has the GSS code E07000999",
        ),
    ];
    for (authority, district, field, words) in cases {
        let mut body = dartford_grammar();
        body["local_authority"] = json!(authority);
        body["district"] = json!(district);

        let problem = assert_problem(
            app.send(Method::POST, "/api/v1/schools", Some(&admin), Some(&body))
                .await,
            422,
        )
        .await;

        assert_eq!(invalid_fields(&problem), [field], "{problem}");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(words), "{words:?} not in {problem}");
    }
    assert_eq!(schools_state(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_409_when_the_urn_is_taken_and_400_for_unknown_fields() {
    let (app, admin) = admin_app().await;
    let before = schools_state(&app).await;
    let mut twyford = dartford_grammar();
    twyford["urn"] = json!("137083");

    assert_problem_saying(
        app.send(
            Method::POST,
            "/api/v1/schools",
            Some(&admin),
            Some(&twyford),
        )
        .await,
        409,
        "A school with the URN 137083 already exists",
    )
    .await;
    let mut with_hub = dartford_grammar();
    with_hub["hub"] = json!("london-central-and-west");
    assert_problem(
        app.send(
            Method::POST,
            "/api/v1/schools",
            Some(&admin),
            Some(&with_hub),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(schools_state(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_changes_what_is_sent_clears_nulls_and_audits_before_and_after() {
    let (app, admin) = admin_app().await;

    let changed = json_body(
        app.send(
            Method::PATCH,
            "/api/v1/schools/137083",
            Some(&admin),
            Some(
                &json!({"name": "Twyford CofE High School", "status": "closed", "postcode": null}),
            ),
        )
        .await,
        200,
    )
    .await;

    assert_eq!(changed["name"], "Twyford CofE High School");
    assert_eq!(
        stored(&app, "137083").await,
        "Twyford CofE High School|secondary|E09000009|-|-|closed"
    );
    let details: Value = serde_json::from_str(
        &app.query_text(
            "SELECT details::text AS value FROM audit_log WHERE action = 'school.updated'",
            &[],
        )
        .await,
    )
    .unwrap();
    assert_eq!(details["before"]["status"], "open");
    assert_eq!(details["before"]["postcode"], "W3 9PP");
    assert_eq!(details["after"]["status"], "closed");
}

#[tokio::test(flavor = "multi_thread")]
async fn update_moves_a_school_only_to_an_education_authority_and_a_district_of_it() {
    let (app, admin) = admin_app().await;
    let patch = |body: Value| {
        let app = &app;
        let admin = &admin;
        async move {
            app.send(
                Method::PATCH,
                "/api/v1/schools/137083",
                Some(admin),
                Some(&body),
            )
            .await
        }
    };
    let before = schools_state(&app).await;

    let refused = assert_problem(patch(json!({"district": "E07000107"})).await, 422).await;
    assert_eq!(
        invalid_fields(&refused),
        ["district"],
        "Ealing has no districts"
    );
    let refused = assert_problem(patch(json!({"local_authority": "E07000107"})).await, 422).await;
    assert_eq!(invalid_fields(&refused), ["local_authority"]);
    assert_eq!(schools_state(&app).await, before);

    let moved = json_body(
        patch(json!({"local_authority": "E10000016", "district": "E07000107"})).await,
        200,
    )
    .await;
    assert_eq!(moved["local_authority"]["name"], "Kent");
    let cleared = json_body(patch(json!({"district": null})).await, 200).await;
    assert!(cleared["district"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn update_returns_412_for_a_stale_if_match_and_changes_nothing() {
    let (app, admin) = admin_app().await;
    let read = app.get("/api/v1/schools/137083").await;
    let etag = read.headers()["etag"].to_str().unwrap().to_owned();
    let patch = |name: &'static str| {
        app.client
            .patch(format!("{}/api/v1/schools/137083", app.address))
            .bearer_auth(&admin)
            .header("if-match", &etag)
            .json(&json!({ "name": name }))
            .send()
    };

    json_body(patch("First Editor's Name").await.unwrap(), 200).await;
    let before = schools_state(&app).await;
    assert_problem_saying(
        patch("Second Editor's Name").await.unwrap(),
        412,
        "School 137083 changed since the version in If-Match",
    )
    .await;

    assert_eq!(schools_state(&app).await, before);
    assert!(
        stored(&app, "137083")
            .await
            .starts_with("First Editor's Name|")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn update_returns_404_for_an_unknown_urn_and_400_for_a_malformed_one() {
    let (app, admin) = admin_app().await;
    let body = json!({"name": "Anything"});

    assert_problem(
        app.send(
            Method::PATCH,
            "/api/v1/schools/999999",
            Some(&admin),
            Some(&body),
        )
        .await,
        404,
    )
    .await;
    let problem = assert_problem(
        app.send(
            Method::PATCH,
            "/api/v1/schools/12345",
            Some(&admin),
            Some(&body),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["urn"]);
    let problem = assert_problem(
        app.send(
            Method::PATCH,
            "/api/v1/schools/137083",
            Some(&admin),
            Some(&json!({"urn": "137084"})),
        )
        .await,
        400,
    )
    .await;
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("urn"),
        "{problem}"
    );
}
