//! Accounts: what signing in and every authenticated request read, and what the users API
//! lists and changes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text, Timestamptz, Uuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::like_pattern;
use crate::db::schema::{llme_profile_hubs, llme_profiles, users};
use crate::db::sql::SqlBuilder;
use crate::domain::{Role, RoleInSchool, Slug};

diesel::define_sql_function!(fn lower(text: Text) -> Text);

/// What an authenticated request checks against its token, read on every request.
#[derive(Debug, Queryable)]
pub struct PrincipalRow {
    pub role: Role,
    pub hub_id: Option<uuid::Uuid>,
    pub teaching_school_hub_id: Option<uuid::Uuid>,
    pub token_version: i32,
    pub disabled: bool,
}

pub async fn principal(
    mut conn: &AsyncPgConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<PrincipalRow>> {
    users::table
        .find(id)
        .select((
            users::role,
            users::hub_id,
            users::teaching_school_hub_id,
            users::token_version,
            users::disabled_at.is_not_null(),
        ))
        .first(&mut conn)
        .await
        .optional()
}

/// What signing in needs.
#[derive(Debug, Queryable)]
pub struct CredentialsRow {
    pub id: uuid::Uuid,
    pub password_hash: Option<String>,
    pub disabled: bool,
}

pub async fn credentials(
    conn: &mut AsyncPgConnection,
    email: &str,
) -> QueryResult<Option<CredentialsRow>> {
    // PostgreSQL's text cannot hold U+0000, so no account has such an address (and the
    // query would fail rather than find nothing).
    if email.contains('\0') {
        return Ok(None);
    }
    users::table
        .filter(lower(users::email).eq(email.trim().to_lowercase()))
        .select((
            users::id,
            users::password_hash,
            users::disabled_at.is_not_null(),
        ))
        .first(conn)
        .await
        .optional()
}

pub async fn password_hash(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<String>> {
    users::table
        .find(id)
        .select(users::password_hash)
        .first(conn)
        .await
}

/// An account with the names of what it is attached to.
#[derive(Debug, Clone, QueryableByName)]
pub struct AccountRow {
    #[diesel(sql_type = Uuid)]
    pub id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub role: Role,
    #[diesel(sql_type = Nullable<Uuid>)]
    pub hub_id: Option<uuid::Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub hub_slug: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub hub_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub school_urn: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub school_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub role_in_school: Option<RoleInSchool>,
    #[diesel(sql_type = Nullable<Uuid>)]
    pub teaching_school_hub_id: Option<uuid::Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub teaching_school_hub_slug: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub teaching_school_hub_name: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub disabled_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub erased_at: Option<DateTime<Utc>>,
    /// Goes into the tokens issued for the account.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub token_version: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "\
SELECT u.id, u.email, u.name, u.role, u.hub_id, h.slug AS hub_slug, h.name AS hub_name,
       u.school_urn, s.name AS school_name, u.role_in_school,
       u.teaching_school_hub_id, t.slug AS teaching_school_hub_slug, t.name AS teaching_school_hub_name,
       u.disabled_at, u.erased_at, u.token_version, u.created_at, u.updated_at
  FROM users u
  LEFT JOIN hubs h ON h.id = u.hub_id
  LEFT JOIN schools s ON s.urn = u.school_urn
  LEFT JOIN teaching_school_hubs t ON t.id = u.teaching_school_hub_id
 WHERE true";

/// Which accounts a caller may see (decided by the policy, applied here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountScope {
    Everyone,
    /// The leads of one hub.
    LeadsOf(uuid::Uuid),
}

#[derive(Debug, Default)]
pub struct AccountFilter {
    pub role: Option<Role>,
    pub hub: Option<Slug>,
    /// Part of the name or email, any case.
    pub q: Option<String>,
    pub disabled: Option<bool>,
}

fn scoped(scope: AccountScope) -> SqlBuilder {
    let query = SqlBuilder::new(SELECT);
    match scope {
        AccountScope::Everyone => query,
        AccountScope::LeadsOf(hub_id) => query
            .sql(" AND u.role = 'lead' AND u.hub_id = ")
            .bind::<Uuid, _>(hub_id),
    }
}

/// One page in (lower-case email, id) order, after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: AccountScope,
    filter: &AccountFilter,
    after: Option<&(String, uuid::Uuid)>,
    limit: i64,
) -> QueryResult<Vec<AccountRow>> {
    let mut query = scoped(scope);
    if let Some(role) = filter.role {
        query = query.sql(" AND u.role = ").bind::<Text, _>(role.as_str());
    }
    if let Some(hub) = &filter.hub {
        query = query
            .sql(" AND h.slug = ")
            .bind::<Text, _>(hub.as_str().to_owned());
    }
    if let Some(q) = &filter.q {
        let pattern = like_pattern(q);
        query = query
            .sql(" AND (u.name ILIKE ")
            .bind::<Text, _>(pattern.clone())
            .sql(" OR u.email ILIKE ")
            .bind::<Text, _>(pattern)
            .sql(")");
    }
    if let Some(disabled) = filter.disabled {
        query = query
            .sql(" AND (u.disabled_at IS NOT NULL) = ")
            .bind::<Bool, _>(disabled);
    }
    query
        .page_after("lower(u.email), u.id", after, limit)
        .load(conn)
        .await
}

/// One account within `scope`, locked for update when `for_update`.
pub async fn find(
    conn: &mut AsyncPgConnection,
    scope: AccountScope,
    id: uuid::Uuid,
    for_update: bool,
) -> QueryResult<Option<AccountRow>> {
    let mut query = scoped(scope).sql(" AND u.id = ").bind::<Uuid, _>(id);
    if for_update {
        query = query.sql(" FOR UPDATE OF u");
    }
    let rows: Vec<AccountRow> = query.load(conn).await?;
    Ok(rows.into_iter().next())
}

/// Every column that decides what an account is and may do.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct AccountFields {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub hub_id: Option<uuid::Uuid>,
    pub teaching_school_hub_id: Option<uuid::Uuid>,
    pub school_urn: Option<String>,
    pub role_in_school: Option<RoleInSchool>,
    pub disabled_at: Option<DateTime<Utc>>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewAccount<'a> {
    id: uuid::Uuid,
    #[diesel(embed)]
    fields: AccountFields,
    password_hash: Option<&'a str>,
}

