//! Refresh tokens, stored as SHA-256 hashes. Each sign-in starts a family; each refresh
//! uses up one token and issues the next of the same family. A used token presented again
//! means it was copied: the whole family is revoked (OAuth 2.0 Security BCP, section 4.14).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{refresh_tokens, users};

pub async fn insert(
    conn: &mut AsyncPgConnection,
    user_id: uuid::Uuid,
    family_id: uuid::Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(uuid::Uuid::now_v7()),
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// What presenting a refresh token came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Redemption {
    /// The token was live and is now used up: issue the next one in `family_id`.
    Redeemed {
        user_id: uuid::Uuid,
        family_id: uuid::Uuid,
    },
    /// The token had been used before: its family is now revoked.
    Replayed,
    /// Unknown, expired, revoked, or its account is disabled.
    Refused,
}

/// Uses up a refresh token, atomically: of two concurrent presentations of the same token,
/// one redeems it and the other is a replay.
pub async fn redeem(conn: &mut AsyncPgConnection, token_hash: &[u8]) -> QueryResult<Redemption> {
    let live_account = users::table
        .filter(users::id.eq(refresh_tokens::user_id))
        .filter(users::disabled_at.is_null());
    let redeemed: Option<(uuid::Uuid, uuid::Uuid)> = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(token_hash))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null())
            .filter(refresh_tokens::expires_at.gt(diesel::dsl::now))
            .filter(diesel::dsl::exists(live_account)),
    )
    .set(refresh_tokens::used_at.eq(diesel::dsl::now))
    .returning((refresh_tokens::user_id, refresh_tokens::family_id))
    .get_result(conn)
    .await
    .optional()?;
    if let Some((user_id, family_id)) = redeemed {
        return Ok(Redemption::Redeemed { user_id, family_id });
    }
    let replayed_family: Option<uuid::Uuid> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .filter(refresh_tokens::used_at.is_not_null())
        .select(refresh_tokens::family_id)
        .first(conn)
        .await
        .optional()?;
    match replayed_family {
        Some(family_id) => {
            revoke_family(conn, family_id).await?;
            Ok(Redemption::Replayed)
        }
        None => Ok(Redemption::Refused),
    }
}

async fn revoke_family(conn: &mut AsyncPgConnection, family_id: uuid::Uuid) -> QueryResult<()> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
    .map(drop)
}

/// Signs out: revokes the family of this token, if it is one. Returns whether it was.
pub async fn revoke(conn: &mut AsyncPgConnection, token_hash: &[u8]) -> QueryResult<bool> {
    let family: Option<uuid::Uuid> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(refresh_tokens::family_id)
        .first(conn)
        .await
        .optional()?;
    match family {
        Some(family_id) => revoke_family(conn, family_id).await.map(|()| true),
        None => Ok(false),
    }
}

/// Keeps the session `family_id` signed in through a new password set later in this
/// transaction (the trigger revoking the account's sessions spares it).
pub async fn keep_through_new_password(
    conn: &mut AsyncPgConnection,
    family_id: uuid::Uuid,
) -> QueryResult<()> {
    diesel::sql_query("SELECT set_config('mathshub.kept_session', $1, true)")
        .bind::<diesel::sql_types::Text, _>(family_id.to_string())
        .execute(conn)
        .await
        .map(drop)
}
