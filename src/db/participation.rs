//! Where an enrolment stands against its project's participation rule: the sessions it was
//! present at, the sessions of its group, and the project's share. Completing a group and
//! the reach report both read it with these columns and judge it with
//! `domain::participation`, so "completed a project" and "participates" count alike.

use diesel::QueryableByName;
use diesel::sql_types::{Integer, Nullable, SmallInt};

use crate::domain::participation::ParticipationRule;

/// The select-list columns of a `Standing`, for an enrolment `e` of the work group `w` of the
/// project `p`. `present_count` is kept by a trigger on attendance.
pub const STANDING_COLUMNS: &str = "e.present_count AS present, w.session_count AS sessions, p.participation_min_percent AS min_percent";

#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct Standing {
    /// Sessions the enrolment was recorded present at.
    #[diesel(sql_type = Integer)]
    pub present: i32,
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
        .is_met(i64::from(self.present), i64::from(self.sessions))
    }
}
