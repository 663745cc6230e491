//! Which hub covers which education authority, with history: a cover is closed
//! (`covered_until`), never deleted, and at most one is current per authority (a partial unique
//! index). Writers lock the authority's row first (`local_authority_writes::lock`), so changes
//! to one authority's cover take turns and each sees the one before it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{hub_local_authorities, hubs};
use crate::domain::{GssCode, LaKind, Slug};

/// A current cover, with the hub that covered the authority before.
#[derive(Debug, QueryableByName)]
pub struct CoverRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub hub_slug: String,
    #[diesel(sql_type = Text)]
    pub hub_name: String,
    #[diesel(sql_type = Text)]
    pub gss_code: String,
    #[diesel(sql_type = Text)]
    pub la_name: String,
    #[diesel(sql_type = Text)]
    pub la_kind: LaKind,
    #[diesel(sql_type = Timestamptz)]
    pub covered_from: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    pub previous_hub_slug: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub previous_hub_name: Option<String>,
}

/// The current cover of the authority by the hub, if the hub covers it now.
pub async fn find(
    conn: &mut AsyncPgConnection,
    hub: &Slug,
    code: &GssCode,
) -> QueryResult<Option<CoverRow>> {
    diesel::sql_query(
        "SELECT cover.id, h.slug AS hub_slug, h.name AS hub_name, la.gss_code, la.name AS la_name,
                la.kind AS la_kind, cover.covered_from, previous.slug AS previous_hub_slug,
                previous.name AS previous_hub_name
           FROM hub_local_authorities cover
           JOIN hubs h ON h.id = cover.hub_id
           JOIN local_authorities la ON la.gss_code = cover.la_code
           LEFT JOIN LATERAL (
                SELECT earlier_hub.slug, earlier_hub.name
                  FROM hub_local_authorities earlier
                  JOIN hubs earlier_hub ON earlier_hub.id = earlier.hub_id
                 WHERE earlier.la_code = cover.la_code AND earlier.covered_until IS NOT NULL
                 ORDER BY earlier.covered_until DESC, earlier.id DESC
                 LIMIT 1) previous ON true
          WHERE cover.covered_until IS NULL AND h.slug = $1 AND cover.la_code = $2",
    )
    .bind::<Text, _>(hub.as_str().to_owned())
    .bind::<Text, _>(code.as_str().to_owned())
    .get_result(conn)
    .await
    .optional()
}

/// The current cover of an authority: its id, and the hub's id and slug.
pub async fn current(
    conn: &mut AsyncPgConnection,
    code: &GssCode,
) -> QueryResult<Option<(i64, uuid::Uuid, String)>> {
    hub_local_authorities::table
        .inner_join(hubs::table)
        .filter(hub_local_authorities::la_code.eq(code.as_str()))
        .filter(hub_local_authorities::covered_until.is_null())
        .select((hub_local_authorities::id, hubs::id, hubs::slug))
        .first(conn)
        .await
        .optional()
}

/// The instant a change made now takes effect. Not `now()`, the start of the transaction: a
/// transaction that waited for the authority's lock must not close a cover opened after it
/// began, before that cover's start.
pub async fn change_time(conn: &mut AsyncPgConnection) -> QueryResult<DateTime<Utc>> {
    diesel::select(diesel::dsl::sql::<Timestamptz>("statement_timestamp()"))
        .get_result(conn)
        .await
}

pub async fn close(conn: &mut AsyncPgConnection, id: i64, at: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(hub_local_authorities::table.find(id))
        .set(hub_local_authorities::covered_until.eq(at))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn open(
    conn: &mut AsyncPgConnection,
    hub_id: uuid::Uuid,
    code: &GssCode,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(hub_local_authorities::table)
        .values((
            hub_local_authorities::hub_id.eq(hub_id),
            hub_local_authorities::la_code.eq(code.as_str()),
            hub_local_authorities::covered_from.eq(at),
        ))
        .execute(conn)
        .await
        .map(drop)
}
