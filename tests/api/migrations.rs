use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use mathshub::db::migrate;

use crate::helpers::TestDatabase;

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
