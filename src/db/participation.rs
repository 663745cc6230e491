//! Where an enrolment stands against its project's participation rule: the sessions it was
//! present at, the sessions of its group, and the project's share. Completing a group and
//! the reach report both read it with these columns and judge it with
//! `domain::participation`, so "completed a project" and "participates" count alike.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Integer, Nullable, SmallInt};

use crate::domain::participation::ParticipationRule;

/// The select-list columns of a `Standing`, for an enrolment `e` of the work group `w` of the
/// project `p`. Counted per enrolment from `attendance_present_idx`.
pub const STANDING_COLUMNS: &str = "\
(SELECT count(*) FROM attendance a WHERE a.enrolment_id = e.id AND a.status = 'present') AS present,
w.session_count AS sessions, p.participation_min_percent AS min_percent";

#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct Standing {
    /// Sessions the enrolment was recorded present at.
    #[diesel(sql_type = BigInt)]
    pub present: i64,
    /// Sessions of its work group.
    #[diesel(sql_type = Integer)]
    pub sessions: i32,
    /// The project's `participation_min_percent`.
    #[diesel(sql_type = Nullable<SmallInt>)]
    pub min_percent: Option<i16>,
}

impl Standing {
    /// Whether the attendance meets the project's participation rule.
    pub fn participates(&self) -> bool {
        ParticipationRule {
            min_percent: self.min_percent,
        }
        .is_met(self.present, i64::from(self.sessions))
    }
}
