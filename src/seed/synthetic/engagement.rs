//! The synthetic data's engagement, for the reach report to count: Teaching School Hubs over
//! the districts and unitary authorities, teachers of the schools, their enrolments in the
//! work groups and the attendance of the groups that have met.
//!
//! Enrolments are left as the enrolment engine leaves them: as many places held as each
//! group counts (`accepted_count`, so never above capacity), waiting lists numbered from 1 in
//! full groups, expressions of interest pending in open groups under review, some declined,
//! some withdrawn before or after acceptance; most from schools of the hub's area, a third
//! of those from a Teaching School Hub's area referred by it. Groups running have met for
//! half their sessions and completed groups for all; in completed groups, places whose
//! attendance meets the project's rule are `completed`, as completion would mark them.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use diesel::Insertable;
use rand::RngExt;
use rand::rngs::StdRng;
use uuid::Uuid;

use super::{Ids, NewSession, NewWorkGroup, Plan, padded, stream, weighted};
use crate::db::schema::{
    attendance, enrolments, teaching_school_hub_areas, teaching_school_hubs, users,
};
use crate::domain::participation::ParticipationRule;
use crate::domain::{
    Admission, AttendanceStatus, EnrolmentStatus, LaKind, RoleInSchool, WorkGroupStatus,
};
use crate::seed::reference::LocalAuthorityRecord;

/// Teaching School Hubs in England.
const TEACHING_SCHOOL_HUBS: usize = 87;
/// Teachers of one school who may take part, at most.
const TEACHERS_PER_SCHOOL: usize = 3;
/// How often a group's place or expression of interest comes from the hub's own area.
const FROM_OWN_AREA: f64 = 0.9;
/// How often a school in a Teaching School Hub's area came through its signposting.
const REFERRED: f64 = 0.35;

/// Table numbers of the streams and ids, after those of `super::table`.
mod table {
    pub const TEACHING_SCHOOL_HUBS: u64 = 7;
    pub const PARTICIPANTS: u64 = 8;
    pub const ENROLMENTS: u64 = 9;
    pub const ATTENDANCE: u64 = 10;
}

#[derive(Debug, Insertable)]
#[diesel(table_name = teaching_school_hubs)]
pub(super) struct NewTeachingSchoolHub {
    id: Uuid,
    slug: String,
    name: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = teaching_school_hub_areas)]
pub(super) struct NewArea {
    teaching_school_hub_id: Uuid,
    la_code: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub(super) struct NewParticipant {
    id: Uuid,
    email: String,
    name: String,
    role: &'static str,
    school_urn: String,
    role_in_school: RoleInSchool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = enrolments)]
pub(super) struct NewEnrolment {
    id: Uuid,
    work_group_id: Uuid,
    participant_id: Uuid,
    school_urn: String,
    role_in_school: RoleInSchool,
    referred_by_id: Option<Uuid>,
    pub(super) status: EnrolmentStatus,
    waitlist_position: Option<i32>,
    accepted_at: Option<DateTime<Utc>>,
    withdrawn_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = attendance)]
pub(super) struct NewAttendance {
    session_id: Uuid,
    enrolment_id: Uuid,
    status: AttendanceStatus,
}

/// The engagement rows, in insertion order.
#[derive(Debug, Default)]
pub(super) struct Engagement {
    pub(super) teaching_school_hubs: Vec<NewTeachingSchoolHub>,
    pub(super) areas: Vec<NewArea>,
    pub(super) participants: Vec<NewParticipant>,
    pub(super) enrolments: Vec<NewEnrolment>,
    pub(super) attendance: Vec<NewAttendance>,
}

/// What becomes of one enrolment before attendance is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Holds a place: accepted, or completed once its group completes and the rule is met.
    Place,
    /// Accepted, then withdrew after the sessions it attended.
    WithdrawnAfterAcceptance,
    /// At the end of the waiting list.
    Waitlisted,
    Pending,
    Declined,
    WithdrawnBeforeAcceptance,
}

