//! Changing LLME profiles: the lead account a new profile is for, and the profile's row,
//! locked while a change is checked and written.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{llme_profile_hubs, llme_profiles, users};
use crate::domain::{ProgrammePhase, Role};

/// Every field of a profile a write may set.
#[derive(Debug, Clone, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = llme_profiles, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct ProfileFields {
    pub display_name: String,
    pub phases: Vec<ProgrammePhase>,
    pub specialisms: Vec<String>,
    pub bio: String,
    pub roles_held: Vec<String>,
    pub community_member: bool,
    pub community_member_since: Option<i16>,
}

/// The hub of `user_id` when it is an enabled lead account.
pub async fn lead_hub(
    conn: &mut AsyncPgConnection,
    user_id: uuid::Uuid,
) -> QueryResult<Option<uuid::Uuid>> {
    users::table
        .find(user_id)
        .filter(users::role.eq(Role::Lead))
        .filter(users::disabled_at.is_null())
        .select(users::hub_id.assume_not_null())
        .first(conn)
        .await
        .optional()
}

/// A new profile of the lead `user_id`, working with their account's hub.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    user_id: uuid::Uuid,
    hub_id: uuid::Uuid,
    fields: &ProfileFields,
) -> QueryResult<()> {
    diesel::insert_into(llme_profiles::table)
        .values((llme_profiles::user_id.eq(user_id), fields))
        .execute(conn)
        .await?;
    diesel::insert_into(llme_profile_hubs::table)
        .values((
            llme_profile_hubs::user_id.eq(user_id),
            llme_profile_hubs::hub_id.eq(hub_id),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// The profile of `user_id` and the hub of its account, the profile locked until the
/// transaction ends.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    user_id: uuid::Uuid,
) -> QueryResult<Option<(Option<uuid::Uuid>, ProfileFields)>> {
    // Only the profile's row is locked: a join would lock the account too.
    let fields: Option<ProfileFields> = llme_profiles::table
        .find(user_id)
        .select(ProfileFields::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    let Some(fields) = fields else {
        return Ok(None);
    };
    let hub_id = users::table
        .find(user_id)
        .select(users::hub_id)
        .first(conn)
        .await?;
    Ok(Some((hub_id, fields)))
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    user_id: uuid::Uuid,
    fields: &ProfileFields,
) -> QueryResult<()> {
    diesel::update(llme_profiles::table.find(user_id))
        .set((fields, llme_profiles::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await
        .map(drop)
}
