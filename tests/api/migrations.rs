use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use mathshub::db::migrate;

use crate::helpers::{TestApp, TestDatabase};

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

async fn table_count(database: &TestDatabase) -> i64 {
    let mut conn = database.connection().await;
    let row: Count = diesel::sql_query(
        "SELECT count(*) AS count FROM information_schema.tables
          WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
    )
    .get_result(&mut conn)
    .await
    .expect("count tables");
    row.count
}

#[tokio::test(flavor = "multi_thread")]
async fn migrations_run_up_down_and_up_again() {
    let database = TestDatabase::create_unmigrated().await;

    let applied = migrate::run_pending(&database.url).await.expect("first up");
    let tables = table_count(&database).await;
    assert!(
        applied >= 3 && tables >= 20,
        "{applied} migrations, {tables} tables"
    );

    migrate::revert_all(&database.url).await.expect("down");
    assert_eq!(
        table_count(&database).await,
        0,
        "every table is dropped on the way down"
    );

    migrate::run_pending(&database.url)
        .await
        .expect("second up");
    assert_eq!(table_count(&database).await, tables);
}

#[tokio::test(flavor = "multi_thread")]
async fn running_migrations_again_applies_nothing() {
    let database = TestDatabase::create().await;
    assert_eq!(
        migrate::run_pending(&database.url).await.expect("migrate"),
        0
    );
}

/// The migration that keeps abandoned drafts private finds those cancelled before it came:
/// the audit trail says which cancelled groups were drafts when cancelled.
#[tokio::test(flavor = "multi_thread")]
async fn drafts_cancelled_before_the_abandoned_column_came_are_marked_abandoned() {
    use mathshub::seed::demo_offer::Slot;
    let app = TestApp::spawn_with_demo().await;
    let (draft, opened) = (
        app.demo_code(Slot::GlowYears5To8),
        app.demo_code(Slot::LneYears5To8Online),
    );
    TestApp::execute(
        &app,
        include_str!("../../migrations/2026-12-06-000012_abandoned_drafts/down.sql"),
    )
    .await;
    TestApp::execute(
        &app,
        &format!(
            "UPDATE work_groups SET status = 'cancelled', cancellation_reason = 'No venue'
          WHERE code IN ('{draft}', '{opened}');
         INSERT INTO audit_log (action, object_type, object_id, details)
         SELECT 'work_group.status_changed', 'work_group', id::text,
                jsonb_build_object('before', CASE code WHEN '{draft}' THEN 'draft' ELSE 'open' END,
                                   'after', 'cancelled')
           FROM work_groups WHERE code IN ('{draft}', '{opened}');"
        ),
    )
    .await;

    TestApp::execute(
        &app,
        include_str!("../../migrations/2026-12-06-000012_abandoned_drafts/up.sql"),
    )
    .await;

    let public = app
        .query_text(
            "SELECT string_agg(code || ':' || is_public, ',' ORDER BY code) AS value
               FROM work_groups WHERE code IN ($1, $2)",
            &[&draft, &opened],
        )
        .await;
    assert_eq!(public, format!("{draft}:false,{opened}:true"));
}
