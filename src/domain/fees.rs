//! A project's fee policy, as pure rules. A school owes the project's non-attendance fee for
//! a session when its participant is absent without apologies given in time, or withdraws
//! when the next session is too close; "in time" is at least the project's notice period
//! (`cancellation_notice_days`) before the session starts. A project charging nothing (a fee
//! of 0) never leaves a liability.

use chrono::{DateTime, Duration, Utc};

use super::{AttendanceStatus, FeeStatus};

/// What a project charges, and the notice that spares a school the charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeePolicy {
    /// The fee per session, in pence.
    pub fee_pence: i32,
    /// Days before a session that apologies or a withdrawal must come to be free.
    pub notice_days: i32,
}

impl FeePolicy {
    /// Whether word given at `at` about a session starting at `starts_at` came within the
    /// notice period (or after the start), so too late to spare the fee.
    fn too_late(&self, at: DateTime<Utc>, starts_at: DateTime<Utc>) -> bool {
        starts_at - at < Duration::days(i64::from(self.notice_days))
    }

    fn charge(&self, due: bool) -> Option<i32> {
        (due && self.fee_pence > 0).then_some(self.fee_pence)
    }

    /// The fee a recorded attendance leaves owing: only `absent` is charged, and not when
    /// apologies came in time. `apologies` (accepted by the hub) and `present` owe nothing.
    pub fn for_attendance(
        &self,
        status: AttendanceStatus,
        apologies_at: Option<DateTime<Utc>>,
        session_starts_at: DateTime<Utc>,
    ) -> Option<i32> {
        let due = status == AttendanceStatus::Absent
            && apologies_at.is_none_or(|at| self.too_late(at, session_starts_at));
        self.charge(due)
    }

    /// The fee a withdrawal at `at` leaves owing: charged when the next session (the first
    /// starting after `at`; `None` when none is ahead) starts within the notice period.
    pub fn for_withdrawal(
        &self,
        at: DateTime<Utc>,
        next_session_starts_at: Option<DateTime<Utc>>,
    ) -> Option<i32> {
        self.charge(next_session_starts_at.is_some_and(|starts_at| self.too_late(at, starts_at)))
    }
}

/// What a new record does to the ledger entry of one enrolment at one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeChange {
    /// Nothing was owed: record a liability of this many pence.
    Charge(i32),
    /// A voided liability is owed again (the correction was itself corrected), at this amount.
    Restore(i32),
    /// The liability is no longer owed: void it, keeping it in the ledger.
    Void,
    /// The ledger already says what is owed.
    Keep,
}

impl FeeChange {
    /// From the entry the ledger holds (`None` when it holds none) to the fee now `due`.
    /// A waived liability stays waived whether it is voided or restored.
    pub fn between(held: Option<FeeStatus>, due: Option<i32>) -> Self {
        match (held, due) {
            (None, Some(amount)) => Self::Charge(amount),
            (Some(FeeStatus::Voided), Some(amount)) => Self::Restore(amount),
            (Some(FeeStatus::Owed | FeeStatus::Waived), None) => Self::Void,
            _ => Self::Keep,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttendanceStatus::{Absent, Apologies, Present};
    use chrono::TimeZone;

    const POLICY: FeePolicy = FeePolicy {
        fee_pence: 7500,
        notice_days: 7,
    };

    /// The session: 17 November 2021, 09:30 UTC.
    fn starts() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 11, 17, 9, 30, 0).unwrap()
    }

    fn days_before(days: i64) -> DateTime<Utc> {
        starts() - Duration::days(days)
    }

    #[test]
    fn absence_without_apologies_is_charged_the_project_s_fee() {
        assert_eq!(POLICY.for_attendance(Absent, None, starts()), Some(7500));
    }

    #[test]
    fn presence_and_accepted_apologies_are_never_charged() {
        for apologies_at in [None, Some(days_before(1)), Some(days_before(30))] {
            assert_eq!(POLICY.for_attendance(Present, None, starts()), None);
            assert_eq!(
                POLICY.for_attendance(Apologies, apologies_at, starts()),
                None
            );
        }
    }

    #[test]
    fn absence_with_apologies_is_charged_only_when_they_came_within_the_notice_period() {
        let charged = |at| POLICY.for_attendance(Absent, Some(at), starts());
        assert_eq!(charged(days_before(8)), None);
        assert_eq!(
            charged(days_before(7)),
            None,
            "exactly the notice is enough"
        );
        assert_eq!(
            charged(days_before(7) + Duration::seconds(1)),
            Some(7500),
            "a second late"
        );
        assert_eq!(charged(days_before(1)), Some(7500));
        assert_eq!(charged(starts() + Duration::hours(1)), Some(7500));
    }

    #[test]
    fn a_project_without_a_fee_charges_nothing() {
        let free = FeePolicy {
            fee_pence: 0,
            ..POLICY
        };
        assert_eq!(free.for_attendance(Absent, None, starts()), None);
        assert_eq!(free.for_withdrawal(days_before(1), Some(starts())), None);
    }

    #[test]
    fn without_notice_only_apologies_after_the_start_are_late() {
        let no_notice = FeePolicy {
            notice_days: 0,
            ..POLICY
        };
        let charged = |at| no_notice.for_attendance(Absent, Some(at), starts());
        assert_eq!(charged(starts() - Duration::minutes(1)), None);
        assert_eq!(charged(starts()), None);
        assert_eq!(charged(starts() + Duration::minutes(1)), Some(7500));
    }

    #[test]
    fn a_withdrawal_is_charged_when_the_next_session_starts_within_the_notice_period() {
        assert_eq!(
            POLICY.for_withdrawal(days_before(6), Some(starts())),
            Some(7500)
        );
        assert_eq!(POLICY.for_withdrawal(days_before(7), Some(starts())), None);
        assert_eq!(POLICY.for_withdrawal(days_before(30), Some(starts())), None);
        assert_eq!(
            POLICY.for_withdrawal(days_before(1), None),
            None,
            "no session ahead"
        );
    }

    #[test]
    fn the_ledger_follows_the_fee_due_without_charging_twice() {
        use FeeStatus::{Owed, Voided, Waived};
        assert_eq!(
            FeeChange::between(None, Some(7500)),
            FeeChange::Charge(7500)
        );
        assert_eq!(FeeChange::between(Some(Owed), Some(7500)), FeeChange::Keep);
        assert_eq!(
            FeeChange::between(Some(Waived), Some(7500)),
            FeeChange::Keep
        );
        assert_eq!(
            FeeChange::between(Some(Voided), Some(8000)),
            FeeChange::Restore(8000)
        );
        assert_eq!(FeeChange::between(Some(Owed), None), FeeChange::Void);
        assert_eq!(FeeChange::between(Some(Waived), None), FeeChange::Void);
        assert_eq!(FeeChange::between(Some(Voided), None), FeeChange::Keep);
        assert_eq!(FeeChange::between(None, None), FeeChange::Keep);
    }
}
