//! A hub's strategic partners, one at a time: read, added, changed and removed. Partners have
//! no history: a removed one is deleted.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::hubs::StrategicPartnerRow;
use crate::db::schema::{hubs, strategic_partners};
use crate::domain::{Slug, StrategicPartnerKind};

/// Every field of a partner a write may set.
#[derive(Debug, Clone, serde::Serialize, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = strategic_partners, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct StrategicPartnerFields {
    pub name: String,
    pub kind: StrategicPartnerKind,
    pub school_urn: Option<String>,
    pub website: Option<String>,
}

/// The partner `id` of the hub `slug`.
pub async fn find(
    conn: &mut AsyncPgConnection,
    slug: &Slug,
    id: uuid::Uuid,
) -> QueryResult<Option<StrategicPartnerRow>> {
    strategic_partners::table
        .inner_join(hubs::table)
        .filter(hubs::slug.eq(slug.as_str()))
        .filter(strategic_partners::id.eq(id))
        .select((
            strategic_partners::id,
            strategic_partners::name,
            strategic_partners::kind,
            strategic_partners::school_urn,
            strategic_partners::website,
        ))
        .first(conn)
        .await
        .optional()
}

/// The partner `id` of the hub `hub_id`, locked until the transaction ends.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    hub_id: uuid::Uuid,
    id: uuid::Uuid,
) -> QueryResult<Option<StrategicPartnerFields>> {
    strategic_partners::table
        .filter(strategic_partners::hub_id.eq(hub_id))
        .filter(strategic_partners::id.eq(id))
        .select(StrategicPartnerFields::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    hub_id: uuid::Uuid,
    fields: &StrategicPartnerFields,
) -> QueryResult<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    diesel::insert_into(strategic_partners::table)
        .values((
            strategic_partners::id.eq(id),
            strategic_partners::hub_id.eq(hub_id),
            fields,
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    fields: &StrategicPartnerFields,
) -> QueryResult<()> {
    diesel::update(strategic_partners::table.find(id))
        .set(fields)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn delete(conn: &mut AsyncPgConnection, id: uuid::Uuid) -> QueryResult<()> {
    diesel::delete(strategic_partners::table.find(id))
        .execute(conn)
        .await
        .map(drop)
}
