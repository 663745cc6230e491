//! Whether a participant took part enough to count: present at no less than the project's
//! share of the group's sessions (`participation_min_percent`), or, when the project sets
//! none, present at one session at least. Completing a group's enrolments applies it, so the
//! eligibility rule "completed an earlier project" and reach reports count the same way:
//! both read an enrolment's standing through `db::participation` and judge it here.

/// A project's participation rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParticipationRule {
    /// The share of sessions, 1 to 100; `None`: present once is enough.
    pub min_percent: Option<i16>,
}

impl ParticipationRule {
    /// Whether being present at `present` of a group's `sessions` meets the rule.
    pub fn is_met(&self, present: i64, sessions: i64) -> bool {
        present >= 1
            && self
                .min_percent
                .is_none_or(|percent| present * 100 >= i64::from(percent) * sessions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONCE: ParticipationRule = ParticipationRule { min_percent: None };

    fn share(percent: i16) -> ParticipationRule {
        ParticipationRule {
            min_percent: Some(percent),
        }
    }

    #[test]
    fn by_default_one_session_present_is_enough() {
        assert!(!ONCE.is_met(0, 3));
        assert!(ONCE.is_met(1, 3));
        assert!(ONCE.is_met(3, 3));
    }

    #[test]
    fn a_share_of_sessions_is_met_at_that_share_and_not_below() {
        assert!(!share(50).is_met(1, 3));
        assert!(share(50).is_met(2, 3));
        assert!(!share(75).is_met(2, 3));
        assert!(share(100).is_met(3, 3));
        assert!(!share(100).is_met(2, 3));
        assert!(share(1).is_met(1, 30));
    }

    #[test]
    fn nobody_meets_a_rule_without_being_present() {
        assert!(!share(1).is_met(0, 0));
        assert!(!ONCE.is_met(0, 0));
    }
}
