//! Who is calling: a handler that takes a `Caller` (extracted by `http::extract::caller`) is
//! reached only with a valid access token whose account (or partner client) is still as it was when the token
//! was issued. That is checked against the database on every request, so disabling an
//! account, changing its role or hub, or revoking a partner takes effect at once.

use diesel_async::AsyncPgConnection;

use crate::auth::Auth;
use crate::auth::tokens::{AccessClaims, TokenError};
use crate::db::{self, DbPool};
use crate::domain::Role;
use crate::error::ApiError;

/// Who is calling, as the database says now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The user's id, or the partner client's id.
    pub id: uuid::Uuid,
    pub role: Role,
    /// The hub of a hub manager or lead.
    pub hub_id: Option<uuid::Uuid>,
    /// The Teaching School Hub of a partner.
    pub teaching_school_hub_id: Option<uuid::Uuid>,
    pub kind: CallerKind,
    /// The signed-in session the access token belongs to (its refresh tokens' family), when
    /// it names one.
    pub session: Option<uuid::Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    /// A person who signed in with a password.
    User,
    /// A partner integration that signed in with client credentials.
    PartnerClient,
}

/// The caller of an operation that anyone may call but that shows more to some: `None`
/// without an `Authorization` header; with one, it must be valid (401 otherwise), so a
/// broken token is never silently treated as anonymous.
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

const REVOKED: &str =
    "The access token is no longer valid: the account changed or was disabled. Sign in again.";

/// The caller an access token names, if the token is valid and its account (or partner
/// client) is still as it was when the token was issued; 401 otherwise.
pub async fn identify(auth: &Auth, pool: &DbPool, token: &str) -> Result<Caller, ApiError> {
    let claims = auth.tokens.verify(token).map_err(|error| match error {
        TokenError::Expired => ApiError::Unauthorized(
            "The access token has expired: refresh it at POST /api/v1/auth/refresh.".into(),
        ),
        TokenError::Invalid => ApiError::Unauthorized("The access token is not valid.".into()),
    })?;
    let conn = pool.get().await?;
    current_caller(&conn, &claims)
        .await?
        .ok_or_else(|| ApiError::Unauthorized(REVOKED.into()))
}

/// The caller the claims name, if their account is still as it was when the token was
/// issued: same token version (bumped by every change of role, hub, password or status),
/// same role, not disabled or revoked.
async fn current_caller(
    conn: &AsyncPgConnection,
    claims: &AccessClaims,
) -> Result<Option<Caller>, ApiError> {
    if let Some(client_id) = &claims.client_id {
        let client = db::partner_clients::principal(conn, client_id).await?;
        return Ok(client
            .filter(|client| {
                !client.revoked
                    && client.token_version == claims.ver
                    && claims.role == Role::Partner
                    && claims.sub == *client_id
            })
            .map(|client| Caller {
                id: client.id,
                role: Role::Partner,
                hub_id: None,
                teaching_school_hub_id: Some(client.teaching_school_hub_id),
                kind: CallerKind::PartnerClient,
                session: None,
            }));
    }
    let Ok(user_id) = uuid::Uuid::try_parse(&claims.sub) else {
        return Ok(None);
    };
    let user = db::users::principal(conn, user_id).await?;
    Ok(user
        .filter(|user| {
            !user.disabled && user.token_version == claims.ver && user.role == claims.role
        })
        .map(|user| Caller {
            id: user_id,
            role: user.role,
            hub_id: user.hub_id,
            teaching_school_hub_id: user.teaching_school_hub_id,
            kind: CallerKind::User,
            session: claims.sid,
        }))
}
