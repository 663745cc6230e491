//! Authentication as an extractor: a handler that takes a `Caller` is reached only with a
//! valid access token whose account (or partner client) is still as it was when the token
//! was issued. That is checked against the database on every request, so disabling an
//! account, changing its role or hub, or revoking a partner takes effect at once.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use diesel_async::AsyncPgConnection;
use futures_util::future::LocalBoxFuture;

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    /// A person who signed in with a password.
    User,
    /// A partner integration that signed in with client credentials.
    PartnerClient,
}

const REVOKED: &str =
    "The access token is no longer valid: the account changed or was disabled. Sign in again.";

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(CheckedCaller(checked)) = request.extensions().get::<CheckedCaller>() {
            let checked = checked.clone();
            return Box::pin(async {
                checked.ok_or_else(|| ApiError::Unauthorized(REVOKED.into()))
            });
        }
        let token = bearer_token(request);
        let auth = request.app_data::<web::Data<Auth>>().cloned();
        let pool = request.app_data::<web::Data<DbPool>>().cloned();
        Box::pin(async move {
            let (Some(auth), Some(pool)) = (auth, pool) else {
                return Err(ApiError::internal("authentication is not configured"));
            };
            let claims = auth.tokens.verify(&token?).map_err(|error| match error {
                TokenError::Expired => ApiError::Unauthorized(
                    "The access token has expired: refresh it at POST /api/v1/auth/refresh.".into(),
                ),
                TokenError::Invalid => {
                    ApiError::Unauthorized("The access token is not valid.".into())
                }
            })?;
            let conn = pool.get().await?;
            current_caller(&conn, &claims)
                .await?
                .ok_or_else(|| ApiError::Unauthorized(REVOKED.into()))
        })
    }
}

/// The caller of an operation that anyone may call but that shows more to some: `None`
/// without an `Authorization` header; with one, it must be valid (401 otherwise), so a
/// broken token is never silently treated as anonymous.
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if request.headers().contains_key(header::AUTHORIZATION) {
            let caller = Caller::from_request(request, payload);
            Box::pin(async move { caller.await.map(|caller| Self(Some(caller))) })
        } else {
            Box::pin(async { Ok(Self(None)) })
        }
    }
}

/// A bearer token that verified, for middleware that runs before the operation: it names
/// whom records kept per caller (idempotency keys) belong to, and its account can be checked
/// beside the middleware's own statements, sparing the operation's `Caller` that read.
pub struct VerifiedToken(AccessClaims);

impl VerifiedToken {
    /// The request's bearer token, if it verifies; not yet checked against the account.
    pub fn of(request: &HttpRequest) -> Option<Self> {
        let auth = request.app_data::<web::Data<Auth>>()?;
        auth.tokens
            .verify(&bearer_token(request).ok()?)
            .ok()
            .map(Self)
    }

    /// Whom the token names: `user:<id>` or `partner-client:<client id>`.
    pub fn subject(&self) -> String {
        match &self.0.client_id {
            Some(client_id) => format!("partner-client:{client_id}"),
            None => format!("user:{}", self.0.sub),
        }
    }

    /// Checks the token's account on `conn`, which other statements may share (pipelined).
    pub async fn check(&self, conn: &AsyncPgConnection) -> Result<CheckedCaller, ApiError> {
        current_caller(conn, &self.0).await.map(CheckedCaller)
    }
}

/// The caller a middleware checked, kept in the request's extensions for the operation's
/// `Caller`; `None` when the account changed or was disabled. Only `VerifiedToken::check`
/// makes one, so nothing a client sends can stand in for the check.
#[derive(Debug, Clone)]
pub struct CheckedCaller(Option<Caller>);

/// The token of an `Authorization: Bearer …` header (scheme in any case, RFC 7235).
fn bearer_token(request: &HttpRequest) -> Result<String, ApiError> {
    let missing = || {
        ApiError::Unauthorized(
            "This needs an access token in `Authorization: Bearer …`: sign in at POST /api/v1/auth/login."
                .into(),
        )
    };
    let value = request
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(missing()),
    }
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
        }))
}
