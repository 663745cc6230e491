//! Access tokens: HS256 JWTs validated as RFC 8725 asks. One algorithm only; `exp`, `iss`,
//! `aud` and `sub` required; `nbf` checked; 30 seconds of leeway for clock skew; and an
//! explicit type (`at+jwt`, RFC 9068) so nothing but an access token passes as one. Refresh
//! tokens are opaque random strings, never JWTs, so neither can stand in for the other.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::Secret;
use crate::domain::Role;

pub const ISSUER: &str = "mathshub";
pub const AUDIENCE: &str = "mathshub-api";
/// How long an access token lives, for people and partner integrations alike.
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);
const LEEWAY_SECONDS: u64 = 30;
const TOKEN_TYPE: &str = "at+jwt";
/// RFC 8725 section 3.5: an HMAC key needs at least as many bytes as the hash's output.
pub const MIN_SECRET_BYTES: usize = 32;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// A user's id, or a partner client's `client_id`.
    pub sub: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: String,
    pub role: Role,
    /// The hub's slug, for hub managers and leads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<String>,
    /// The Teaching School Hub's slug, for partners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tsh: Option<String>,
    /// Set when a partner client signed in with client credentials (RFC 9068).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The account's token version when issued: a later change of role, hub, password or
    /// status bumps it, and the token stops working.
    pub ver: i32,
    /// The signed-in session (its refresh tokens' family) the token was issued in; none for
    /// a partner client's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<uuid::Uuid>,
}

/// Who a token is for, as it is issued.
#[derive(Debug, Clone)]
pub struct Subject {
    pub sub: String,
    pub role: Role,
    pub hub: Option<String>,
    pub tsh: Option<String>,
    pub client_id: Option<String>,
    pub token_version: i32,
    /// The session (refresh token family) it is issued in.
    pub session: Option<uuid::Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is not valid")]
    Invalid,
}

/// The secret is too short for HS256.
#[derive(Debug, thiserror::Error)]
#[error(
    "the JWT secret must be at least {MIN_SECRET_BYTES} bytes (it is {0}); generate one with `openssl rand -base64 48`"
)]
pub struct WeakSecret(pub usize);

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &Secret) -> Result<Self, WeakSecret> {
        let bytes = secret.expose().as_bytes();
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(WeakSecret(bytes.len()));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Ok(Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
        })
    }

    /// A fresh access token for `subject`, valid from now for `ACCESS_TOKEN_LIFETIME`.
    pub fn issue(&self, subject: Subject) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_secs();
        let claims = AccessClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: subject.sub,
            iat: now,
            nbf: now,
            exp: now + ACCESS_TOKEN_LIFETIME.as_secs(),
            jti: uuid::Uuid::now_v7().to_string(),
            role: subject.role,
            hub: subject.hub,
            tsh: subject.tsh,
            client_id: subject.client_id,
            ver: subject.token_version,
            sid: subject.session,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(TOKEN_TYPE.into());
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// The claims of a token this server issued and that is still within its lifetime.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        if data.header.typ.as_deref() != Some(TOKEN_TYPE) {
            return Err(TokenError::Invalid);
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&Secret::new("k".repeat(32))).unwrap()
    }

    fn subject() -> Subject {
        Subject {
            sub: "0193ffff-0000-7000-8000-000000000001".into(),
            role: Role::HubManager,
            hub: Some("glow".into()),
            tsh: None,
            client_id: None,
            token_version: 3,
            session: Some(uuid::Uuid::from_u128(7)),
        }
    }

    #[test]
    fn issued_tokens_verify_with_every_claim() {
        let keys = keys();
        let claims = keys.verify(&keys.issue(subject())).unwrap();
        assert_eq!(
            (claims.iss.as_str(), claims.aud.as_str()),
            (ISSUER, AUDIENCE)
        );
        assert_eq!(claims.role, Role::HubManager);
        assert_eq!(claims.hub.as_deref(), Some("glow"));
        assert_eq!(claims.ver, 3);
        assert_eq!(claims.exp - claims.iat, 900);
        assert_eq!(claims.nbf, claims.iat);
    }

    #[test]
    fn secrets_shorter_than_32_bytes_are_refused() {
        assert!(TokenKeys::new(&Secret::new("k".repeat(31))).is_err());
        assert!(TokenKeys::new(&Secret::new("")).is_err());
    }

    #[test]
    fn a_token_signed_with_another_key_is_invalid() {
        let other = TokenKeys::new(&Secret::new("o".repeat(32))).unwrap();
        assert_eq!(
            keys().verify(&other.issue(subject())),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn a_token_without_the_access_type_is_invalid() {
        let keys = keys();
        let token = keys.issue(subject());
        let claims = keys.verify(&token).unwrap();
        let untyped =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap();
        assert_eq!(keys.verify(&untyped), Err(TokenError::Invalid));
    }
}
