//! Changing Maths Hubs: adding one, correcting it, and retiring it once nothing current relies
//! on it. The authorities a hub covers change in `db::hub_covers`.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Uuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::reference_data::Locked;
use crate::db::schema::hubs;
use crate::domain::Slug;

/// Every field of a hub a write may set besides its slug, which names it for good.
#[derive(Debug, Clone, serde::Serialize, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = hubs, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct HubFields {
    pub name: String,
    pub region: String,
    pub lead_school_name: Option<String>,
    pub lead_school_urn: Option<String>,
    pub contact_email: Option<String>,
    pub website: Option<String>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    slug: &Slug,
    fields: &HubFields,
) -> QueryResult<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    diesel::insert_into(hubs::table)
        .values((hubs::id.eq(id), hubs::slug.eq(slug.as_str()), fields))
        .execute(conn)
        .await?;
    Ok(id)
}

/// A hub as a write sees it, locked until the transaction ends.
pub type LockedHub = Locked<uuid::Uuid, HubFields>;

/// Locks the hub for a change: writes naming it (a cover, a partnership) lock it `FOR SHARE`,
/// so they wait for the change and see it.
pub async fn lock(conn: &mut AsyncPgConnection, slug: &Slug) -> QueryResult<Option<LockedHub>> {
    hubs::table
        .filter(hubs::slug.eq(slug.as_str()))
        .select((hubs::id, hubs::retired_at, HubFields::as_select()))
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    fields: &HubFields,
) -> QueryResult<()> {
    diesel::update(hubs::table.find(id))
        .set((fields, hubs::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn retire(conn: &mut AsyncPgConnection, id: uuid::Uuid) -> QueryResult<()> {
    diesel::update(hubs::table.find(id))
        .set((
            hubs::retired_at.eq(diesel::dsl::now),
            hubs::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// What currently relies on a hub, each a reason it cannot be retired yet.
#[derive(Debug, QueryableByName)]
pub struct HubUses {
    /// GSS codes of the authorities it covers, comma-separated.
    #[diesel(sql_type = Nullable<Text>)]
    pub covered: Option<String>,
    /// Its work groups neither completed nor cancelled.
    #[diesel(sql_type = BigInt)]
    pub live_work_groups: i64,
    /// Enabled accounts of its managers and leads.
    #[diesel(sql_type = BigInt)]
    pub staff_accounts: i64,
}

pub async fn uses(conn: &mut AsyncPgConnection, id: uuid::Uuid) -> QueryResult<HubUses> {
    diesel::sql_query(
        "SELECT (SELECT string_agg(cover.la_code, ', ' ORDER BY cover.la_code) FROM hub_local_authorities cover
                  WHERE cover.hub_id = $1 AND cover.covered_until IS NULL) AS covered,
                (SELECT count(*) FROM work_groups wg
                  WHERE wg.hub_id = $1 AND wg.status NOT IN ('completed', 'cancelled')) AS live_work_groups,
                (SELECT count(*) FROM users u
                  WHERE u.hub_id = $1 AND u.disabled_at IS NULL) AS staff_accounts",
    )
    .bind::<Uuid, _>(id)
    .get_result(conn)
    .await
}
