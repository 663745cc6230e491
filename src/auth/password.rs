//! Argon2id password hashing at the OWASP minimum (19 MiB, 2 iterations, 1 lane). Hashing
//! takes tens of milliseconds, so it runs on the blocking pool, never on an async worker,
//! and at most one hash per core runs at once so a burst of logins cannot claim 19 MiB each
//! without bound.

use std::sync::{Arc, LazyLock};

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::ApiError;

fn argon2id() -> Argon2<'static> {
    let params = Params::new(
        Params::DEFAULT_M_COST,
        Params::DEFAULT_T_COST,
        Params::DEFAULT_P_COST,
        None,
    )
    .expect("the OWASP parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password to a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh salt.
pub fn hash(password: &str) -> String {
    argon2id()
        .hash_password(password.as_bytes())
        .expect("hashing with valid parameters and a generated salt cannot fail")
        .to_string()
}

/// Whether `password` matches `phc`. A malformed stored hash matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    argon2id().verify_password(password.as_bytes(), phc).is_ok()
}

/// Checked instead when there is no account (or no password) to check against, so an
/// unknown email costs the same time as a wrong password and reveals nothing.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| hash("no account has this password"));

/// Runs hashes on the blocking pool, a bounded number at a time.
#[derive(Clone)]
pub struct PasswordHashing {
    permits: Arc<Semaphore>,
}

impl PasswordHashing {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            permits: Arc::new(Semaphore::new(cores)),
        }
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move || hash(&password)).await
    }

    /// Checks a password against the stored hash, or against a decoy when there is none;
    /// either way it takes the same time.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        self.run(move || match stored {
            Some(phc) => verify(&password, &phc),
            None => {
                verify(&password, &DECOY_HASH);
                false
            }
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(ApiError::internal)
    }
}

impl Default for PasswordHashing {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_at_the_owasp_minimum_with_a_fresh_salt() {
        let first = hash("correct horse battery");
        assert!(
            first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{first}"
        );
        assert_ne!(first, hash("correct horse battery"), "salted");
        assert!(verify("correct horse battery", &first));
        assert!(!verify("correct horse battery!", &first));
    }

    #[test]
    fn a_malformed_stored_hash_matches_nothing() {
        assert!(!verify("anything", "not a PHC string"));
        assert!(!verify("", ""));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn verifying_without_a_stored_hash_is_always_false() {
        let hashing = PasswordHashing::new();
        let decoy_password = "no account has this password".to_owned();
        assert!(!hashing.verify(decoy_password, None).await.unwrap());
    }
}