/// Where enrolments come from: the schools of each hub's area, and each school's Teaching
/// School Hub.
struct Catchment {
    schools_of_hub: HashMap<Uuid, Vec<usize>>,
    teaching_school_hub_of_school: Vec<Option<Uuid>>,
}

impl Engagement {
    /// The engagement of the planned schools and work groups. A group whose places cannot
    /// all be filled (too few schools for its capacity) counts the places it got.
    pub(super) fn plan(plan: &mut Plan, authorities: &[LocalAuthorityRecord]) -> Self {
        let mut engagement = Self::default();
        let tsh_of_authority = engagement.add_teaching_school_hubs(authorities);
        let catchment = Catchment::new(plan, &tsh_of_authority);
        let Plan {
            schools,
            projects,
            work_groups,
            sessions,
            ..
        } = plan;
        let mut sessions_of: HashMap<Uuid, Vec<&NewSession>> = HashMap::new();
        for session in sessions.iter() {
            sessions_of
                .entry(session.work_group_id)
                .or_default()
                .push(session);
        }
        let rule_of: HashMap<Uuid, ParticipationRule> = projects
            .iter()
            .map(|project| {
                let rule = ParticipationRule {
                    min_percent: project.participation_min_percent,
                };
                (project.id, rule)
            })
            .collect();
        let mut people = People::new();
        let mut rng = stream(table::ENROLMENTS);
        let mut attendance_rng = stream(table::ATTENDANCE);
        let mut ids = Ids::new(table::ENROLMENTS);
        for group in work_groups.iter_mut() {
            let sessions = sessions_of.get(&group.id).map_or(&[][..], Vec::as_slice);
            let mut taken = HashSet::new();
            let (mut places, mut waiting) = (0, 0);
            for fate in fates(&mut rng, group) {
                let Some((school, teacher)) =
                    catchment.pick(&mut rng, group.hub_id, &mut taken, schools.len())
                else {
                    continue;
                };
                let urn = &schools[school].urn;
                let (participant_id, role_in_school) =
                    people.teacher(&mut engagement.participants, &mut rng, urn, school, teacher);
                let referred_by_id = catchment.teaching_school_hub_of_school[school]
                    .filter(|_| rng.random_bool(REFERRED));
                let id = ids.next();
                let held = held_sessions(group, sessions.len());
                let attended = match fate {
                    Fate::Place => held,
                    // Withdrawn before a session the group went on to hold, if it met.
                    Fate::WithdrawnAfterAcceptance => rng.random_range(0..held.max(1)),
                    _ => 0,
                };
                let mut present = 0;
                for session in &sessions[..attended] {
                    let status = weighted(
                        &mut attendance_rng,
                        &[
                            (AttendanceStatus::Present, 80),
                            (AttendanceStatus::Absent, 12),
                            (AttendanceStatus::Apologies, 8),
                        ],
                    );
                    present += i64::from(status == AttendanceStatus::Present);
                    engagement.attendance.push(NewAttendance {
                        session_id: session.id,
                        enrolment_id: id,
                        status,
                    });
                }
                let meets_rule = rule_of
                    .get(&group.project_id)
                    .is_some_and(|rule| rule.is_met(present, sessions.len() as i64));
                let deadline = group.eoi_deadline.unwrap_or_default();
                let created_at = deadline - Duration::days(rng.random_range(2..60));
                let decided_at = created_at + Duration::days(1);
                let (status, waitlist_position) = match fate {
                    Fate::Place => {
                        places += 1;
                        let completed = group.status == WorkGroupStatus::Completed && meets_rule;
                        let status = if completed {
                            EnrolmentStatus::Completed
                        } else {
                            EnrolmentStatus::Accepted
                        };
                        (status, None)
                    }
                    Fate::WithdrawnAfterAcceptance | Fate::WithdrawnBeforeAcceptance => {
                        (EnrolmentStatus::Withdrawn, None)
                    }
                    Fate::Waitlisted => {
                        waiting += 1;
                        (EnrolmentStatus::Waitlisted, Some(waiting))
                    }
                    Fate::Pending => (EnrolmentStatus::Pending, None),
                    Fate::Declined => (EnrolmentStatus::Declined, None),
                };
                let accepted = matches!(fate, Fate::Place | Fate::WithdrawnAfterAcceptance);
                let withdrawn_at = match fate {
                    Fate::WithdrawnAfterAcceptance => {
                        let before_next = sessions
                            .get(attended)
                            .map(|next| next.starts_at - Duration::days(3));
                        Some(
                            before_next.map_or(decided_at, |at| at.max(decided_at))
                                + Duration::days(1),
                        )
                    }
                    Fate::WithdrawnBeforeAcceptance => Some(decided_at),
                    _ => None,
                };
                engagement.enrolments.push(NewEnrolment {
                    id,
                    work_group_id: group.id,
                    participant_id,
                    school_urn: urn.clone(),
                    role_in_school,
                    referred_by_id,
                    status,
                    waitlist_position,
                    accepted_at: accepted.then_some(decided_at),
                    withdrawn_at,
                    created_at,
                });
            }
            group.accepted_count = places;
        }
        engagement
    }

