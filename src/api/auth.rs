//! `/auth`: signing in with a password (and staying signed in with refresh tokens), signing
//! out, and the client credentials grant of partner integrations.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::secrets::{random_token, token_hash};
use crate::auth::tokens::{ACCESS_TOKEN_LIFETIME, Subject};
use crate::auth::{Auth, REFRESH_TOKEN_LIFETIME};
use crate::db::refresh_tokens::{self, Redemption};
use crate::db::users::{self, AccountRow, AccountScope};
use crate::db::{DbPool, partner_clients};
use crate::domain::{ClientCredentialsGrant, CredentialText, Email, Role, Secret};
use crate::error::ApiError;
use crate::http::body::Shown;
use crate::http::extract::paging::FieldErrors;
use crate::http::middleware::json_bodies::Json;

const TAG: &str = "Authentication";
const WRONG_PASSWORD: &str = "The email or password is wrong.";
const WRONG_CLIENT: &str = "The client id or secret is wrong, or the client was revoked.";

#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(schema_with = login_email)]
    pub email: Email,
    #[schema(schema_with = login_password)]
    pub password: Secret,
}

fn login_email() -> Shown {
    Shown::value::<Email>(json!("admin@demo.mathshub.invalid"))
}

fn login_password() -> Shown {
    Shown::value::<Secret>(json!("maths-hubs-demo"))
        .described("The account's password, compared and never held to the rules for choosing one.")
}

/// `LoginRequest` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "LoginRequest", deny_unknown_fields)]
pub struct LoginForm {
    email: String,
    password: String,
}

/// The email is held to the form every account's has, before any work: no account has
/// another, so nothing is learned. The password is only compared: the rules for choosing one
/// are no rule for it, so any wrong one is just wrong (401), whatever its length.
impl TryFrom<LoginForm> for LoginRequest {
    type Error = ApiError;

    fn try_from(form: LoginForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let email = errors.parse("email", Some(form.email), Email::parse);
        let password = errors.parse("password", Some(form.password), Secret::parse);
        errors.finish(|| {
            Some(Self {
                email: email?,
                password: password?,
            })
        })
    }
}

#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[schema(schema_with = refresh_token)]
    pub refresh_token: Secret,
}

fn refresh_token() -> Shown {
    Shown::value::<Secret>(json!("2mX9…"))
        .described("The refresh token from the last sign-in or refresh.")
}

/// `RefreshRequest` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "RefreshRequest", deny_unknown_fields)]
pub struct RefreshForm {
    refresh_token: String,
}

impl TryFrom<RefreshForm> for RefreshRequest {
    type Error = ApiError;

    fn try_from(form: RefreshForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let refresh_token = errors.parse("refresh_token", Some(form.refresh_token), Secret::parse);
        errors.finish(|| {
            Some(Self {
                refresh_token: refresh_token?,
            })
        })
    }
}

/// An access token and the refresh token that renews it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// A JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds the access token lives.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Opaque; exchange it at `POST /auth/refresh` for a new pair. Single use.
    pub refresh_token: String,
    /// Seconds the refresh token lives.
    #[schema(example = 2592000)]
    pub refresh_token_expires_in: u64,
}

/// The client credentials grant (RFC 6749 section 4.4), form-encoded.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientCredentialsRequest {
    #[schema(schema_with = grant_type)]
    pub grant_type: ClientCredentialsGrant,
    #[schema(schema_with = client_id)]
    pub client_id: CredentialText,
    #[schema(inline)]
    pub client_secret: Secret,
    /// Accepted and ignored: a partner's token always has the partner's rights.
    #[schema(inline)]
    pub scope: Option<CredentialText>,
}

fn grant_type() -> Shown {
    Shown::value::<ClientCredentialsGrant>(json!("client_credentials"))
        .described("Always `client_credentials`.")
}

fn client_id() -> Shown {
    Shown::value::<CredentialText>(json!("mhp_3q2…"))
}

/// `ClientCredentialsRequest` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "ClientCredentialsRequest", deny_unknown_fields)]
pub struct ClientCredentialsForm {
    grant_type: String,
    client_id: String,
    client_secret: String,
    scope: Option<String>,
}

/// A grant this endpoint does not offer is refused before anything else is read.
impl TryFrom<ClientCredentialsForm> for ClientCredentialsRequest {
    type Error = ApiError;

