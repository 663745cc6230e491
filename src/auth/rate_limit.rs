//! Limits on sign-in attempts (per client address and per account) and on expressions of
//! interest (per participant), shared by every server process through the database. Over
//! the limit, the answer is 429 with `Retry-After`.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::auth::secrets::token_hash;
use crate::db::rate_limits;
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Sign-in attempts allowed per window from one client address.
    pub per_address: u32,
    /// Sign-in attempts allowed per window on one account (an email or a partner client id).
    pub per_account: u32,
    /// Expressions of interest allowed per window from one participant. Counted per account,
    /// not per address: a school's staff share one.
    pub expressions_of_interest: u32,
    pub window: Duration,
}

impl RateLimits {
    /// Counts a sign-in attempt at `endpoint` from `address` on `account`, refusing it when
    /// either count is over its limit.
    pub async fn check(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        endpoint: &str,
        address: &str,
        account: &str,
    ) -> Result<(), ApiError> {
        // Hashed: the table holds no email addresses, and keys stay short whatever is sent.
        let account_key = format!(
            "{endpoint}:account:{}",
            URL_SAFE_NO_PAD.encode(token_hash(&account.trim().to_lowercase()))
        );
        self.count(
            conn,
            &[
                (format!("{endpoint}:address:{address}"), self.per_address),
                (account_key, self.per_account),
            ],
        )
        .await
    }

    /// Counts an attempt at `endpoint` from `address`, for endpoints that name no account.
    pub async fn check_address(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        endpoint: &str,
        address: &str,
    ) -> Result<(), ApiError> {
        self.count(
            conn,
            &[(format!("{endpoint}:address:{address}"), self.per_address)],
        )
        .await
    }

    /// Counts an expression of interest by `participant_id`, refusing it over the limit.
    pub async fn check_expression_of_interest(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        participant_id: uuid::Uuid,
    ) -> Result<(), ApiError> {
        self.count(
            conn,
            &[(
                format!("expression-of-interest:account:{participant_id}"),
                self.expressions_of_interest,
            )],
        )
        .await
    }

    /// Counts one hit against each key; 429 with the longest wait when any is over its limit.
    async fn count(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        limits: &[(String, u32)],
    ) -> Result<(), ApiError> {
        let keys: Vec<String> = limits.iter().map(|(key, _)| key.clone()).collect();
        let windows = rate_limits::hit(conn, &keys, self.window).await?;
        let wait = windows
            .iter()
            .filter(|window| {
                limits
                    .iter()
                    .any(|(key, limit)| *key == window.key && window.hits.unsigned_abs() > *limit)
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