    /// Teaching School Hubs over contiguous runs of the districts and unitary authorities
    /// (every authority but the counties) in (region, code) order; returns each authority's.
    fn add_teaching_school_hubs(
        &mut self,
        authorities: &[LocalAuthorityRecord],
    ) -> HashMap<String, Uuid> {
        let mut drawn_on: Vec<&LocalAuthorityRecord> = authorities
            .iter()
            .filter(|la| la.kind != LaKind::County)
            .collect();
        drawn_on.sort_by(|a, b| (&a.region, &a.gss_code).cmp(&(&b.region, &b.gss_code)));
        let count = TEACHING_SCHOOL_HUBS.min(drawn_on.len());
        let mut ids = Ids::new(table::TEACHING_SCHOOL_HUBS);
        let mut of_authority = HashMap::new();
        for t in 0..count {
            let id = ids.next();
            let number = padded(t + 1, 2, count);
            self.teaching_school_hubs.push(NewTeachingSchoolHub {
                id,
                slug: format!("synthetic-tsh-{number}"),
                name: format!("Synthetic Teaching School Hub {number}"),
            });
            let area = &drawn_on[t * drawn_on.len() / count..(t + 1) * drawn_on.len() / count];
            for la in area {
                self.areas.push(NewArea {
                    teaching_school_hub_id: id,
                    la_code: la.gss_code.clone(),
                });
                of_authority.insert(la.gss_code.clone(), id);
            }
        }
        of_authority
    }
}

/// The enrolments a group gets, as its status and places imply.
fn fates(rng: &mut StdRng, group: &NewWorkGroup) -> Vec<Fate> {
    let places = usize::try_from(group.accepted_count).unwrap_or_default();
    let mut fates = vec![Fate::Place; places];
    let met = matches!(
        group.status,
        WorkGroupStatus::Running | WorkGroupStatus::Completed
    );
    if met {
        fates.extend(
            (0..places / 10 + rng.random_range(0..=1)).map(|_| Fate::WithdrawnAfterAcceptance),
        );
    }
    match group.status {
        WorkGroupStatus::Full => {
            fates.extend((0..rng.random_range(0..=5)).map(|_| Fate::Waitlisted));
        }
        WorkGroupStatus::Open if group.admission == Admission::Review => {
            fates.extend((0..rng.random_range(0..=3)).map(|_| Fate::Pending));
        }
        _ => {}
    }
    if group.status != WorkGroupStatus::Cancelled {
        fates.extend((0..rng.random_range(0..=2)).map(|_| Fate::Declined));
        if rng.random_bool(0.3) {
            fates.push(Fate::WithdrawnBeforeAcceptance);
        }
    }
    fates
}

/// The sessions a group has met for: all once completed, the first half while running.
fn held_sessions(group: &NewWorkGroup, sessions: usize) -> usize {
    match group.status {
        WorkGroupStatus::Completed => sessions,
        WorkGroupStatus::Running => sessions.div_ceil(2),
        _ => 0,
    }
}

