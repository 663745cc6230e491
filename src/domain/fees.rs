//! A project's fee policy, as pure rules. A school owes the project's non-attendance fee for
//! a session when its participant did not attend (`absent` or `apologies`, the word does not
//! matter) without apologies given in time, or withdraws when the next session is too close.
//! "In time" is counted in London calendar days: word given on or before the London date the
//! project's notice (`cancellation_notice_days`) before the session's London date, at any
//! hour of it, and never after the session began. So with 7 days' notice, for a session on
//! Wednesday 17 November, apologies or a withdrawal any time on Wednesday 10 November are in
//! time and from Thursday 11 November they are late, whatever the clocks did in between. A
//! project charging nothing (a fee of 0) never leaves a liability.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Europe::London;

use super::{AttendanceStatus, FeeStatus, ParseError};

/// An amount as people read it: "£25.00".
pub fn pounds(pence: i64) -> String {
    format!("£{}", decimal_pounds(pence))
}

/// An amount in pounds as a spreadsheet reads it: "25.00".
pub fn decimal_pounds(pence: i64) -> String {
    format!("{}.{:02}", pence / 100, pence % 100)
}

/// What a project charges, and the notice that spares a school the charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeePolicy {
    /// The fee per session, in pence.
    pub fee_pence: i32,
    /// London calendar days before a session's date that apologies or a withdrawal must come
    /// by to be free.
    pub notice_days: i32,
}

impl FeePolicy {
    /// The last London date on which word about a session starting at `starts_at` is in time.
    pub fn last_day_of_notice(&self, starts_at: DateTime<Utc>) -> NaiveDate {
        let session_day = starts_at.with_timezone(&London).date_naive();
        let notice = Days::new(u64::try_from(self.notice_days).unwrap_or(0));
        session_day
            .checked_sub_days(notice)
            .unwrap_or(NaiveDate::MIN)
    }

    /// Whether word given at `at` about a session starting at `starts_at` came in time: on or
    /// before the last day of notice, and not after the session began (which only a notice of
    /// 0 days leaves to check).
    pub fn in_time(&self, at: DateTime<Utc>, starts_at: DateTime<Utc>) -> bool {
        at <= starts_at
            && at.with_timezone(&London).date_naive() <= self.last_day_of_notice(starts_at)
    }

    fn charge(&self, due: bool) -> Option<i32> {
        (due && self.fee_pence > 0).then_some(self.fee_pence)
    }

    /// The fee a recorded attendance leaves owing: a participant who did not attend owes it
    /// unless apologies came in time, whether the register says `absent` or `apologies`.
    pub fn for_attendance(
        &self,
        status: AttendanceStatus,
        apologies_at: Option<DateTime<Utc>>,
        session_starts_at: DateTime<Utc>,
    ) -> Option<i32> {
        let due = status != AttendanceStatus::Present
            && !apologies_at.is_some_and(|at| self.in_time(at, session_starts_at));
        self.charge(due)
    }

    /// The fee a withdrawal at `at` leaves owing: charged when it is too late for the next
    /// session (the first starting after `at`; `None` when none is ahead).
    pub fn for_withdrawal(
        &self,
        at: DateTime<Utc>,
        next_session_starts_at: Option<DateTime<Utc>>,
    ) -> Option<i32> {
        self.charge(next_session_starts_at.is_some_and(|starts_at| !self.in_time(at, starts_at)))
    }
}

