//! Changing local authorities: adding one, correcting it, and retiring it once nothing current
//! relies on it. Kinds and parents are checked against the GSS code before they get here, and
//! again by the table's CHECKs.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::reference_data::Locked;
use crate::db::schema::local_authorities;
use crate::domain::GssCode;

/// Every field of an authority a write may set besides its code and kind, which the code fixes.
#[derive(Debug, Clone, serde::Serialize, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = local_authorities, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct LocalAuthorityFields {
    pub la_number: Option<String>,
    pub name: String,
    pub region: String,
    pub parent_gss_code: Option<String>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    code: &GssCode,
    fields: &LocalAuthorityFields,
) -> QueryResult<()> {
    diesel::insert_into(local_authorities::table)
        .values((
            local_authorities::gss_code.eq(code.as_str()),
            local_authorities::kind.eq(code.kind()),
            fields,
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// An authority as a write sees it, locked until the transaction ends, known by its GSS code
/// (whose prefix fixes its kind).
pub type LockedAuthority = Locked<String, LocalAuthorityFields>;

/// Locks the authority for a change: writes naming it (a cover, an area, a district's parent)
/// lock it `FOR SHARE`, so they wait for the change and see it.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    code: &GssCode,
) -> QueryResult<Option<LockedAuthority>> {
    local_authorities::table
        .find(code.as_str())
        .select((
            local_authorities::gss_code,
            local_authorities::retired_at,
            LocalAuthorityFields::as_select(),
        ))
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    code: &str,
    fields: &LocalAuthorityFields,
) -> QueryResult<()> {
    diesel::update(local_authorities::table.find(code))
        .set((fields, local_authorities::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn retire(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<()> {
    diesel::update(local_authorities::table.find(code))
        .set((
            local_authorities::retired_at.eq(diesel::dsl::now),
            local_authorities::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// What currently relies on an authority, each a reason it cannot be retired yet.
#[derive(Debug, QueryableByName)]
pub struct AuthorityUses {
    /// The slug of the hub covering it.
    #[diesel(sql_type = Nullable<Text>)]
    pub covering_hub: Option<String>,
    /// Open schools naming it as their authority or district.
    #[diesel(sql_type = BigInt)]
    pub open_schools: i64,
    /// Current districts of a county.
    #[diesel(sql_type = BigInt)]
    pub current_districts: i64,
    /// Slugs of current Teaching School Hubs whose area holds it, comma-separated.
    #[diesel(sql_type = Nullable<Text>)]
    pub teaching_school_hubs: Option<String>,
}

pub async fn uses(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<AuthorityUses> {
    diesel::sql_query(
        "SELECT (SELECT h.slug FROM hub_local_authorities cover JOIN hubs h ON h.id = cover.hub_id
                  WHERE cover.la_code = $1 AND cover.covered_until IS NULL) AS covering_hub,
                (SELECT count(*) FROM schools s
                  WHERE s.status = 'open' AND $1 IN (s.la_code, s.district_code)) AS open_schools,
                (SELECT count(*) FROM local_authorities d
                  WHERE d.parent_gss_code = $1 AND d.retired_at IS NULL) AS current_districts,
                (SELECT string_agg(t.slug, ', ' ORDER BY t.slug) FROM teaching_school_hub_areas area
                   JOIN teaching_school_hubs t ON t.id = area.teaching_school_hub_id
                  WHERE area.la_code = $1 AND t.retired_at IS NULL) AS teaching_school_hubs",
    )
    .bind::<Text, _>(code)
    .get_result(conn)
    .await
}