impl Catchment {
    fn new(plan: &Plan, tsh_of_authority: &HashMap<String, Uuid>) -> Self {
        let hub_of_authority: HashMap<&str, Uuid> = plan
            .coverage
            .iter()
            .map(|cover| (cover.la_code.as_str(), cover.hub_id))
            .collect();
        let mut schools_of_hub: HashMap<Uuid, Vec<usize>> = HashMap::new();
        for (index, school) in plan.schools.iter().enumerate() {
            if let Some(hub) = hub_of_authority.get(school.la_code.as_str()) {
                schools_of_hub.entry(*hub).or_default().push(index);
            }
        }
        // A school is in the area drawn on its district, or on its authority if it has none.
        let teaching_school_hub_of_school = plan
            .schools
            .iter()
            .map(|school| {
                let home = school.district_code.as_ref().unwrap_or(&school.la_code);
                tsh_of_authority.get(home).copied()
            })
            .collect();
        Self {
            schools_of_hub,
            teaching_school_hub_of_school,
        }
    }

    /// A teacher (school index, teacher number) not yet enrolled in this group, mostly of a
    /// school in the hub's area; `None` only when every teacher of every school is.
    fn pick(
        &self,
        rng: &mut StdRng,
        hub_id: Uuid,
        taken: &mut HashSet<(usize, usize)>,
        all_schools: usize,
    ) -> Option<(usize, usize)> {
        if all_schools == 0 {
            return None;
        }
        let own = self
            .schools_of_hub
            .get(&hub_id)
            .filter(|own| !own.is_empty());
        for _ in 0..20 {
            let school = match own {
                Some(own) if rng.random_bool(FROM_OWN_AREA) => own[rng.random_range(0..own.len())],
                _ => rng.random_range(0..all_schools),
            };
            let teacher = (school, rng.random_range(0..TEACHERS_PER_SCHOOL));
            if taken.insert(teacher) {
                return Some(teacher);
            }
        }
        // Crowded: the first free teacher of any school.
        let free = (0..all_schools)
            .flat_map(|school| (0..TEACHERS_PER_SCHOOL).map(move |teacher| (school, teacher)))
            .find(|teacher| !taken.contains(teacher))?;
        taken.insert(free);
        Some(free)
    }
}

/// The teachers who took part, made when first needed.
struct People {
    known: HashMap<(usize, usize), (Uuid, RoleInSchool)>,
    ids: Ids,
}

impl People {
    fn new() -> Self {
        Self {
            known: HashMap::new(),
            ids: Ids::new(table::PARTICIPANTS),
        }
    }

    fn teacher(
        &mut self,
        participants: &mut Vec<NewParticipant>,
        rng: &mut StdRng,
        urn: &str,
        school: usize,
        teacher: usize,
    ) -> (Uuid, RoleInSchool) {
        if let Some(known) = self.known.get(&(school, teacher)) {
            return *known;
        }
        let id = self.ids.next();
        let role_in_school = weighted(
            rng,
            &[
                (RoleInSchool::Teacher, 45),
                (RoleInSchool::MathsLead, 25),
                (RoleInSchool::HeadOfDepartment, 15),
                (RoleInSchool::SeniorLeader, 10),
                (RoleInSchool::EarlyYearsPractitioner, 5),
            ],
        );
        participants.push(NewParticipant {
            id,
            email: format!("teacher.{urn}.{}@synthetic.invalid", teacher + 1),
            name: format!("Synthetic Teacher {urn}-{}", teacher + 1),
            role: "participant",
            school_urn: urn.to_owned(),
            role_in_school,
        });
        self.known.insert((school, teacher), (id, role_in_school));
        (id, role_in_school)
    }
}

#[cfg(test)]
mod tests {
    use super::super::SyntheticSizes;
    use super::*;
    use crate::seed::reference;

