//! The service's retention schedule: how long each kind of personal data is kept before the
//! clock pseudonymises or deletes it (`db::retention`). `docs/retention.md` states the same
//! schedule for people; the defaults are its periods.

/// How long personal data is kept, each period a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPeriods {
    /// Enrolments and their attendance are pseudonymised this many years after their
    /// academic year ends (31 August), unless they have fees.
    pub participation_years: u16,
    /// Enrolments with fees are pseudonymised this many years after their academic year
    /// ends: the fee ledger names the person for as long as financial records are kept.
    pub fee_years: u16,
    /// Audit entries are deleted this many years after they were made.
    pub audit_years: u16,
    /// Messages delivered, suppressed or dead are deleted this many days after they finished.
    pub message_days: u32,
    /// Password links are deleted this many days after they expired.
    pub password_link_days: u32,
    /// Sign-ins (refresh tokens) are deleted this many days after they expired.
    pub sign_in_days: u32,
    /// Accounts disabled this many years ago are erased, when nothing still holds them (no
    /// place in an unfinished group, no fee neither waived nor voided).
    pub disabled_account_years: u16,
}

impl Default for RetentionPeriods {
    fn default() -> Self {
        Self {
            participation_years: 3,
            fee_years: 6,
            audit_years: 6,
            message_days: 365,
            password_link_days: 30,
            sign_in_days: 1,
            disabled_account_years: 2,
        }
    }
}
