//! Keeping the embedded server up while mathshub serves from it. A thread
//! looks at the postmaster every second and, when it has died (killed, say,
//! by the out-of-memory killer), starts it again on the same port, so the
//! connection pool reaches it at the address it knows; PostgreSQL replays its
//! write-ahead log on start, so every committed write is still there, and the
//! pool drops the connections that died with the old server. When the server
//! cannot be started again, [`Liveness`] fails, and `/healthz` with it, so
//! that whatever supervises mathshub restarts it; the thread keeps trying.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::runner::io_error;
use super::{EmbeddedError, Postmaster};
use crate::observability::Liveness;

/// Between looks at a server that runs, and the first pause after a failed restart.
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// Pauses after failed restarts double up to this.
const LONGEST_PAUSE: Duration = Duration::from_secs(30);
/// Failed restarts in a row before liveness fails: a restart can fail once
/// for a passing reason (a straggling process of the dead server, say).
const FAILURES_BEFORE_REPORTING: u32 = 3;

/// What `/healthz` says while the server cannot be started again.
const CANNOT_RESTART: &str = "The embedded PostgreSQL server died and could not be restarted \
    (the server's log says why); restart mathshub.";

/// The thread looking after one server, until [`Supervisor::stop`].
pub(super) struct Supervisor {
    stop: Sender<()>,
    thread: JoinHandle<()>,
}

impl Supervisor {
    pub(super) fn start(postmaster: Postmaster, liveness: Liveness) -> Result<Self, EmbeddedError> {
        let (stop, stopped) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("postgres-supervisor".into())
            .spawn(move || {
                let mut failures = 0;
                // The wait for a stop request is the pause between looks too.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(pause(failures)) {
                    failures = look_after(&postmaster, &liveness, failures);
                }
            })
            .map_err(|source| {
                io_error(
                    "could not start the thread that supervises the embedded PostgreSQL server"
                        .into(),
                    source,
                )
            })?;
        Ok(Self { stop, thread })
    }

    /// Returns once the thread has ended (after any restart under way).
    pub(super) fn stop(self) {
        let _ = self.stop.send(());
        if self.thread.join().is_err() {
            log::error!("the thread supervising the embedded PostgreSQL server panicked");
        }
    }
}

/// One look at the server, starting it again if it died; answers the
/// failed restarts in a row since.
fn look_after(postmaster: &Postmaster, liveness: &Liveness, failures: u32) -> u32 {
    match postmaster.revive() {
        Ok(restarted) => {
            if restarted {
                log::warn!(
                    "the embedded PostgreSQL server had died; started it again (it recovered from its write-ahead log)"
                );
            }
            liveness.restore();
            0
        }
        Err(error) => {
            let failures = failures + 1;
            log::error!(
                "the embedded PostgreSQL server died and could not be started again (attempt {failures}): {error}"
            );
            if failures >= FAILURES_BEFORE_REPORTING {
                liveness.fail(CANNOT_RESTART);
            }
            failures
        }
    }
}

/// The pause before the next look: [`LOOK_EVERY`], or after failed restarts
/// twice as long each time, up to [`LONGEST_PAUSE`].
fn pause(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1);
    LOOK_EVERY
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(LONGEST_PAUSE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_doubles_after_each_failed_restart_up_to_the_longest() {
        let pauses: Vec<u64> = (0..8).map(|failures| pause(failures).as_secs()).collect();
        assert_eq!(pauses, [1, 1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(pause(u32::MAX), LONGEST_PAUSE);
    }
}
