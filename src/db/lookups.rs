//! Natural keys sent in request bodies, resolved to what the rows store.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{hubs, schools, teaching_school_hubs};
use crate::domain::SchoolStatus;

pub async fn hub_id(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<Option<uuid::Uuid>> {
    hubs::table
        .filter(hubs::slug.eq(slug))
        .select(hubs::id)
        .first(conn)
        .await
        .optional()
}

pub async fn teaching_school_hub_id(
    conn: &mut AsyncPgConnection,
    slug: &str,
) -> QueryResult<Option<uuid::Uuid>> {
    teaching_school_hubs::table
        .filter(teaching_school_hubs::slug.eq(slug))
        .select(teaching_school_hubs::id)
        .first(conn)
        .await
        .optional()
}

pub async fn school_status(
    conn: &mut AsyncPgConnection,
    urn: &str,
) -> QueryResult<Option<SchoolStatus>> {
    schools::table
        .find(urn)
        .select(schools::status)
        .first(conn)
        .await
        .optional()
}
