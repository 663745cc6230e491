//! The tokens of the single-use links that set a password: a reset a person asked for, or an
//! invitation to a new account. A token is an HMAC-SHA256 of its row's id under a key derived
//! from the server's signing key for this use alone. The database keeps only the token's
//! SHA-256 (`account_tokens`) and the outbox only the row's id: the delivery worker derives
//! the token again as it writes the letter, so nothing stored sets anyone's password.
//! Rotating the signing key voids the links not yet used.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::Mac;
use uuid::Uuid;

use crate::auth::secrets::{derived_key, keyed, token_hash};
use crate::config::Secret;
use crate::error::ApiError;

/// Keeps this key apart from every other use of the signing key.
const DERIVATION_CONTEXT: &[u8] = b"mathshub/account-token/v1";

/// How long a password reset's link works.
pub const RESET_LIFETIME: Duration = Duration::from_secs(60 * 60);
/// How long an invitation's link works.
pub const INVITATION_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

#[derive(Clone)]
pub struct AccountTokens {
    key: Vec<u8>,
}

impl std::fmt::Debug for AccountTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccountTokens")
    }
}

impl AccountTokens {
    pub fn new(signing_key: &Secret) -> Self {
        Self {
            key: derived_key(signing_key, DERIVATION_CONTEXT),
        }
    }

    /// The token of the link `id`: 43 base64url characters.
    pub fn token(&self, id: Uuid) -> String {
        let tag = keyed(&self.key).chain_update(id.as_bytes()).finalize();
        URL_SAFE_NO_PAD.encode(tag.into_bytes())
    }

    /// A new link's id and the hash its token is stored under.
    pub fn issue(&self) -> (Uuid, Vec<u8>) {
        let id = Uuid::now_v7();
        (id, token_hash(&self.token(id)))
    }
}

/// When a link issued now for `lifetime` expires.
pub fn expiry_after(lifetime: Duration) -> Result<DateTime<Utc>, ApiError> {
    Ok(Utc::now() + chrono::Duration::from_std(lifetime).map_err(ApiError::internal)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(secret: &str) -> AccountTokens {
        AccountTokens::new(&Secret::new(secret))
    }

    #[test]
    fn a_link_has_one_token_stored_only_as_its_hash() {
        let tokens = tokens("a signing key of at least thirty-two bytes");
        let (id, hash) = tokens.issue();
        let token = tokens.token(id);
        assert_eq!(token.len(), 43);
        assert_eq!(token, tokens.token(id));
        assert_eq!(hash, token_hash(&token));
        assert_ne!(token, tokens.token(Uuid::now_v7()));
    }

    #[test]
    fn another_signing_key_gives_other_tokens() {
        let id = Uuid::now_v7();
        assert_ne!(
            tokens("a signing key of at least thirty-two bytes").token(id),
            tokens("another signing key of thirty-two bytes").token(id)
        );
    }
}
