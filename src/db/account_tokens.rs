//! The links that set a password (`auth::account_tokens`): issued with the message that
//! carries them, in one statement, and used up once.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::prelude::QueryableByName;
use diesel::sql_types::{Bytea, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::sql::reused;
use crate::domain::NoticeKind;

/// What a link lets its holder do; also the kind of the message that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    PasswordReset,
    Invitation,
}

impl Purpose {
    fn kind(self) -> NoticeKind {
        match self {
            Self::PasswordReset => NoticeKind::PasswordReset,
            Self::Invitation => NoticeKind::Invitation,
        }
    }
}

/// A new link.
pub struct NewLink<'a> {
    pub id: Uuid,
    pub token_hash: &'a [u8],
    pub purpose: Purpose,
    pub expires_at: DateTime<Utc>,
}

/// Issues `link` to the enabled account with `email` (any case), voiding the account's links
/// not yet used, and writes the message that carries it (telling the link's id and expiry,
/// never its token). Answers whether there was such an account.
const ISSUE: &str = "\
WITH account AS (
  SELECT id FROM users WHERE lower(email) = lower($1) AND disabled_at IS NULL),
voided AS (
  DELETE FROM account_tokens
   WHERE user_id IN (SELECT id FROM account) AND used_at IS NULL),
link AS (
  INSERT INTO account_tokens (id, user_id, purpose, token_hash, expires_at)
  SELECT $2, account.id, $3, $4, $5 FROM account
  RETURNING id, user_id, purpose, expires_at)
INSERT INTO outbox_messages (id, kind, recipient_id, facts)
SELECT gen_random_uuid(), link.purpose, link.user_id,
       jsonb_build_object('link', jsonb_build_object('id', link.id, 'expires_at', link.expires_at))
  FROM link";

pub async fn issue(
    conn: &mut AsyncPgConnection,
    email: &str,
    link: &NewLink<'_>,
) -> diesel::QueryResult<bool> {
    let written = reused(
        diesel::sql_query(ISSUE)
            .bind::<Text, _>(email)
            .bind::<SqlUuid, _>(link.id)
            .bind::<Text, _>(link.purpose.kind())
            .bind::<Bytea, _>(link.token_hash)
            .bind::<Timestamptz, _>(link.expires_at),
    )
    .execute(conn)
    .await?;
    Ok(written > 0)
}

#[derive(QueryableByName)]
struct Holder {
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
}

/// Uses up the live link whose token hashes to `token_hash`, of an enabled account, and
/// voids the account's other links; the account's id, or `None` when there is no such link
/// (unknown, used, expired, or its account disabled). Of two uses at once, one gets it.
const USE_UP: &str = "\
WITH used AS (
  UPDATE account_tokens t SET used_at = now()
    FROM users u
   WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > now()
     AND u.id = t.user_id AND u.disabled_at IS NULL
  RETURNING t.id, t.user_id),
voided AS (
  DELETE FROM account_tokens
   WHERE user_id IN (SELECT user_id FROM used) AND used_at IS NULL
     AND id NOT IN (SELECT id FROM used))
SELECT user_id FROM used";

pub async fn use_up(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> diesel::QueryResult<Option<Uuid>> {
    let holder: Option<Holder> = reused(diesel::sql_query(USE_UP).bind::<Bytea, _>(token_hash))
        .get_result(conn)
        .await
        .optional()?;
    Ok(holder.map(|holder| holder.user_id))
}
