//! Teaching School Hubs written by national admins over HTTP: created with an area and partner
//! hubs (every bad code or slug named), changed with lists replaced whole and `If-Match`, and
//! retired only once no partner credentials reach the API for them.

use reqwest::Method;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::helpers::{
    add_retired_hub, assert_problem, assert_problem_saying, assert_says_all, audit_count, each_of,
    etag_of, invalid_fields, json_body, patch_if_match, post, reference_data, spawn_as_admin,
};

const LDE: &str = "/api/v1/teaching-school-hubs/london-district-east";

fn west_london() -> Value {
    json!({
        "slug": "west-london", "name": "West London Teaching School Hub",
        "lead_school": {"name": "Twyford Church of England High School", "urn": "137083"},
        "website": "https://www.example.org/west-london",
        "area": ["E09000009", "E09000017"], "partner_hubs": ["london-central-and-west"]
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_201_with_its_area_and_recorded_partner_hubs() {
    let (app, admin) = spawn_as_admin().await;

    let response = post(
        &app,
        &admin,
        "/api/v1/teaching-school-hubs",
        Some(&west_london()),
    )
    .await;

    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let created = json_body(response, 201).await;
    assert_eq!(location, "/api/v1/teaching-school-hubs/west-london");
    assert_eq!(
        each_of(&created["area"], "gss_code"),
        ["E09000009", "E09000017"]
    );
    assert_eq!(
        created["partner_hubs"],
        json!([{"slug": "london-central-and-west", "name": "London Central and West Maths Hub",
                "partnership": "explicit"}])
    );
    assert_eq!(app.get_json(&location, 200).await, created);
    let partners = app
        .get_json(
            "/api/v1/teaching-school-hubs?hub=london-central-and-west",
            200,
        )
        .await;
    assert_eq!(each_of(&partners["items"], "slug"), ["west-london"]);
    assert_eq!(
        audit_count(&app, "teaching_school_hub.created", "west-london").await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_returns_400_naming_every_bad_code_and_slug_and_changes_nothing() {
    let (app, admin) = spawn_as_admin().await;
    app.execute("UPDATE local_authorities SET retired_at = now() WHERE gss_code = 'E06000001'")
        .await;
    add_retired_hub(&app).await;
    let before = reference_data(&app).await;
    let mut body = west_london();
    body["slug"] = json!("West London");
    body["area"] = json!([
        "E10000013",
        "E09000099",
        "E9",
        "E09000009",
        "E09000009",
        "E06000001"
    ]);
    body["partner_hubs"] = json!(["no-such-hub", "Bad Slug", "old-hub", "glow"]);

    let problem = assert_problem(
        post(&app, &admin, "/api/v1/teaching-school-hubs", Some(&body)).await,
        400,
    )
    .await;

    let mut fields = invalid_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "area[0]",
            "area[1]",
            "area[2]",
            "area[4]",
            "area[5]",
            "partner_hubs[0]",
            "partner_hubs[1]",
            "partner_hubs[2]",
            "slug"
        ]
    );
    assert_says_all(
        &problem.to_string(),
        &[
            "is a county",
            "is named twice",
            "is retired",
            "no hub has the slug",
        ],
    );
    // Over the documented `maxItems`: 100 authorities, 40 hubs.
    let mut crowded = west_london();
    crowded["area"] = json!(vec!["E09000009"; 101]);
    crowded["partner_hubs"] = json!(vec!["glow"; 41]);
    let problem = assert_problem(
        post(&app, &admin, "/api/v1/teaching-school-hubs", Some(&crowded)).await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["area", "partner_hubs"]);
    assert_eq!(reference_data(&app).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_replaces_the_lists_sent_keeps_the_rest_and_refuses_a_stale_if_match() {
    let (app, admin) = spawn_as_admin().await;
    let tag = etag_of(&app, LDE).await;

    let changes = json!({"area": ["E09000002"], "partner_hubs": [],
                         "website": "https://www.example.org/lde"});
    let changed = json_body(patch_if_match(&app, LDE, &admin, &tag, &changes).await, 200).await;
    assert_eq!(each_of(&changed["area"], "gss_code"), ["E09000002"]);
    assert_eq!(
        changed["partner_hubs"],
        json!([{"slug": "london-north-east", "name": "London North East Maths Hub",
                "partnership": "overlapping area"}]),
        "the recorded partnership is gone; the one its area derives stays"
    );
    assert_eq!(changed["name"], "London District East Teaching School Hub");
    assert_eq!(app.get_json(LDE, 200).await, changed);

    let before = reference_data(&app).await;
    let stale = json!({"area": []});
    assert_problem(patch_if_match(&app, LDE, &admin, &tag, &stale).await, 412).await;
    let problem = assert_problem(
        app.send(
            Method::PATCH,
            LDE,
            Some(&admin),
            Some(&json!({"area": ["E07000079", "E10000013"]})),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["area[1]"]);
    assert_problem_saying(
        app.send(
            Method::PATCH,
            LDE,
            Some(&admin),
            Some(&json!({"name": "East London Teaching School Hub"})),
        )
        .await,
        409,
        "already has the name",
    )
    .await;
    assert_eq!(reference_data(&app).await, before);

    let details = app
        .query_text(
            "SELECT details::text AS value FROM audit_log \
             WHERE action = 'teaching_school_hub.updated' AND object_id = 'london-district-east'",
            &[],
        )
        .await;
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(
        details["before"]["area"],
        json!(["E09000002", "E09000016", "E09000025"])
    );
    assert_eq!(details["after"]["area"], json!(["E09000002"]));
    assert_eq!(
        details["before"]["partner_hubs"],
        json!(["london-north-east"])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retire_waits_for_partner_credentials_to_go_and_then_it_no_longer_changes() {
    let (app, admin) = spawn_as_admin().await;
    let before = reference_data(&app).await;

    assert_problem_saying(
        post(&app, &admin, &format!("{LDE}/retire"), None).await,
        409,
        "enabled partner accounts: 1",
    )
    .await;
    assert_eq!(reference_data(&app).await, before);

    let east_london = "/api/v1/teaching-school-hubs/east-london";
    let retired = json_body(
        post(&app, &admin, &format!("{east_london}/retire"), None).await,
        200,
    )
    .await;
    assert!(retired["retired_at"].is_string(), "{retired}");
    let listed = app.walk("/api/v1/teaching-school-hubs", 100).await;
    assert!(listed.iter().all(|tsh| tsh["slug"] != "east-london"));
    let partners_of_lne = app.get_json("/api/v1/hubs/london-north-east", 200).await;
    assert_eq!(
        each_of(&partners_of_lne["teaching_school_hubs"], "slug"),
        ["london-district-east"]
    );
    let before = reference_data(&app).await;
    assert_problem_saying(
        app.send(
            Method::PATCH,
            east_london,
            Some(&admin),
            Some(&json!({"website": null})),
        )
        .await,
        409,
        "retired",
    )
    .await;
    assert_eq!(reference_data(&app).await, before);
}