/// What a register line says of apologies must fit its status: `present` has none, and
/// `apologies` says when they came, since the fee follows that time (`absent` may say it too).
pub fn check_apologies(
    status: AttendanceStatus,
    apologies_at: Option<DateTime<Utc>>,
) -> Result<(), ParseError> {
    match (status, apologies_at) {
        (AttendanceStatus::Present, Some(_)) => {
            Err(ParseError("is only for absent or apologies".into()))
        }
        (AttendanceStatus::Apologies, None) => Err(ParseError(
            "is required with apologies: the fee follows when they came".into(),
        )),
        _ => Ok(()),
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
    /// A waived or paid liability stays so whether it is voided or restored.
    pub fn between(held: Option<FeeStatus>, due: Option<i32>) -> Self {
        match (held, due) {
            (None, Some(amount)) => Self::Charge(amount),
            (Some(FeeStatus::Voided), Some(amount)) => Self::Restore(amount),
            (Some(FeeStatus::Owed | FeeStatus::Waived | FeeStatus::Paid), None) => Self::Void,
            _ => Self::Keep,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttendanceStatus::{Absent, Apologies, Present};
    use chrono::{Duration, TimeZone};

    const POLICY: FeePolicy = FeePolicy {
        fee_pence: 7500,
        notice_days: 7,
    };

    /// An instant given in London's wall-clock time.
    fn london(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        London
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("a London time that happens once")
            .with_timezone(&Utc)
    }

    /// The session: Wednesday 17 November 2021, 09:30 London time (GMT).
    fn starts() -> DateTime<Utc> {
        london(2021, 11, 17, 9, 30)
    }

    #[test]
    fn the_last_day_of_notice_is_the_notice_in_london_days_before_the_session_s_date() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(POLICY.last_day_of_notice(starts()), day(2021, 11, 10));
        // 00:30 on 1 June in London is still 31 May in UTC: the London date counts.
        assert_eq!(
            POLICY.last_day_of_notice(london(2022, 6, 1, 0, 30)),
            day(2022, 5, 25)
        );
    }

    #[test]
    fn absence_without_apologies_is_charged_the_project_s_fee() {
        assert_eq!(POLICY.for_attendance(Absent, None, starts()), Some(7500));
    }

    #[test]
    fn presence_is_never_charged() {
        assert_eq!(POLICY.for_attendance(Present, None, starts()), None);
    }

    #[test]
    fn apologies_in_time_are_free_and_late_ones_charged_whichever_word_is_recorded() {
        for status in [Absent, Apologies] {
            let charged = |at| POLICY.for_attendance(status, Some(at), starts());
            assert_eq!(charged(london(2021, 11, 1, 12, 0)), None, "{status:?}");
            assert_eq!(
                charged(london(2021, 11, 16, 12, 0)),
                Some(7500),
                "{status:?}"
            );
        }
    }

    #[test]
    fn any_hour_of_the_last_day_of_notice_is_in_time_and_the_next_day_is_late() {
        let charged = |at| POLICY.for_attendance(Absent, Some(at), starts());
        assert_eq!(charged(london(2021, 11, 10, 0, 0)), None);
        assert_eq!(
            charged(london(2021, 11, 10, 9, 30)),
            None,
            "exactly 168 hours"
        );
        assert_eq!(
            charged(london(2021, 11, 10, 23, 59)),
            None,
            "less than 168 hours, on the last day"
        );
        assert_eq!(charged(london(2021, 11, 11, 0, 0)), Some(7500));
        assert_eq!(charged(starts() + Duration::hours(1)), Some(7500));
    }

    #[test]
    fn notice_across_the_spring_clock_change_counts_london_days() {
        // Clocks went forward on 27 March 2022: 09:30 on the 22nd (GMT) to 09:30 on the 29th
        // (BST) is 167 hours, a full London week.
        let session = london(2022, 3, 29, 9, 30);
        let charged = |at| POLICY.for_attendance(Apologies, Some(at), session);
        assert_eq!(session - london(2022, 3, 22, 9, 30), Duration::hours(167));
        assert_eq!(charged(london(2022, 3, 22, 9, 30)), None);
        assert_eq!(charged(london(2022, 3, 22, 23, 59)), None);
        assert_eq!(charged(london(2022, 3, 23, 0, 0)), Some(7500));
        assert_eq!(
            POLICY.for_withdrawal(london(2022, 3, 22, 9, 30), Some(session)),
            None
        );
        assert_eq!(
            POLICY.for_withdrawal(london(2022, 3, 23, 0, 0), Some(session)),
            Some(7500)
        );
    }

    #[test]
    fn notice_across_the_autumn_clock_change_counts_london_days() {
        // Clocks went back on 30 October 2022: 09:30 on the 25th (BST) to 09:30 on 1 November
        // (GMT) is 169 hours. 00:30 on the 26th in London is still the 25th in UTC.
        let session = london(2022, 11, 1, 9, 30);
        let charged = |at| POLICY.for_attendance(Absent, Some(at), session);
        assert_eq!(session - london(2022, 10, 25, 9, 30), Duration::hours(169));
        assert_eq!(charged(london(2022, 10, 25, 9, 30)), None);
        assert_eq!(charged(london(2022, 10, 25, 23, 59)), None);
        assert_eq!(charged(london(2022, 10, 26, 0, 30)), Some(7500));
        assert_eq!(
            POLICY.for_withdrawal(london(2022, 10, 25, 23, 59), Some(session)),
            None
        );
        assert_eq!(
            POLICY.for_withdrawal(london(2022, 10, 26, 0, 30), Some(session)),
            Some(7500)
        );
    }

    #[test]
    fn a_project_without_a_fee_charges_nothing() {
        let free = FeePolicy {
            fee_pence: 0,
            ..POLICY
        };
        assert_eq!(free.for_attendance(Absent, None, starts()), None);
        assert_eq!(
            free.for_attendance(Apologies, Some(starts()), starts()),
            None
        );
        assert_eq!(
            free.for_withdrawal(starts() - Duration::days(1), Some(starts())),
            None
        );
    }

    #[test]
    fn without_notice_only_word_after_the_start_is_late() {
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
    fn a_withdrawal_is_charged_from_the_day_after_the_last_day_of_notice() {
        let withdrawal = |at| POLICY.for_withdrawal(at, Some(starts()));
        assert_eq!(withdrawal(london(2021, 11, 1, 12, 0)), None);
        assert_eq!(withdrawal(london(2021, 11, 10, 23, 59)), None);
        assert_eq!(withdrawal(london(2021, 11, 11, 0, 0)), Some(7500));
        assert_eq!(withdrawal(london(2021, 11, 16, 12, 0)), Some(7500));
        assert_eq!(
            POLICY.for_withdrawal(london(2021, 11, 16, 12, 0), None),
            None,
            "no session ahead"
        );
    }

    #[test]
    fn a_register_line_s_apologies_fit_its_status() {
        let at = Some(london(2021, 11, 1, 12, 0));
        assert!(check_apologies(Present, None).is_ok());
        assert!(check_apologies(Present, at).is_err());
        assert!(check_apologies(Absent, None).is_ok());
        assert!(check_apologies(Absent, at).is_ok());
        assert!(check_apologies(Apologies, at).is_ok());
        let missing = check_apologies(Apologies, None).unwrap_err();
        assert!(missing.0.contains("required with apologies"), "{missing:?}");
    }

    #[test]
    fn the_ledger_follows_the_fee_due_without_charging_twice() {
        use FeeStatus::{Owed, Paid, Voided, Waived};
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
        assert_eq!(FeeChange::between(Some(Paid), Some(7500)), FeeChange::Keep);
        assert_eq!(FeeChange::between(Some(Paid), None), FeeChange::Void);
        assert_eq!(FeeChange::between(Some(Voided), None), FeeChange::Keep);
        assert_eq!(FeeChange::between(None, None), FeeChange::Keep);
    }
}