    fn try_from(form: ClientCredentialsForm) -> Result<Self, ApiError> {
        let grant_type = ClientCredentialsGrant::parse(&form.grant_type)
            .map_err(|error| ApiError::invalid("grant_type", error.0))?;
        let mut errors = FieldErrors::default();
        let client_id = errors.parse("client_id", Some(form.client_id), CredentialText::parse);
        let client_secret = errors.parse("client_secret", Some(form.client_secret), Secret::parse);
        let scope = errors.parse("scope", form.scope, CredentialText::parse);
        errors.finish(|| {
            Some(Self {
                grant_type,
                client_id: client_id?,
                client_secret: client_secret?,
                scope,
            })
        })
    }
}

/// An access token for a partner integration (RFC 6749 section 5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientToken {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    #[schema(example = 900)]
    pub expires_in: u64,
}

/// Sign in
///
/// Exchanges an email and password for an access token (a 15-minute JWT) and a refresh
/// token (30 days, single use). A wrong password (of any length: the rules for choosing a
/// password do not apply to signing in) and an unknown email answer alike, 401. Limited
/// per client address and per account: over the limit the answer is 429 with `Retry-After`.
#[utoipa::path(
    tag = TAG,
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 400, response = crate::http::problems::BadRequest),
        (status = 401, response = crate::http::problems::Unauthorized),
        (status = 413, response = crate::http::problems::PayloadTooLarge),
        (status = 429, response = crate::http::problems::TooManyRequests),
        (status = 503, response = crate::http::problems::Unavailable),
    )
)]
#[post("/auth/login")]
pub async fn login(
    request: HttpRequest,
    body: Json<LoginForm>,
    auth: web::Data<Auth>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let LoginRequest { email, password } = LoginRequest::try_from(body.into_inner())?;
    let mut conn = pool.get().await?;
    auth.rate_limits
        .check(
            &mut conn,
            "login",
            &auth.client_address(&request),
            email.as_str(),
        )
        .await?;
    let account = users::credentials(&mut conn, email.as_str()).await?;
    // Checked against a decoy when there is no usable account, so timing tells nothing.
    let (stored_hash, usable) = match account {
        Some(account) => (
            account.password_hash,
            Some(account.id).filter(|_| !account.disabled),
        ),
        None => (None, None),
    };
    let matches = auth
        .passwords
        .verify(password.into_inner(), stored_hash)
        .await?;
    let Some(user_id) = usable.filter(|_| matches) else {
        return Err(ApiError::Unauthorized(WRONG_PASSWORD.into()));
    };
    let account = users::find(&mut conn, AccountScope::Everyone, user_id, false)
        .await?
        .ok_or_else(|| ApiError::Unauthorized(WRONG_PASSWORD.into()))?;
    let pair = start_session(&auth, &mut conn, &account, uuid::Uuid::now_v7()).await?;
    Ok(web::Json(pair))
}

/// Issues an access token for `account` and the next refresh token of `family_id`.
async fn start_session(
    auth: &Auth,
    conn: &mut diesel_async::AsyncPgConnection,
    account: &AccountRow,
    family_id: uuid::Uuid,
) -> Result<TokenPair, ApiError> {
    let refresh_token = random_token(32);
    let expires_at = Utc::now()
        + chrono::Duration::from_std(REFRESH_TOKEN_LIFETIME).map_err(ApiError::internal)?;
    refresh_tokens::insert(
        conn,
        account.id,
        family_id,
        &token_hash(&refresh_token),
        expires_at,
    )
    .await?;
    let access_token = auth.tokens.issue(Subject {
        sub: account.id.to_string(),
        role: account.role,
        hub: account.hub_slug.clone(),
        tsh: account.teaching_school_hub_slug.clone(),
        client_id: None,
        token_version: account.token_version,
        session: Some(family_id),
    });
    Ok(TokenPair {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_LIFETIME.as_secs(),
        refresh_token,
        refresh_token_expires_in: REFRESH_TOKEN_LIFETIME.as_secs(),
    })
}

