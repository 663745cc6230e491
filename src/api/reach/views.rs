//! What the reach report answers (`api::reach::read`), as JSON views: the counting rules in
//! words, and per hub the counts split by local authority, school phase, project and
//! referring Teaching School Hub. The table for spreadsheets (`api::reach::table`) is made
//! from the same views.

use serde::Serialize;
use utoipa::ToSchema;

use crate::api::refs::{HubRef, LocalAuthorityRef, ProjectRef, TeachingSchoolHubRef};
use crate::domain::SchoolPhase;
use crate::domain::reach::Counts;

/// The counting rules, as every answer states them.
pub const RULES: CountingRules = CountingRules {
    signed_up: "A school has signed up when an enrolment from it in a work group of the academic \
year was accepted at some point: enrolments accepted and later withdrawn or completed still count, \
whatever became of the group; enrolments only ever pending, waitlisted or declined, or withdrawn \
before they were accepted, do not.",
    participating: "A school participates when a participant from it whose enrolment was accepted \
(as for signing up) was recorded present at no less than the project's share of the group's \
sessions (participation_min_percent of all the group's sessions, shown per project), or at one \
session at least where the project sets no share. It is the rule that marks enrolments completed \
when a group completes, applied to the attendance recorded so far.",
    participants: "Participants are people: signed up when an enrolment of theirs was accepted, \
participating when their own attendance meets the rule, each counted once per row however many \
enrolments they have.",
    local_authority: "A school counts under its education authority, the kind a Maths Hub covers: \
a school in a district counts under its county. Schools from authorities a hub does not cover \
that took part in its work groups appear too, without a share reached.",
    share_reached: "For each authority a hub covers now: open_schools is the authority's open \
schools (for a partner, those of its area), open_schools_signed_up those of them signed up, and \
reach_percent the second over the first in percent, rounded half up to one decimal place; null \
without open schools.",
    totals: "Each row counts a school or a person once. A school in two projects counts in each \
project's row, so the rows of a split may add up to more than the hub's total; the totals across \
hubs count a school or a person engaged with two hubs once.",
};

/// The counting rules the report used, in words, so hubs and Teaching School Hubs count
/// alike.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct CountingRules {
    pub signed_up: &'static str,
    pub participating: &'static str,
    pub participants: &'static str,
    pub local_authority: &'static str,
    pub share_reached: &'static str,
    pub totals: &'static str,
}

/// Schools and people engaged: signed up, and of them participating.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReachCounts {
    #[schema(format = Int64)]
    pub schools_signed_up: usize,
    #[schema(format = Int64)]
    pub schools_participating: usize,
    #[schema(format = Int64)]
    pub participants_signed_up: usize,
    #[schema(format = Int64)]
    pub participants_participating: usize,
}

impl From<Counts> for ReachCounts {
    fn from(counts: Counts) -> Self {
        Self {
            schools_signed_up: counts.schools_signed_up,
            schools_participating: counts.schools_participating,
            participants_signed_up: counts.participants_signed_up,
            participants_participating: counts.participants_participating,
        }
    }
}

/// The schools of one education authority.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LocalAuthorityReach {
    pub local_authority: LocalAuthorityRef,
    #[serde(flatten)]
    pub counts: ReachCounts,
    /// The authority's open schools (for a partner, those of its area); `null` where the hub
    /// does not cover the authority.
    #[schema(format = Int64)]
    pub open_schools: Option<usize>,
    /// Of those open schools, the ones signed up; `null` where the hub does not cover it.
    #[schema(format = Int64)]
    pub open_schools_signed_up: Option<usize>,
    /// `open_schools_signed_up` ÷ `open_schools` in percent, rounded half up to one decimal
    /// place; `null` without open schools or cover.
    #[schema(example = 12.5)]
    pub reach_percent: Option<f64>,
}

/// The schools of one phase (as Get Information about Schools names it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchoolPhaseReach {
    pub school_phase: SchoolPhase,
    #[serde(flatten)]
    pub counts: ReachCounts,
}

/// One project the hub's work groups of the year deliver.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectReach {
    pub project: ProjectRef,
    /// The project's share of sessions to be present at to participate; `null`: one session.
    pub participation_min_percent: Option<i16>,
    #[serde(flatten)]
    pub counts: ReachCounts,
}

/// The enrolments one Teaching School Hub referred, or none did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferrerReach {
    /// The referring Teaching School Hub; `null` for enrolments no Teaching School Hub
    /// referred.
    pub referred_by: Option<TeachingSchoolHubRef>,
    #[serde(flatten)]
    pub counts: ReachCounts,
}

