//! A school's agreement to release a teacher: taking part in a work group means a year of
//! sessions away from the classroom, so a senior leader of the school agrees to it, and the
//! enrolment records who (by name and role at the school) and when it was recorded.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::LondonTime;

/// Who at the school agreed to release the participant for the work group's sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Grace Adeyemi", "role": "Deputy Headteacher",
    "agreed_at": "2026-09-14T16:20:00+01:00"
}))]
pub struct SeniorLeaderAgreement {
    /// The senior leader's name.
    pub name: String,
    /// Their role at the school.
    pub role: String,
    /// When the agreement was recorded.
    pub agreed_at: LondonTime,
}

impl SeniorLeaderAgreement {
    /// The agreement the columns hold: all three or none (as the table's constraint keeps
    /// them).
    pub fn from_columns(
        name: Option<String>,
        role: Option<String>,
        agreed_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Option<Self> {
        Some(Self {
            name: name?,
            role: role?,
            agreed_at: LondonTime(agreed_at?),
        })
    }
}