/// Refresh the tokens
///
/// Exchanges a refresh token for a new access token and a new refresh token; the one sent
/// is used up. Sending a refresh token that was already used signs out the whole session
/// it belongs to (it must have been copied), and answers 401. An access token is not a
/// refresh token and is refused.
#[utoipa::path(
    tag = TAG,
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 400, response = crate::http::problems::BadRequest),
        (status = 401, response = crate::http::problems::Unauthorized),
        (status = 413, response = crate::http::problems::PayloadTooLarge),
        (status = 503, response = crate::http::problems::Unavailable),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    body: Json<RefreshForm>,
    auth: web::Data<Auth>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let RefreshRequest { refresh_token } = RefreshRequest::try_from(body.into_inner())?;
    let presented = token_hash(refresh_token.expose());
    let mut conn = pool.get().await?;
    let (user_id, family_id) = match refresh_tokens::redeem(&mut conn, &presented).await? {
        Redemption::Redeemed { user_id, family_id } => (user_id, family_id),
        Redemption::Replayed => {
            log::warn!("a used refresh token was presented again; its session is revoked");
            return Err(ApiError::Unauthorized(
                "This refresh token was already used, so the session was ended for safety. Sign in again."
                    .into(),
            ));
        }
        Redemption::Refused => {
            return Err(ApiError::Unauthorized(
                "The refresh token is not valid, has expired or was revoked. Sign in again.".into(),
            ));
        }
    };
    let account = users::find(&mut conn, AccountScope::Everyone, user_id, false)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("The account no longer exists.".into()))?;
    let pair = start_session(&auth, &mut conn, &account, family_id).await?;
    Ok(web::Json(pair))
}

/// Sign out
///
/// Revokes the session of this refresh token: it and every token refreshed from it stop
/// working. Answers 204 whether or not the token was known (RFC 7009), so it reveals
/// nothing. Access tokens already issued live out their 15 minutes.
#[utoipa::path(
    tag = TAG,
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, response = crate::http::problems::BadRequest),
        (status = 413, response = crate::http::problems::PayloadTooLarge),
        (status = 503, response = crate::http::problems::Unavailable),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    body: Json<RefreshForm>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let RefreshRequest { refresh_token } = RefreshRequest::try_from(body.into_inner())?;
    let mut conn = pool.get().await?;
    refresh_tokens::revoke(&mut conn, &token_hash(refresh_token.expose())).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Get a partner token
///
/// The OAuth 2.0 client credentials grant (RFC 6749 section 4.4) for partner Teaching School
/// Hubs' integrations: a form-encoded `grant_type=client_credentials`, `client_id` and
/// `client_secret` give a 15-minute access token with the role `partner` and the partner's
/// Teaching School Hub. Limited per client address and per client id (429 with `Retry-After`).
#[utoipa::path(
    tag = TAG,
    request_body(content = ClientCredentialsRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "An access token", body = ClientToken),
        (status = 400, response = crate::http::problems::BadRequest),
        (status = 401, response = crate::http::problems::Unauthorized),
        (status = 413, response = crate::http::problems::PayloadTooLarge),
        (status = 429, response = crate::http::problems::TooManyRequests),
        (status = 503, response = crate::http::problems::Unavailable),
    )
)]
#[post("/auth/token")]
pub async fn client_token(
    request: HttpRequest,
    body: web::Form<ClientCredentialsForm>,
    auth: web::Data<Auth>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<ClientToken>, ApiError> {
    let ClientCredentialsRequest {
        client_id,
        client_secret,
        ..
    } = ClientCredentialsRequest::try_from(body.into_inner())?;
    let client_id = client_id.into_inner();
    let mut conn = pool.get().await?;
    auth.rate_limits
        .check(
            &mut conn,
            "token",
            &auth.client_address(&request),
            &client_id,
        )
        .await?;
    let client = partner_clients::credentials(&mut conn, &client_id).await?;
    let stored_hash = client.as_ref().map(|client| client.secret_hash.clone());
    let matches = auth
        .passwords
        .verify(client_secret.into_inner(), stored_hash)
        .await?;
    let Some(client) = client.filter(|_| matches) else {
        return Err(ApiError::Unauthorized(WRONG_CLIENT.into()));
    };
    let access_token = auth.tokens.issue(Subject {
        sub: client_id.clone(),
        role: Role::Partner,
        hub: None,
        tsh: Some(client.teaching_school_hub_slug),
        client_id: Some(client_id),
        token_version: client.token_version,
        session: None,
    });
    Ok(web::Json(ClientToken {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_LIFETIME.as_secs(),
    }))
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(login)
        .service(refresh)
        .service(logout)
        .service(client_token);
}
