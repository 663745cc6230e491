//! Changing Teaching School Hubs: adding one, correcting it, replacing its area and its
//! recorded partner Maths Hubs, and retiring it once no partner credentials reach the API for it.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Uuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::reference_data::Locked;
use crate::db::schema::{hub_partnerships, hubs, teaching_school_hub_areas, teaching_school_hubs};
use crate::domain::Slug;

/// Every field of a Teaching School Hub a write may set besides its slug, which names it for
/// good, and its lists.
#[derive(Debug, Clone, serde::Serialize, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = teaching_school_hubs, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct TeachingSchoolHubFields {
    pub name: String,
    pub lead_school_name: Option<String>,
    pub lead_school_urn: Option<String>,
    pub website: Option<String>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    slug: &Slug,
    fields: &TeachingSchoolHubFields,
) -> QueryResult<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    diesel::insert_into(teaching_school_hubs::table)
        .values((
            teaching_school_hubs::id.eq(id),
            teaching_school_hubs::slug.eq(slug.as_str()),
            fields,
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// A Teaching School Hub as a write sees it, locked until the transaction ends.
pub type LockedTeachingSchoolHub = Locked<uuid::Uuid, TeachingSchoolHubFields>;

pub async fn lock(
    conn: &mut AsyncPgConnection,
    slug: &Slug,
) -> QueryResult<Option<LockedTeachingSchoolHub>> {
    teaching_school_hubs::table
        .filter(teaching_school_hubs::slug.eq(slug.as_str()))
        .select((
            teaching_school_hubs::id,
            teaching_school_hubs::retired_at,
            TeachingSchoolHubFields::as_select(),
        ))
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    fields: &TeachingSchoolHubFields,
) -> QueryResult<()> {
    diesel::update(teaching_school_hubs::table.find(id))
        .set((
            fields,
            teaching_school_hubs::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn retire(conn: &mut AsyncPgConnection, id: uuid::Uuid) -> QueryResult<()> {
    diesel::update(teaching_school_hubs::table.find(id))
        .set((
            teaching_school_hubs::retired_at.eq(diesel::dsl::now),
            teaching_school_hubs::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// The GSS codes of its area, in order.
pub async fn area(conn: &mut AsyncPgConnection, id: uuid::Uuid) -> QueryResult<Vec<String>> {
    teaching_school_hub_areas::table
        .filter(teaching_school_hub_areas::teaching_school_hub_id.eq(id))
        .select(teaching_school_hub_areas::la_code)
        .order(teaching_school_hub_areas::la_code)
        .load(conn)
        .await
}

/// The slugs of its recorded partner hubs (not those derived from areas), in order.
pub async fn partner_hubs(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
) -> QueryResult<Vec<String>> {
    hub_partnerships::table
        .inner_join(hubs::table)
        .filter(hub_partnerships::teaching_school_hub_id.eq(id))
        .select(hubs::slug)
        .order(hubs::slug)
        .load(conn)
        .await
}

pub async fn replace_area(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    codes: &[String],
) -> QueryResult<()> {
    diesel::delete(
        teaching_school_hub_areas::table
            .filter(teaching_school_hub_areas::teaching_school_hub_id.eq(id)),
    )
    .execute(conn)
    .await?;
    let rows: Vec<_> = codes
        .iter()
        .map(|code| {
            (
                teaching_school_hub_areas::teaching_school_hub_id.eq(id),
                teaching_school_hub_areas::la_code.eq(code),
            )
        })
        .collect();
    diesel::insert_into(teaching_school_hub_areas::table)
        .values(rows)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn replace_partner_hubs(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    hub_ids: &[uuid::Uuid],
) -> QueryResult<()> {
    diesel::delete(hub_partnerships::table.filter(hub_partnerships::teaching_school_hub_id.eq(id)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = hub_ids
        .iter()
        .map(|hub_id| {
            (
                hub_partnerships::hub_id.eq(*hub_id),
                hub_partnerships::teaching_school_hub_id.eq(id),
            )
        })
        .collect();
    diesel::insert_into(hub_partnerships::table)
        .values(rows)
        .execute(conn)
        .await
        .map(drop)
}

/// What still reaches the API for a Teaching School Hub, each a reason it cannot be retired.
#[derive(Debug, QueryableByName)]
pub struct TeachingSchoolHubUses {
    /// Partner client credentials not revoked.
    #[diesel(sql_type = BigInt)]
    pub partner_clients: i64,
    /// Enabled partner accounts.
    #[diesel(sql_type = BigInt)]
    pub partner_accounts: i64,
}

pub async fn uses(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
) -> QueryResult<TeachingSchoolHubUses> {
    diesel::sql_query(
        "SELECT (SELECT count(*) FROM partner_clients c
                  WHERE c.teaching_school_hub_id = $1 AND c.revoked_at IS NULL) AS partner_clients,
                (SELECT count(*) FROM users u
                  WHERE u.teaching_school_hub_id = $1 AND u.disabled_at IS NULL) AS partner_accounts",
    )
    .bind::<Uuid, _>(id)
    .get_result(conn)
    .await
}
