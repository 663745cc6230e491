//! `src/db/schema.rs` is written by hand: check it names exactly the columns the migrations
//! create, table by table.

use std::collections::BTreeSet;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use mathshub::db::schema::*;

use crate::helpers::TestDatabase;

/// Columns deliberately left out of schema.rs (diesel has no type for them).
const NOT_MAPPED: &[(&str, &str)] = &[
    ("work_group_events", "xid"),
    ("work_group_events", "feed_xid"),
    ("webhook_endpoints", "feed_xid"),
];

#[derive(QueryableByName)]
struct ColumnName {
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// The column names diesel selects for a table, read from the SQL it generates.
macro_rules! diesel_columns {
    ($table:ident) => {{
        let sql =
            diesel::debug_query::<Pg, _>(&$table::table.select($table::all_columns)).to_string();
        let select = sql
            .split(" FROM ")
            .next()
            .unwrap()
            .trim_start_matches("SELECT ");
        (
            stringify!($table),
            select
                .split(", ")
                .map(|column| {
                    column
                        .rsplit('.')
                        .next()
                        .unwrap()
                        .trim_matches('"')
                        .to_owned()
                })
                .collect::<BTreeSet<String>>(),
        )
    }};
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_rs_names_exactly_the_migrated_columns() {
    let database = TestDatabase::create().await;
    let mut conn = database.connection().await;
    let tables = [
        diesel_columns!(local_authorities),
        diesel_columns!(schools),
        diesel_columns!(hubs),
        diesel_columns!(hub_local_authorities),
        diesel_columns!(strategic_partners),
        diesel_columns!(teaching_school_hubs),
        diesel_columns!(teaching_school_hub_areas),
        diesel_columns!(hub_partnerships),
        diesel_columns!(projects),
        diesel_columns!(users),
        diesel_columns!(llme_profiles),
        diesel_columns!(llme_profile_hubs),
        diesel_columns!(work_groups),
        diesel_columns!(work_group_leads),
        diesel_columns!(sessions),
        diesel_columns!(enrolments),
        diesel_columns!(attendance),
        diesel_columns!(fee_liabilities),
        diesel_columns!(partner_clients),
        diesel_columns!(refresh_tokens),
        diesel_columns!(idempotency_keys),
        diesel_columns!(audit_log),
        diesel_columns!(work_group_events),
        diesel_columns!(outbox_messages),
        diesel_columns!(webhook_endpoints),
        diesel_columns!(webhook_deliveries),
        diesel_columns!(school_contacts),
    ];
    for (table, mapped) in tables {
        let rows: Vec<ColumnName> = diesel::sql_query(
            "SELECT column_name::text AS column_name FROM information_schema.columns
              WHERE table_schema = 'public' AND table_name = $1",
        )
        .bind::<Text, _>(table)
        .load(&mut conn)
        .await
        .unwrap();
        let migrated: BTreeSet<String> = rows
            .into_iter()
            .map(|row| row.column_name)
            .filter(|column| !NOT_MAPPED.contains(&(table, column.as_str())))
            .collect();
        assert_eq!(
            mapped, migrated,
            "schema.rs and the migrations disagree on {table}"
        );
    }
}
