//! Credentials of partner Teaching School Hubs' integrations (OAuth 2.0 client credentials).
//! Secrets are stored as Argon2id hashes and shown once, when made.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{partner_clients, teaching_school_hubs};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = partner_clients, check_for_backend(diesel::pg::Pg))]
pub struct PartnerClientRow {
    pub id: uuid::Uuid,
    pub client_id: String,
    pub name: String,
    pub teaching_school_hub_id: uuid::Uuid,
    #[diesel(select_expression = teaching_school_hubs::slug)]
    pub teaching_school_hub_slug: String,
    #[diesel(select_expression = teaching_school_hubs::name)]
    pub teaching_school_hub_name: String,
    pub created_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    teaching_school_hub_id: uuid::Uuid,
    name: &str,
    client_id: &str,
    secret_hash: &str,
    created_by: uuid::Uuid,
) -> QueryResult<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    diesel::insert_into(partner_clients::table)
        .values((
            partner_clients::id.eq(id),
            partner_clients::teaching_school_hub_id.eq(teaching_school_hub_id),
            partner_clients::name.eq(name),
            partner_clients::client_id.eq(client_id),
            partner_clients::secret_hash.eq(secret_hash),
            partner_clients::created_by.eq(created_by),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<PartnerClientRow>> {
    partner_clients::table
        .inner_join(teaching_school_hubs::table)
        .filter(partner_clients::id.eq(id))
        .select(PartnerClientRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// One page in id (creation) order after `after`, optionally of one Teaching School Hub.
pub async fn list(
    conn: &mut AsyncPgConnection,
    teaching_school_hub: Option<&str>,
    after: Option<uuid::Uuid>,
    limit: i64,
) -> QueryResult<Vec<PartnerClientRow>> {
    let mut query = partner_clients::table
        .inner_join(teaching_school_hubs::table)
        .select(PartnerClientRow::as_select())
        .order(partner_clients::id)
        .limit(limit)
        .into_boxed();
    if let Some(slug) = teaching_school_hub {
        query = query.filter(teaching_school_hubs::slug.eq(slug.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(partner_clients::id.gt(after));
    }
    query.load(conn).await
}

/// Replaces the secret of a client that is not revoked; `false` when there is none such.
pub async fn rotate_secret(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    secret_hash: &str,
) -> QueryResult<bool> {
    diesel::update(
        partner_clients::table
            .find(id)
            .filter(partner_clients::revoked_at.is_null()),
    )
    .set((
        partner_clients::secret_hash.eq(secret_hash),
        partner_clients::rotated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await
    .map(|updated| updated == 1)
}

/// Revokes a client for good (its tokens stop working at once, by the token version).
pub async fn revoke(conn: &mut AsyncPgConnection, id: uuid::Uuid) -> QueryResult<()> {
    diesel::update(
        partner_clients::table
            .find(id)
            .filter(partner_clients::revoked_at.is_null()),
    )
    .set(partner_clients::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
    .map(drop)
}

/// What the token endpoint checks.
#[derive(Debug, Queryable)]
pub struct ClientCredentialsRow {
    pub secret_hash: String,
    pub teaching_school_hub_slug: String,
    pub token_version: i32,
}

/// The credentials of a client that is not revoked.
pub async fn credentials(
    conn: &mut AsyncPgConnection,
    client_id: &str,
) -> QueryResult<Option<ClientCredentialsRow>> {
    // PostgreSQL's text cannot hold U+0000, so no client has such an id (and the query
    // would fail rather than find nothing).
    if client_id.contains('\0') {
        return Ok(None);
    }
    partner_clients::table
        .inner_join(teaching_school_hubs::table)
        .filter(partner_clients::client_id.eq(client_id))
        .filter(partner_clients::revoked_at.is_null())
        .select((
            partner_clients::secret_hash,
            teaching_school_hubs::slug,
            partner_clients::token_version,
        ))
        .first(conn)
        .await
        .optional()
}

/// What each request of a partner client checks against its token.
#[derive(Debug, Queryable)]
pub struct ClientPrincipalRow {
    pub id: uuid::Uuid,
    pub teaching_school_hub_id: uuid::Uuid,
    pub token_version: i32,
    pub revoked: bool,
}

pub async fn principal(
    mut conn: &AsyncPgConnection,
    client_id: &str,
) -> QueryResult<Option<ClientPrincipalRow>> {
    partner_clients::table
        .filter(partner_clients::client_id.eq(client_id))
        .select((
            partner_clients::id,
            partner_clients::teaching_school_hub_id,
            partner_clients::token_version,
            partner_clients::revoked_at.is_not_null(),
        ))
        .first(&mut conn)
        .await
        .optional()
}
