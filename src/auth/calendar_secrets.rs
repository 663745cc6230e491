//! The secrets of personal calendar feeds. Calendar apps cannot send a bearer token, so a
//! person's feed lives at a URL holding a secret: their account id and an HMAC-SHA256 of that
//! id and their calendar version, under a key derived from the server's signing key for this
//! use alone. Nothing is stored, so the current URL can be shown again at any time; bumping
//! the version (a reset, or disabling the account) kills the old one. Rotating the signing
//! key changes every URL.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use uuid::Uuid;

use crate::auth::secrets::{HmacSha256, derived_key, keyed};
use crate::config::Secret;

/// Keeps this key apart from every other use of the signing key.
const DERIVATION_CONTEXT: &[u8] = b"mathshub/calendar-feed-secret/v1";
const TAG_BYTES: usize = 32;
const SECRET_BYTES: usize = 16 + TAG_BYTES;

pub struct CalendarSecrets {
    key: Vec<u8>,
}

impl CalendarSecrets {
    pub fn new(signing_key: &Secret) -> Self {
        Self {
            key: derived_key(signing_key, DERIVATION_CONTEXT),
        }
    }

    fn tag(&self, user: Uuid, version: i32) -> HmacSha256 {
        keyed(&self.key)
            .chain_update(user.as_bytes())
            .chain_update(version.to_be_bytes())
    }

    /// The secret of `user`'s feed at calendar version `version`: 64 base64url characters.
    pub fn secret(&self, user: Uuid, version: i32) -> String {
        let mut bytes = user.as_bytes().to_vec();
        bytes.extend_from_slice(&self.tag(user, version).finalize().into_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Whether `claimed` is the secret of its account at `version` (in constant time).
    pub fn verify(&self, claimed: &ClaimedSecret, version: i32) -> bool {
        self.tag(claimed.user, version)
            .verify_slice(&claimed.tag)
            .is_ok()
    }
}

/// A secret as a request presents it: the account it names, its tag not yet checked.
pub struct ClaimedSecret {
    pub user: Uuid,
    tag: [u8; TAG_BYTES],
}

impl ClaimedSecret {
    /// `None` for anything that is not shaped like a secret.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let bytes: [u8; SECRET_BYTES] = bytes.try_into().ok()?;
        let (user, tag) = bytes.split_at(16);
        Some(Self {
            user: Uuid::from_slice(user).ok()?,
            tag: tag.try_into().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: Uuid = Uuid::from_u128(0x0193_1b8e_7c2a_7d3e_9a41_3c5f_0e2b_7a10);

    fn secrets(key: &str) -> CalendarSecrets {
        CalendarSecrets::new(&Secret::new(key))
    }

    fn verifies(secrets: &CalendarSecrets, secret: &str, version: i32) -> bool {
        ClaimedSecret::parse(secret).is_some_and(|claimed| secrets.verify(&claimed, version))
    }

    #[test]
    fn a_secret_is_stable_url_safe_and_names_its_account() {
        let keys = secrets("signing-key-of-at-least-32-bytes!!");
        let secret = keys.secret(USER, 0);
        assert_eq!(secret, keys.secret(USER, 0));
        assert_eq!(secret.len(), 64);
        assert!(
            secret
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(ClaimedSecret::parse(&secret).unwrap().user, USER);
        assert!(verifies(&keys, &secret, 0));
    }

    #[test]
    fn a_new_version_another_account_or_another_key_refuses_the_secret() {
        let keys = secrets("signing-key-of-at-least-32-bytes!!");
        let secret = keys.secret(USER, 0);
        assert!(!verifies(&keys, &secret, 1));
        assert!(!verifies(
            &secrets("another-signing-key-of-32-bytes!!!"),
            &secret,
            0
        ));
        // The same tag presented for another account.
        let mut forged = URL_SAFE_NO_PAD.decode(&secret).unwrap();
        forged[15] ^= 1;
        assert!(!verifies(&keys, &URL_SAFE_NO_PAD.encode(forged), 0));
    }

    #[test]
    fn the_key_is_not_the_signing_key_itself() {
        // An HMAC under the raw signing key (as if it were used directly) does not verify.
        let key = "signing-key-of-at-least-32-bytes!!";
        let raw = keyed(key.as_bytes())
            .chain_update(USER.as_bytes())
            .chain_update(0i32.to_be_bytes())
            .finalize()
            .into_bytes();
        let mut bytes = USER.as_bytes().to_vec();
        bytes.extend_from_slice(&raw);
        assert!(!verifies(&secrets(key), &URL_SAFE_NO_PAD.encode(bytes), 0));
    }

    #[test]
    fn malformed_secrets_are_not_claims() {
        let secret = secrets("signing-key-of-at-least-32-bytes!!").secret(USER, 0);
        for bad in [
            "",
            "not base64!",
            &secret[..63],
            &format!("{secret}A"),
            "AAAA",
        ] {
            assert!(ClaimedSecret::parse(bad).is_none(), "{bad}");
        }
    }
}
