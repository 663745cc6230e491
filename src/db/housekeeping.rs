//! Forgetting what is no longer needed: rate-limit windows long over, refresh tokens long
//! expired, and idempotency keys past their 24 hours. Every server process sweeps now and
//! then; sweeps are idempotent, so several processes sweeping at once is harmless.

use std::time::Duration;

use chrono::Utc;

use crate::db::{DbPool, idempotency_keys, rate_limits, refresh_tokens};

/// How long finished records are kept before a sweep forgets them.
const KEEP_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// What one sweep forgot.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub rate_limit_windows: usize,
    pub refresh_tokens: usize,
    pub idempotency_keys: usize,
}

/// Forgets rate-limit windows that started, and refresh tokens that expired, more than a
/// day ago.
pub async fn sweep(pool: &DbPool) -> Result<Swept, crate::error::ApiError> {
    let mut conn = pool.get().await?;
    let keep_for = chrono::Duration::from_std(KEEP_FOR).expect("a day fits");
    Ok(Swept {
        rate_limit_windows: rate_limits::forget_before(&mut conn, KEEP_FOR).await?,
        refresh_tokens: refresh_tokens::forget_expired(&mut conn, Utc::now() - keep_for).await?,
        idempotency_keys: idempotency_keys::forget_expired(&mut conn).await?,
    })
}

/// Sweeps every `period` for as long as the server runs.
pub async fn sweep_every(pool: DbPool, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    loop {
        ticks.tick().await;
        match sweep(&pool).await {
            Ok(swept) if swept != Swept::default() => log::info!("housekeeping: {swept:?}"),
            Ok(_) => {}
            Err(error) => log::warn!("housekeeping failed (retried next time): {error}"),
        }
    }
}
