//! Clashes with the schema's unique keys, unique indexes and exclusion constraints: each one
//! the migrations create has the words of its 409 in `error::clashes`, and one without them
//! still answers a 409 that names no constraint.

use std::collections::BTreeSet;

use diesel::sql_types::Text;
use mathshub::error::clashes;
use serde_json::json;

use crate::helpers::{TestDatabase, assert_problem, json_body, post, spawn_as_admin};

#[derive(diesel::QueryableByName)]
struct Constraint {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Every unique index (primary and unique keys included) and exclusion constraint of the
/// migrated schema, by the name PostgreSQL reports a clash with; diesel's own table aside.
async fn constraints_of_the_schema() -> BTreeSet<String> {
    use diesel_async::RunQueryDsl;

    let database = TestDatabase::create().await;
    let mut conn = database.connection().await;
    let rows: Vec<Constraint> = diesel::sql_query(
        "SELECT index.relname AS name
           FROM pg_index i
           JOIN pg_class index ON index.oid = i.indexrelid
           JOIN pg_class tbl ON tbl.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = tbl.relnamespace
          WHERE n.nspname = 'public' AND tbl.relname <> '__diesel_schema_migrations'
            AND (i.indisunique OR i.indisexclusion)
         UNION
         SELECT c.conname AS name
           FROM pg_constraint c
           JOIN pg_namespace n ON n.oid = c.connamespace
          WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'x')
            AND c.conrelid <> '__diesel_schema_migrations'::regclass",
    )
    .load(&mut conn)
    .await
    .expect("read the catalogue");
    rows.into_iter().map(|row| row.name).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_unique_and_exclusion_constraint_of_the_schema_has_the_words_of_its_409() {
    let constraints = constraints_of_the_schema().await;
    assert!(constraints.contains("users_email_idx"), "{constraints:?}");

    let without_words: Vec<&String> = constraints
        .iter()
        .filter(|name| clashes::words_for(name).is_none())
        .collect();
    assert!(
        without_words.is_empty(),
        "give these constraints their words in src/error/clashes.rs: {without_words:?}"
    );
    let gone: Vec<&str> = clashes::MESSAGES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !constraints.contains(*name))
        .collect();
    assert!(
        gone.is_empty(),
        "src/error/clashes.rs speaks for constraints the schema no longer has: {gone:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clash_with_a_constraint_without_words_answers_a_generic_409_naming_no_constraint() {
    let (app, admin) = spawn_as_admin().await;
    app.execute("CREATE UNIQUE INDEX hubs_contact_email_test_idx ON hubs (contact_email)")
        .await;
    let hub = |slug: &str, name: &str| {
        json!({
            "slug": slug, "name": name, "region": "South East",
            "contact_email": "hub@example.org", "website": "https://www.example.org/hub"
        })
    };
    let first = hub("thames-valley", "Thames Valley Maths Hub");
    json_body(post(&app, &admin, "/api/v1/hubs", Some(&first)).await, 201).await;

    let second = hub("solent", "Solent Maths Hub");
    let problem =
        assert_problem(post(&app, &admin, "/api/v1/hubs", Some(&second)).await, 409).await;

    assert_eq!(problem["detail"], clashes::DUPLICATE, "{problem}");
    assert!(
        !problem.to_string().contains("hubs_contact_email_test_idx"),
        "{problem}"
    );
    assert_eq!(
        app.query_count(
            "SELECT count(*) AS count FROM hubs WHERE slug = 'solent'",
            &[]
        )
        .await,
        0
    );
}
