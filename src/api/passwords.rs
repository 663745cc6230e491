//! `/auth/password-reset` and `/auth/set-password`: a person who forgot their password asks
//! for a link by email, and a link (a reset, or an admin's invitation) sets a new password
//! once. Asking tells nothing about which accounts exist: every well-formed request gets the
//! same answer at once, and the work happens after it.

use actix_web::{HttpRequest, HttpResponse, post, web};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::auth::account_tokens::{RESET_LIFETIME, expiry_after};
use crate::auth::secrets::token_hash;
use crate::db::account_tokens::{self, NewLink, Purpose};
use crate::db::{DbPool, audit, users};
use crate::domain::{Email, NewPassword, Secret};
use crate::error::ApiError;
use crate::http::body::Shown;
use crate::http::extract::paging::FieldErrors;
use crate::http::middleware::json_bodies::Json;

const TAG: &str = "Authentication";
const NO_LINK: &str =
    "is not the token of a live link: it is unknown, was used, or has expired; ask for a new one";

#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    #[schema(schema_with = reset_email)]
    pub email: Email,
}

fn reset_email() -> Shown {
    Shown::value::<Email>(json!("teacher@school.example"))
        .described("The email the account signs in with.")
}

/// `PasswordResetRequest` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "PasswordResetRequest", deny_unknown_fields)]
pub struct PasswordResetForm {
    email: String,
}

impl TryFrom<PasswordResetForm> for PasswordResetRequest {
    type Error = ApiError;

    fn try_from(form: PasswordResetForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let email = errors.parse("email", Some(form.email), Email::parse);
        errors.finish(|| Some(Self { email: email? }))
    }
}

#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordRequest {
    #[schema(schema_with = link_token)]
    pub token: Secret,
    #[schema(inline)]
    pub password: NewPassword,
}

fn link_token() -> Shown {
    Shown::value::<Secret>(json!("kq3Zl0v2Xw6R1yJ8d0Qm4nT7s9Bc5Fh2Ga8Ke1Lp6Uo"))
        .described("The token of the link in the email (a password reset or an invitation).")
}

/// `SetPasswordRequest` as sent.
#[derive(Debug, Deserialize)]
#[serde(rename = "SetPasswordRequest", deny_unknown_fields)]
pub struct SetPasswordForm {
    token: String,
    password: String,
}

impl TryFrom<SetPasswordForm> for SetPasswordRequest {
    type Error = ApiError;

    fn try_from(form: SetPasswordForm) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::default();
        let token = errors.parse("token", Some(form.token), Secret::parse);
        let password = errors.parse("password", Some(form.password), NewPassword::parse);
        errors.finish(|| {
            Some(Self {
                token: token?,
                password: password?,
            })
        })
    }
}

/// Ask for a password reset
///
/// Emails the account with this address a link that sets a new password: it works once,
/// within an hour, and asking again voids the one before. The answer is 202 with no body
/// whether or not such an account exists (or is disabled, which gets no email), and it comes
/// before the account is looked up, so neither it nor its timing tells which accounts exist.
/// Limited like signing in, per client address and per email (429 with `Retry-After`).
#[utoipa::path(
    tag = TAG,
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If an account has this email, its link is on its way"),
        (status = 400, response = crate::http::problems::BadRequest),
        (status = 413, response = crate::http::problems::PayloadTooLarge),
        (status = 429, response = crate::http::problems::TooManyRequests),
        (status = 503, response = crate::http::problems::Unavailable),
    )
)]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    request: HttpRequest,
    body: Json<PasswordResetForm>,
    auth: web::Data<Auth>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let PasswordResetRequest { email } = PasswordResetRequest::try_from(body.into_inner())?;
    let mut conn = pool.get().await?;
    auth.rate_limits
        .check(
            &mut conn,
            "password-reset",
            &auth.client_address(&request),
            email.as_str(),
        )
        .await?;
    drop(conn);
    let (auth, pool) = (auth.into_inner(), pool.into_inner());
    actix_web::rt::spawn(async move {
        if let Err(error) = send_reset_link(&auth, &pool, &email).await {
            log::warn!(
                "a password reset's link could not be issued (asking again will do): {error}"
            );
        }
    });
    Ok(HttpResponse::Accepted().finish())
}

/// Issues the reset link of the account with `email`, if there is an enabled one, with the
/// message that carries it.
async fn send_reset_link(auth: &Auth, pool: &DbPool, email: &Email) -> Result<(), ApiError> {
    let (id, hash) = auth.account_tokens.issue();
    let link = NewLink {
        id,
        token_hash: &hash,
        purpose: Purpose::PasswordReset,
        expires_at: expiry_after(RESET_LIFETIME)?,
    };
    let mut conn = pool.get().await?;
    account_tokens::issue(&mut conn, email.as_str(), &link).await?;
    Ok(())
}

/// Set a password with a link
///
/// Uses up the link of a password reset or an invitation, whose token the email carried, and
/// sets the account's password: every session of the account ends, and it signs in with the
/// new one. A token that is unknown, used or expired answers 422 naming `token`, and nothing
/// changes. Limited like signing in, per client address (429 with `Retry-After`).
#[utoipa::path(
    tag = TAG,
    request_body = SetPasswordRequest,
    responses(
        (status = 204, description = "The password is set; sign in with it"),
        (status = 400, response = crate::http::problems::BadRequest),
        (status = 413, response = crate::http::problems::PayloadTooLarge),
        (status = 422, response = crate::http::problems::Unprocessable),
        (status = 429, response = crate::http::problems::TooManyRequests),
        (status = 503, response = crate::http::problems::Unavailable),
    )
)]
#[post("/auth/set-password")]
pub async fn set_password(
    request: HttpRequest,
    body: Json<SetPasswordForm>,
    auth: web::Data<Auth>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let SetPasswordRequest { token, password } = SetPasswordRequest::try_from(body.into_inner())?;
    let presented = token_hash(token.expose());
    let mut conn = pool.get().await?;
    auth.rate_limits
        .check_address(&mut conn, "set-password", &auth.client_address(&request))
        .await?;
    let hash = auth.passwords.hash(password.expose().to_owned()).await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let user_id = account_tokens::use_up(conn, &presented)
            .await?
            .ok_or_else(|| ApiError::unprocessable("token", NO_LINK))?;
        users::set_password(conn, user_id, &hash).await?;
        audit::record(
            conn,
            Some(user_id),
            "user.password_set_by_link",
            "user",
            &user_id.to_string(),
            json!({}),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(request_password_reset).service(set_password);
}