/// One hub's reach in the year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HubReach {
    pub hub: HubRef,
    pub totals: ReachCounts,
    /// Every authority the hub covers, and any other its schools came from, by GSS code.
    pub by_local_authority: Vec<LocalAuthorityReach>,
    /// The phases of the schools engaged, in GIAS order.
    pub by_school_phase: Vec<SchoolPhaseReach>,
    /// Every project the hub's work groups of the year deliver, by code.
    pub by_project: Vec<ProjectReach>,
    /// The referring Teaching School Hubs by slug, then enrolments none referred.
    pub by_referrer: Vec<ReferrerReach>,
}

/// Which work the report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// Every hub (national admins).
    National,
    /// One hub's work groups (its managers, or admins naming it).
    Hub,
    /// The work groups the caller leads (leads).
    LedWorkGroups,
    /// The schools of a Teaching School Hub's area (partners), counts only.
    PartnerArea,
}

/// What the report covers, in words and by key.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportScopeView {
    pub kind: ScopeKind,
    #[schema(example = "The work groups of London Central and West Maths Hub in 2021/22.")]
    pub description: String,
    /// The Teaching School Hub whose area is counted (partners).
    pub teaching_school_hub: Option<TeachingSchoolHubRef>,
    /// The codes of the work groups counted (leads).
    pub work_groups: Option<Vec<String>>,
}

/// The reach report of one academic year.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "academic_year": "2021/22",
    "scope": {"kind": "hub", "description": "The work groups of London Central and West Maths Hub in 2021/22.",
              "teaching_school_hub": null, "work_groups": null},
    "rules": {"signed_up": "A school has signed up when an enrolment from it … was accepted at some point: …",
              "participating": "A school participates when a participant from it … was recorded present at no less than the project's share of the group's sessions …",
              "participants": "Participants are people: …", "local_authority": "A school counts under its education authority: …",
              "share_reached": "For each authority a hub covers now: …", "totals": "Each row counts a school or a person once. …"},
    "hubs": [{
        "hub": {"slug": "london-central-and-west", "name": "London Central and West Maths Hub"},
        "totals": {"schools_signed_up": 3, "schools_participating": 2, "participants_signed_up": 4, "participants_participating": 2},
        "by_local_authority": [
            {"local_authority": {"gss_code": "E09000009", "name": "Ealing"},
             "schools_signed_up": 2, "schools_participating": 2, "participants_signed_up": 3, "participants_participating": 2,
             "open_schools": 16, "open_schools_signed_up": 2, "reach_percent": 12.5},
            {"local_authority": {"gss_code": "E09000013", "name": "Hammersmith and Fulham"},
             "schools_signed_up": 0, "schools_participating": 0, "participants_signed_up": 0, "participants_participating": 0,
             "open_schools": 12, "open_schools_signed_up": 0, "reach_percent": 0.0},
            {"local_authority": {"gss_code": "E10000013", "name": "Gloucestershire"},
             "schools_signed_up": 1, "schools_participating": 0, "participants_signed_up": 1, "participants_participating": 0,
             "open_schools": null, "open_schools_signed_up": null, "reach_percent": null}
        ],
        "by_school_phase": [
            {"school_phase": "secondary", "schools_signed_up": 3, "schools_participating": 2, "participants_signed_up": 4, "participants_participating": 2}
        ],
        "by_project": [
            {"project": {"code": "NCP21-15", "title": "Secondary Subject Leadership"}, "participation_min_percent": null,
             "schools_signed_up": 3, "schools_participating": 2, "participants_signed_up": 4, "participants_participating": 2}
        ],
        "by_referrer": [
            {"referred_by": {"slug": "london-district-east", "name": "London District East Teaching School Hub"},
             "schools_signed_up": 1, "schools_participating": 1, "participants_signed_up": 1, "participants_participating": 1},
            {"referred_by": null,
             "schools_signed_up": 2, "schools_participating": 1, "participants_signed_up": 3, "participants_participating": 1}
        ]
    }],
    "totals": {"schools_signed_up": 3, "schools_participating": 2, "participants_signed_up": 4, "participants_participating": 2}
}))]
pub struct ReachReport {
    #[schema(example = "2021/22")]
    pub academic_year: String,
    pub scope: ReportScopeView,
    pub rules: CountingRules,
    /// The hubs in scope, by slug; each with zeros where nothing was counted.
    pub hubs: Vec<HubReach>,
    /// Across the hubs shown, each school and person once.
    pub totals: ReachCounts,
}
