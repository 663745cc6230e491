use crate::helpers::{TestApp, TestDatabase, assert_problem};
use mathshub::db::PoolSettings;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn healthz_returns_200_without_touching_the_database() {
    let app = TestApp::spawn().await;
    let body = app.get_json("/healthz", 200).await;
    assert_eq!(body["status"], "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_returns_200_when_the_database_answers() {
    let app = TestApp::spawn().await;
    app.get_json("/readyz", 200).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_returns_503_with_retry_after_when_the_database_is_gone() {
    // Arrange: an app whose database is then dropped from under it.
    let database = TestDatabase::create().await;
    let settings = PoolSettings {
        max_size: 2,
        wait_timeout: Duration::from_millis(500),
        ..PoolSettings::default()
    };
    let app = TestApp::spawn_on(database, settings).await;
    app.get_json("/readyz", 200).await;
    app.database.drop_now().await;

    // Act
    let response = app.get("/readyz").await;

    // Assert
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 503).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_paths_return_404_problem() {
    let app = TestApp::spawn().await;
    assert_problem(app.get("/api/v1/nothing-here").await, 404).await;
}