/// Creates an account, with a password or (invited) none yet; a lead also gets a public
/// profile under the account's name, with their hub, so they can be named on the groups
/// they lead.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    fields: &AccountFields,
    password_hash: Option<&str>,
) -> QueryResult<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    diesel::insert_into(users::table)
        .values(NewAccount {
            id,
            fields: fields.clone(),
            password_hash,
        })
        .execute(conn)
        .await?;
    if let (Role::Lead, Some(hub_id)) = (fields.role, fields.hub_id) {
        ensure_lead_profile(conn, id, &fields.name, hub_id).await?;
    }
    Ok(id)
}

async fn ensure_lead_profile(
    conn: &mut AsyncPgConnection,
    user_id: uuid::Uuid,
    name: &str,
    hub_id: uuid::Uuid,
) -> QueryResult<()> {
    diesel::insert_into(llme_profiles::table)
        .values((
            llme_profiles::user_id.eq(user_id),
            llme_profiles::display_name.eq(name),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    diesel::insert_into(llme_profile_hubs::table)
        .values((
            llme_profile_hubs::user_id.eq(user_id),
            llme_profile_hubs::hub_id.eq(hub_id),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the fields of the (locked) account `current` (the token version follows by
/// trigger). A lead moved to another hub has their profile moved with them; other hubs they
/// work with stay.
pub async fn update(
    conn: &mut AsyncPgConnection,
    current: &AccountRow,
    fields: &AccountFields,
) -> QueryResult<()> {
    let id = current.id;
    diesel::update(users::table.find(id))
        .set((fields, users::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await?;
    if let Some(previous_hub) = current.hub_id.filter(|hub| fields.hub_id != Some(*hub)) {
        diesel::delete(
            llme_profile_hubs::table
                .filter(llme_profile_hubs::user_id.eq(id))
                .filter(llme_profile_hubs::hub_id.eq(previous_hub)),
        )
        .execute(conn)
        .await?;
    }
    if let (Role::Lead, Some(hub_id)) = (fields.role, fields.hub_id) {
        ensure_lead_profile(conn, id, &fields.name, hub_id).await?;
    }
    Ok(())
}

/// Sets a new password (which ends the account's sessions, by trigger).
pub async fn set_password(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    password_hash: &str,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Disables the enabled account with this email; `None` when there is none.
pub async fn disable_by_email(
    conn: &mut AsyncPgConnection,
    email: &str,
) -> QueryResult<Option<uuid::Uuid>> {
    let matching = lower(users::email).eq(email.trim().to_lowercase());
    diesel::update(users::table.filter(matching.and(users::disabled_at.is_null())))
        .set((
            users::disabled_at.eq(diesel::dsl::now),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .returning(users::id)
        .get_result(conn)
        .await
        .optional()
}

impl AccountRow {
    /// The stored fields, to be changed by an update.
    pub fn fields(&self) -> AccountFields {
        AccountFields {
            email: self.email.clone(),
            name: self.name.clone(),
            role: self.role,
            hub_id: self.hub_id,
            teaching_school_hub_id: self.teaching_school_hub_id,
            school_urn: self.school_urn.clone(),
            role_in_school: self.role_in_school,
            disabled_at: self.disabled_at,
        }
    }
}

/// Whether the account is reminded before sessions; `None` when there is no such account.
pub async fn session_reminders(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<bool>> {
    users::table
        .find(id)
        .select(users::session_reminders)
        .first(conn)
        .await
        .optional()
}

/// Turns the account's reminders before sessions on or off; `None` when there is no such
/// account.
pub async fn set_session_reminders(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    wanted: bool,
) -> QueryResult<Option<bool>> {
    diesel::update(users::table.find(id))
        .set((
            users::session_reminders.eq(wanted),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .returning(users::session_reminders)
        .get_result(conn)
        .await
        .optional()
}
