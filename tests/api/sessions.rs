use crate::helpers::{TestApp, assert_problem, invalid_fields};
use crate::work_groups::{DRAFT_GROUP, FIXTURE, OPEN_GROUP};

async fn app_with_fixture() -> TestApp {
    let app = TestApp::spawn().await;
    app.execute(FIXTURE).await;
    app
}

fn starts(page: &serde_json::Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn group_sessions_list_in_time_order_with_gmt_and_bst_offsets() {
    let app = app_with_fixture().await;

    let page = app
        .get_json(&format!("/api/v1/work-groups/{OPEN_GROUP}/sessions"), 200)
        .await;

    assert_eq!(
        starts(&page),
        [
            "2021-11-17T09:30:00+00:00",
            "2022-02-03T09:30:00+00:00",
            "2022-05-25T09:30:00+01:00"
        ]
    );
    assert!(page["next_cursor"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn group_sessions_page_with_cursor_and_keep_their_numbers() {
    let app = app_with_fixture().await;

    let walked = app
        .walk(&format!("/api/v1/work-groups/{OPEN_GROUP}/sessions"), 2)
        .await;

    let sequence: Vec<i64> = walked
        .iter()
        .map(|s| s["sequence"].as_i64().unwrap())
        .collect();
    assert_eq!(sequence, [1, 2, 3]);
}

#[tokio::test(flavor = "multi_thread")]
async fn group_sessions_return_404_for_drafts_and_unknown_groups_and_400_for_bad_input() {
    let app = app_with_fixture().await;
    assert_problem(
        app.get(&format!("/api/v1/work-groups/{DRAFT_GROUP}/sessions"))
            .await,
        404,
    )
    .await;
    assert_problem(
        app.get("/api/v1/work-groups/01931b8e-0000-7000-8000-0000000000ff/sessions")
            .await,
        404,
    )
    .await;
    assert_problem(app.get("/api/v1/work-groups/nope/sessions").await, 400).await;
    let problem = assert_problem(
        app.get(&format!("/api/v1/work-groups/{OPEN_GROUP}/sessions?from=x"))
            .await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["from"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn group_with_no_sessions_lists_none() {
    let app = app_with_fixture().await;
    app.execute(&format!(
        "DELETE FROM sessions WHERE work_group_id = '{OPEN_GROUP}'"
    ))
    .await;
    let page = app
        .get_json(&format!("/api/v1/work-groups/{OPEN_GROUP}/sessions"), 200)
        .await;
    assert_eq!(page["items"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn calendar_lists_public_sessions_overlapping_the_range() {
    let app = app_with_fixture().await;

    let all = app.get_json("/api/v1/sessions", 200).await;
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        5,
        "the draft group's session is not public"
    );

    let autumn = app
        .get_json(
            "/api/v1/sessions?from=2021-09-01T00:00:00Z&to=2021-12-31T00:00:00Z",
            200,
        )
        .await;
    assert_eq!(
        starts(&autumn),
        ["2021-10-05T16:00:00+01:00", "2021-11-17T09:30:00+00:00"]
    );
    assert_eq!(autumn["items"][1]["work_group"]["code"], "LCW21-15-01");
    assert_eq!(
        autumn["items"][1]["work_group"]["hub"]["slug"],
        "london-central-and-west"
    );
    assert_eq!(autumn["items"][1]["sequence"], 1);

    // A session still running at `from` is in the range.
    let during = app
        .get_json(
            "/api/v1/sessions?from=2021-11-17T12:00:00Z&to=2021-11-18T00:00:00Z",
            200,
        )
        .await;
    assert_eq!(starts(&during), ["2021-11-17T09:30:00+00:00"]);

    let glow = app.get_json("/api/v1/sessions?hub=glow", 200).await;
    assert_eq!(starts(&glow), ["2022-11-10T09:30:00+00:00"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn calendar_pages_to_the_end() {
    let app = app_with_fixture().await;
    let walked = app.walk("/api/v1/sessions", 2).await;
    let mut ids: Vec<&str> = walked.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 5);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn calendar_refuses_a_backwards_range_422_and_a_malformed_one_400() {
    let app = app_with_fixture().await;
    let problem = assert_problem(
        app.get("/api/v1/sessions?from=2022-01-01T00:00:00Z&to=2021-01-01T00:00:00Z")
            .await,
        422,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["to"]);
    let problem = assert_problem(
        app.get("/api/v1/sessions?from=2022-01-01&hub=GLOW").await,
        400,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["from", "hub"]);
}
