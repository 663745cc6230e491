//! Random opaque credentials (refresh tokens, partner client ids and secrets, generated
//! passwords) and the one-way hash they are stored under.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use rand::TryRng;
use sha2::{Digest, Sha256};

use crate::config::Secret;
use crate::domain::NewPassword;

pub type HmacSha256 = Hmac<Sha256>;

/// `bytes` random bytes from the operating system, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(bytes))
}

/// `count` random bytes from the operating system.
pub fn random_bytes(count: usize) -> Vec<u8> {
    let mut buffer = vec![0u8; count];
    rand::rngs::SysRng
        .try_fill_bytes(&mut buffer)
        .expect("the operating system's random source works");
    buffer
}

/// Stored form of a high-entropy token. A plain SHA-256 is enough here: unlike passwords,
/// 256-bit random tokens cannot be guessed, so slow hashing would add nothing.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// An HMAC-SHA256 keyed with `key`.
pub fn keyed(key: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length")
}

/// A key of its own for one use of the server's signing key, named by `context`, so that
/// what one use signs means nothing to another.
pub fn derived_key(signing_key: &Secret, context: &[u8]) -> Vec<u8> {
    keyed(signing_key.expose().as_bytes())
        .chain_update(context)
        .finalize()
        .into_bytes()
        .to_vec()
}

/// A password for an account created without one: 24 base64url characters (144 bits).
pub fn generated_password() -> String {
    random_token(18)
}

/// The password a new account starts with: the one `chosen`, or else one generated, which
/// comes back a second time to be shown once.
pub fn initial_password(chosen: Option<&NewPassword>) -> (String, Option<String>) {
    match chosen {
        Some(chosen) => (chosen.expose().to_owned(), None),
        None => {
            let generated = generated_password();
            (generated.clone(), Some(generated))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_url_safe_and_differ() {
        let token = random_token(32);
        assert_eq!(token.len(), 43);
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(token, random_token(32));
    }

    #[test]
    fn hashes_are_stable_and_distinct() {
        assert_eq!(token_hash("a"), token_hash("a"));
        assert_ne!(token_hash("a"), token_hash("b"));
        assert_eq!(token_hash("a").len(), 32);
    }
}
