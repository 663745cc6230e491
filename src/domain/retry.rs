//! When a failed delivery is tried again: exponential backoff with jitter, so that messages
//! failing together (a mail server down) do not all come back at the same moment, and a
//! message that keeps failing is given up ("dead") after a set number of attempts.

use std::time::Duration;

/// How often, and how patiently, a delivery is attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before the message is dead (the first one included).
    pub max_attempts: u32,
    /// The wait after the first failure; each further failure doubles it.
    pub first_wait: Duration,
    /// The longest wait between two attempts.
    pub longest_wait: Duration,
}

impl Default for RetryPolicy {
    /// Twelve attempts, 30 seconds after the first failure and at most 6 hours apart: about
    /// 20 hours from the first attempt to the last.
    fn default() -> Self {
        Self {
            max_attempts: 12,
            first_wait: Duration::from_secs(30),
            longest_wait: Duration::from_secs(6 * 60 * 60),
        }
    }
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AfterFailure {
    /// Try again after this long.
    RetryIn(Duration),
    /// Give up: every attempt allowed has failed.
    GiveUp,
}

impl RetryPolicy {
    /// What follows the failure of attempt number `attempts` (1 for the first), with
    /// `jitter` drawn uniformly from [0, 1): a wait between half and all of the doubled wait.
    pub fn after_failure(&self, attempts: u32, jitter: f64) -> AfterFailure {
        if attempts >= self.max_attempts {
            return AfterFailure::GiveUp;
        }
        let doublings = attempts.saturating_sub(1).min(30);
        let wait = self
            .first_wait
            .saturating_mul(1 << doublings)
            .min(self.longest_wait);
        AfterFailure::RetryIn(wait.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(policy: &RetryPolicy, attempts: u32, jitter: f64) -> Duration {
        match policy.after_failure(attempts, jitter) {
            AfterFailure::RetryIn(wait) => wait,
            AfterFailure::GiveUp => panic!("gave up after {attempts}"),
        }
    }

    #[test]
    fn each_failure_doubles_the_wait_up_to_the_longest() {
        let policy = RetryPolicy::default();
        let full: Vec<u64> = (1..=11).map(|n| wait(&policy, n, 1.0).as_secs()).collect();
        assert_eq!(
            full,
            [30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600]
        );
    }

    #[test]
    fn jitter_spreads_the_wait_between_half_and_all_of_it() {
        let policy = RetryPolicy::default();
        assert_eq!(wait(&policy, 3, 0.0), Duration::from_secs(60));
        assert_eq!(wait(&policy, 3, 0.5), Duration::from_secs(90));
        assert!(wait(&policy, 3, 0.999_999) < Duration::from_secs(120));
    }

    #[test]
    fn the_last_attempt_allowed_gives_up() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        assert!(matches!(
            policy.after_failure(2, 0.0),
            AfterFailure::RetryIn(_)
        ));
        assert_eq!(policy.after_failure(3, 0.0), AfterFailure::GiveUp);
        assert_eq!(policy.after_failure(40, 0.0), AfterFailure::GiveUp);
    }

    #[test]
    fn a_huge_count_of_attempts_never_overflows_the_wait() {
        let policy = RetryPolicy {
            max_attempts: u32::MAX,
            ..RetryPolicy::default()
        };
        assert_eq!(wait(&policy, 1_000, 1.0), policy.longest_wait);
    }
}