    fn plan(schools: u32) -> Plan {
        let sizes = SyntheticSizes {
            hubs: 7,
            schools,
            academic_years: 2,
            work_groups_per_year: 60,
            sessions_per_group: 4,
        };
        let authorities = reference::england_local_authorities().expect("the embedded CSV");
        Plan::new(&sizes, &authorities).expect("a plan")
    }

    #[test]
    fn places_match_each_group_s_count_and_waiting_lists_run_from_one() {
        for plan in [plan(600), plan(20)] {
            for group in &plan.work_groups {
                let of_group: Vec<&NewEnrolment> = plan
                    .engagement
                    .enrolments
                    .iter()
                    .filter(|enrolment| enrolment.work_group_id == group.id)
                    .collect();
                let places = of_group
                    .iter()
                    .filter(|enrolment| enrolment.status.holds_place())
                    .count();
                assert_eq!(places, group.accepted_count as usize, "{}", group.code);
                assert!(group.accepted_count <= group.capacity.unwrap_or_default());
                let mut positions: Vec<i32> = of_group
                    .iter()
                    .filter_map(|enrolment| enrolment.waitlist_position)
                    .collect();
                positions.sort_unstable();
                assert_eq!(positions, (1..=positions.len() as i32).collect::<Vec<_>>());
                let people: HashSet<Uuid> = of_group
                    .iter()
                    .map(|enrolment| enrolment.participant_id)
                    .collect();
                assert_eq!(people.len(), of_group.len(), "one enrolment per person");
            }
        }
    }

    #[test]
    fn only_accepted_enrolments_of_groups_that_met_have_attendance_and_completion_follows_it() {
        let plan = plan(600);
        let engagement = &plan.engagement;
        let group_of: HashMap<Uuid, &NewWorkGroup> = plan
            .work_groups
            .iter()
            .map(|group| (group.id, group))
            .collect();
        let marked: HashSet<Uuid> = engagement
            .attendance
            .iter()
            .map(|mark| mark.enrolment_id)
            .collect();
        assert!(!marked.is_empty());
        let mut completed = 0;
        for enrolment in &engagement.enrolments {
            let group = group_of[&enrolment.work_group_id];
            assert_eq!(
                enrolment.accepted_at.is_some(),
                matches!(
                    enrolment.status,
                    EnrolmentStatus::Accepted | EnrolmentStatus::Completed
                ) || (enrolment.status == EnrolmentStatus::Withdrawn
                    && enrolment.withdrawn_at > enrolment.accepted_at
                    && enrolment.accepted_at.is_some()),
                "{enrolment:?}"
            );
            if marked.contains(&enrolment.id) {
                assert!(enrolment.accepted_at.is_some());
                assert!(matches!(
                    group.status,
                    WorkGroupStatus::Running | WorkGroupStatus::Completed
                ));
            }
            if enrolment.status == EnrolmentStatus::Completed {
                assert_eq!(group.status, WorkGroupStatus::Completed);
                completed += 1;
            }
        }
        assert!(completed > 0);
    }

    #[test]
    fn referrals_come_from_the_teaching_school_hub_of_the_school_s_area() {
        let plan = plan(600);
        let engagement = &plan.engagement;
        let area: HashMap<&str, Uuid> = engagement
            .areas
            .iter()
            .map(|area| (area.la_code.as_str(), area.teaching_school_hub_id))
            .collect();
        let school: HashMap<&str, &super::super::NewSchool> = plan
            .schools
            .iter()
            .map(|school| (school.urn.as_str(), school))
            .collect();
        assert_eq!(engagement.teaching_school_hubs.len(), TEACHING_SCHOOL_HUBS);
        let mut referred = 0;
        for enrolment in &engagement.enrolments {
            let Some(tsh) = enrolment.referred_by_id else {
                continue;
            };
            let school = school[enrolment.school_urn.as_str()];
            let home = school.district_code.as_ref().unwrap_or(&school.la_code);
            assert_eq!(area.get(home.as_str()), Some(&tsh));
            referred += 1;
        }
        assert!(
            referred * 5 > engagement.enrolments.len(),
            "{referred} referred"
        );
    }
}
