//! Limits on sign-in attempts, per client address and per account, shared by every server
//! process through the database. Over the limit, the answer is 429 with `Retry-After`.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::auth::secrets::token_hash;
use crate::db::rate_limits;
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Attempts allowed per window from one client address.
    pub per_address: u32,
    /// Attempts allowed per window on one account (an email or a partner client id).
    pub per_account: u32,
    pub window: Duration,
}

impl RateLimits {
    /// Counts an attempt at `endpoint` from `address` on `account`, refusing it when either
    /// count is over its limit.
    pub async fn check(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        endpoint: &str,
        address: &str,
        account: &str,
    ) -> Result<(), ApiError> {
        let address_key = format!("{endpoint}:address:{address}");
        // Hashed: the table holds no email addresses, and keys stay short whatever is sent.
        let account_key = format!(
            "{endpoint}:account:{}",
            URL_SAFE_NO_PAD.encode(token_hash(&account.trim().to_lowercase()))
        );
        let windows =
            rate_limits::hit(conn, &[address_key.clone(), account_key], self.window).await?;
        let wait = windows
            .iter()
            .filter(|window| {
                let limit = if window.key == address_key {
                    self.per_address
                } else {
                    self.per_account
                };
                window.hits.unsigned_abs() > limit
            })
            .map(|window| window.seconds_left.unsigned_abs())
            .max();
        match wait {
            Some(retry_after_seconds) => Err(ApiError::TooManyRequests {
                retry_after_seconds,
            }),
            None => Ok(()),
        }
    }
}
