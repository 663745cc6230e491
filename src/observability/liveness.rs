//! What `/healthz` reports: the process is live unless something it cannot
//! mend by itself has failed (the embedded PostgreSQL server died and could
//! not be started again), so that whatever supervises it restarts it.

use std::sync::{Arc, Mutex, PoisonError};

/// Shared by whoever can find the process broken and the `/healthz` handler.
#[derive(Debug, Clone, Default)]
pub struct Liveness(Arc<Mutex<Option<String>>>);

impl Liveness {
    /// The process cannot do its work, for `reason` (shown to whoever asks).
    pub fn fail(&self, reason: &str) {
        *self.state() = Some(reason.to_owned());
    }

    /// What failed has mended.
    pub fn restore(&self) {
        *self.state() = None;
    }

    /// Why the process cannot do its work, when it cannot.
    pub fn failure(&self) -> Option<String> {
        self.state().clone()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // The guarded value is a plain Option, whole at every moment: a panic
        // elsewhere while holding the lock leaves nothing half-written.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liveness_reports_a_failure_until_it_is_restored_in_every_clone() {
        let liveness = Liveness::default();
        let reporter = liveness.clone();
        assert_eq!(liveness.failure(), None);
        reporter.fail("the database is gone");
        assert_eq!(liveness.failure().as_deref(), Some("the database is gone"));
        reporter.restore();
        assert_eq!(liveness.failure(), None);
    }
}
