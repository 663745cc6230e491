//! Identity and access: passwords, access and refresh tokens (and the key that signs them in
//! embedded demo mode), partner client credentials, calendar feed secrets, sign-in rate
//! limits, the `Caller` extractor, and the policy that decides every right.

pub mod account_tokens;
pub mod calendar_secrets;
pub mod caller;
pub mod kept_key;
pub mod password;
pub mod policy;
pub mod rate_limit;
pub mod secrets;
pub mod tokens;

use std::time::Duration;

use actix_web::HttpRequest;

pub use caller::{Caller, CallerKind, MaybeCaller};
pub use policy::{Action, authorize};

use crate::config::Secret;
use account_tokens::AccountTokens;
use calendar_secrets::CalendarSecrets;
use password::PasswordHashing;
use rate_limit::RateLimits;
use tokens::{TokenKeys, WeakSecret};

/// How long a refresh token (one step of a signed-in session) lives.
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);

#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// The HS256 key of access tokens, at least 32 bytes.
    pub jwt_secret: Secret,
    pub rate_limits: RateLimits,
    /// Take the client address for rate limits from `Forwarded`/`X-Forwarded-For`: only
    /// behind a proxy that sets them, or clients could pick their own address.
    pub trust_forwarded_for: bool,
}

/// What the auth endpoints and the `Caller` extractor share (application data).
pub struct Auth {
    pub tokens: TokenKeys,
    pub passwords: PasswordHashing,
    pub rate_limits: RateLimits,
    /// The secrets in personal calendar feeds' URLs, derived from the signing key.
    pub calendar_secrets: CalendarSecrets,
    /// The tokens of links that set a password, derived from the signing key.
    pub account_tokens: AccountTokens,
    trust_forwarded_for: bool,
}

impl Auth {
    pub fn new(settings: &AuthSettings) -> Result<Self, WeakSecret> {
        Ok(Self {
            tokens: TokenKeys::new(&settings.jwt_secret)?,
            passwords: PasswordHashing::new(),
            rate_limits: settings.rate_limits,
            calendar_secrets: CalendarSecrets::new(&settings.jwt_secret),
            account_tokens: AccountTokens::new(&settings.jwt_secret),
            trust_forwarded_for: settings.trust_forwarded_for,
        })
    }

    /// The address rate limits count a request against.
    pub fn client_address(&self, request: &HttpRequest) -> String {
        let info = request.connection_info();
        let address = if self.trust_forwarded_for {
            info.realip_remote_addr()
        } else {
            info.peer_addr()
        };
        address.unwrap_or("unknown").to_owned()
    }
}
