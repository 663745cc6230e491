//! Natural keys sent in request bodies, resolved to what the rows store.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{hubs, local_authorities, schools, teaching_school_hubs};
use crate::domain::{LaKind, SchoolStatus};

pub async fn hub_id(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<Option<uuid::Uuid>> {
    hubs::table
        .filter(hubs::slug.eq(slug))
        .select(hubs::id)
        .first(conn)
        .await
        .optional()
}

pub async fn teaching_school_hub_id(
    mut conn: &AsyncPgConnection,
    slug: &str,
) -> QueryResult<Option<uuid::Uuid>> {
    teaching_school_hubs::table
        .filter(teaching_school_hubs::slug.eq(slug))
        .select(teaching_school_hubs::id)
        .first(&mut conn)
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

/// What a write needs to know of an authority it names.
#[derive(Debug, Clone, Queryable)]
pub struct AuthorityFacts {
    pub gss_code: String,
    pub kind: LaKind,
    pub retired: bool,
}

/// The authorities among `codes` that exist, locked `FOR SHARE` until the transaction ends so
/// that none is retired under the write naming it (retiring locks the row for update).
pub async fn local_authorities_for_write(
    conn: &mut AsyncPgConnection,
    codes: &[&str],
) -> QueryResult<Vec<AuthorityFacts>> {
    local_authorities::table
        .filter(local_authorities::gss_code.eq_any(codes))
        .select((
            local_authorities::gss_code,
            local_authorities::kind,
            local_authorities::retired_at.is_not_null(),
        ))
        .for_share()
        .load(conn)
        .await
}

/// The hubs among `slugs` that exist, with their ids and whether retired, locked `FOR SHARE`
/// until the transaction ends so that none is retired under the write naming it.
pub async fn hubs_for_write(
    conn: &mut AsyncPgConnection,
    slugs: &[&str],
) -> QueryResult<Vec<(String, uuid::Uuid, bool)>> {
    hubs::table
        .filter(hubs::slug.eq_any(slugs))
        .select((hubs::slug, hubs::id, hubs::retired_at.is_not_null()))
        .for_share()
        .load(conn)
        .await
}
