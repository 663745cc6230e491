//! Forgetting what is no longer needed: rate-limit windows long over, and idempotency keys
//! past their 24 hours. (Expired sign-ins go by the retention schedule, `db::retention`.)
//! Every server process sweeps now and then; sweeps are idempotent, so several processes
//! sweeping at once is harmless.

use std::time::Duration;

use crate::db::{DbPool, idempotency_keys, rate_limits};

/// How long finished records are kept before a sweep forgets them.
const KEEP_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// What one sweep forgot.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub rate_limit_windows: usize,
    pub idempotency_keys: usize,
}

/// Forgets rate-limit windows that started more than a day ago, and expired keys.
pub async fn sweep(pool: &DbPool) -> Result<Swept, crate::error::ApiError> {
    let mut conn = pool.get().await?;
    Ok(Swept {
        rate_limit_windows: rate_limits::forget_before(&mut conn, KEEP_FOR).await?,
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
