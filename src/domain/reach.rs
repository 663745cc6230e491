//! Counting reach (SPEC §2 "Reach / participation"): the schools and the people engaged per
//! hub, split by local authority, school phase, project and referring Teaching School Hub.
//!
//! What is counted is every enrolment that holds or held a place (its `accepted_at` is set:
//! accepted, completed, or withdrawn after acceptance), each with whether its attendance
//! meets its project's participation rule (`domain::participation`). A school or a person is
//! counted once per row, however many enrolments they have behind it.

use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

use crate::domain::SchoolPhase;

/// One enrolment that holds or held a place, as the report counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engagement {
    /// The hub of the work group.
    pub hub_id: Uuid,
    pub project_id: Uuid,
    pub school_urn: String,
    /// Whether the school is open now (only open schools count towards the share reached).
    pub school_open: bool,
    /// The school's education authority: a county for a school in one of its districts.
    pub local_authority: String,
    pub school_phase: SchoolPhase,
    /// The Teaching School Hub whose signposting the enrolment came from.
    pub referred_by: Option<Uuid>,
    pub participant_id: Uuid,
    /// Whether its attendance meets the project's participation rule.
    pub participates: bool,
}

/// The rows of one hub's report besides its total, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Split<'a> {
    LocalAuthority(&'a str),
    /// A phase by its place in `SchoolPhase::ALL`, so phases show in GIAS order.
    SchoolPhase(usize),
    Project(Uuid),
    /// `None` last: enrolments no Teaching School Hub referred.
    Referrer(Referrer),
}

/// A referring Teaching School Hub, or none; "none" sorts after every hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Referrer {
    TeachingSchoolHub(Uuid),
    None,
}

impl From<Option<Uuid>> for Referrer {
    fn from(referred_by: Option<Uuid>) -> Self {
        referred_by.map_or(Self::None, Self::TeachingSchoolHub)
    }
}

/// The schools and people behind one row, by their numbers in the count (each school and
/// person is numbered once): listed with repeats as enrolments come, counted distinct.
/// Numbers and sorting rather than sets of names: a hub's year is some seven hundred
/// enrolments, each adding to seven rows.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    schools: Vec<u32>,
    participating_schools: Vec<u32>,
    open_schools: Vec<u32>,
    people: Vec<u32>,
    participating_people: Vec<u32>,
}

/// What one row says.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub schools_signed_up: usize,
    pub schools_participating: usize,
    pub participants_signed_up: usize,
    pub participants_participating: usize,
    /// Of the schools signed up, those open now: the numerator of the share reached.
    pub open_schools_signed_up: usize,
}

/// One enrolment as a tally takes it: its school's and person's numbers.
#[derive(Debug, Clone, Copy)]
struct Counted {
    school: u32,
    person: u32,
    school_open: bool,
    participates: bool,
}

impl Tally {
    fn add(&mut self, counted: Counted) {
        self.schools.push(counted.school);
        self.people.push(counted.person);
        if counted.school_open {
            self.open_schools.push(counted.school);
        }
        if counted.participates {
            self.participating_schools.push(counted.school);
            self.participating_people.push(counted.person);
        }
    }

    pub fn counts(&self) -> Counts {
        Counts {
            schools_signed_up: distinct(&self.schools),
            schools_participating: distinct(&self.participating_schools),
            participants_signed_up: distinct(&self.people),
            participants_participating: distinct(&self.participating_people),
            open_schools_signed_up: distinct(&self.open_schools),
        }
    }
}

fn distinct(numbers: &[u32]) -> usize {
    let mut numbers = numbers.to_vec();
    numbers.sort_unstable();
    numbers.dedup();
    numbers.len()
}

/// One hub's counts: its total and each row of its splits.
#[derive(Debug, Default, Clone)]
pub struct HubTally<'a> {
    pub total: Tally,
    pub splits: BTreeMap<Split<'a>, Tally>,
}

/// Every hub's counts, and the total across them (a school engaged with two hubs counts
/// once in it).
#[derive(Debug, Default, Clone)]
pub struct Reach<'a> {
    pub hubs: BTreeMap<Uuid, HubTally<'a>>,
    pub total: Tally,
}

impl<'a> Reach<'a> {
    pub fn count(engagements: &'a [Engagement]) -> Self {
        let mut reach = Self::default();
        let mut schools: HashMap<&str, u32> = HashMap::new();
        let mut people: HashMap<Uuid, u32> = HashMap::new();
        for engagement in engagements {
            let next_school = schools.len() as u32;
            let next_person = people.len() as u32;
            let counted = Counted {
                school: *schools.entry(&engagement.school_urn).or_insert(next_school),
                person: *people
                    .entry(engagement.participant_id)
                    .or_insert(next_person),
                school_open: engagement.school_open,
                participates: engagement.participates,
            };
            reach.total.add(counted);
            let hub = reach.hubs.entry(engagement.hub_id).or_default();
            hub.total.add(counted);
            let phase = SchoolPhase::ALL
                .iter()
                .position(|phase| *phase == engagement.school_phase)
                .unwrap_or(SchoolPhase::ALL.len());
            for split in [
                Split::LocalAuthority(&engagement.local_authority),
                Split::SchoolPhase(phase),
                Split::Project(engagement.project_id),
                Split::Referrer(engagement.referred_by.into()),
            ] {
                hub.splits.entry(split).or_default().add(counted);
            }
        }
        reach
    }
}

/// The share of `open` schools that `reached` is, in percent rounded half up to one decimal
/// place (1 of 3 is 33.3, 1 of 8 is 12.5, 1 of 16 is 6.3); `None` without open schools.
pub fn share_percent(reached: usize, open: usize) -> Option<f64> {
    if open == 0 {
        return None;
    }
    let (reached, open) = (reached as u64, open as u64);
    let tenths = (2000 * reached + open) / (2 * open);
    Some(tenths as f64 / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUB: Uuid = Uuid::from_u128(1);
    const OTHER_HUB: Uuid = Uuid::from_u128(2);
    const PROJECT: Uuid = Uuid::from_u128(10);
    const OTHER_PROJECT: Uuid = Uuid::from_u128(11);
    const TSH: Uuid = Uuid::from_u128(20);

    fn engagement(school: &str, person: u128, participates: bool) -> Engagement {
        Engagement {
            hub_id: HUB,
            project_id: PROJECT,
            school_urn: school.to_owned(),
            school_open: true,
            local_authority: "E09000009".to_owned(),
            school_phase: SchoolPhase::Secondary,
            referred_by: None,
            participant_id: Uuid::from_u128(person),
            participates,
        }
    }

    #[test]
    fn a_school_counts_once_however_many_of_its_people_and_enrolments() {
        let engagements = [
            engagement("100001", 100, false),
            engagement("100001", 101, true),
            Engagement {
                project_id: OTHER_PROJECT,
                ..engagement("100001", 101, false)
            },
            engagement("100002", 102, false),
        ];
        let reach = Reach::count(&engagements);
        let counts = reach.hubs[&HUB].total.counts();
        assert_eq!(
            counts,
            Counts {
                schools_signed_up: 2,
                schools_participating: 1,
                participants_signed_up: 3,
                participants_participating: 1,
                open_schools_signed_up: 2,
            }
        );
        let splits = &reach.hubs[&HUB].splits;
        assert_eq!(
            splits[&Split::Project(PROJECT)].counts().schools_signed_up,
            2
        );
        assert_eq!(
            splits[&Split::Project(OTHER_PROJECT)].counts(),
            Counts {
                schools_signed_up: 1,
                schools_participating: 0,
                participants_signed_up: 1,
                participants_participating: 0,
                open_schools_signed_up: 1,
            }
        );
    }

    #[test]
    fn the_total_across_hubs_counts_a_school_of_two_hubs_once() {
        let engagements = [
            engagement("100001", 100, true),
            Engagement {
                hub_id: OTHER_HUB,
                ..engagement("100001", 100, false)
            },
        ];
        let reach = Reach::count(&engagements);
        assert_eq!(reach.hubs.len(), 2);
        assert_eq!(reach.total.counts().schools_signed_up, 1);
        assert_eq!(reach.total.counts().schools_participating, 1);
        assert_eq!(
            reach.hubs[&OTHER_HUB].total.counts().schools_participating,
            0
        );
    }

    #[test]
    fn closed_schools_count_as_signed_up_but_not_towards_the_share_reached() {
        let engagements = [Engagement {
            school_open: false,
            ..engagement("100001", 100, true)
        }];
        let counts = Reach::count(&engagements).total.counts();
        assert_eq!(
            (counts.schools_signed_up, counts.open_schools_signed_up),
            (1, 0)
        );
    }

    #[test]
    fn splits_show_in_order_with_no_referrer_last() {
        let engagements = [
            Engagement {
                referred_by: None,
                school_phase: SchoolPhase::Secondary,
                ..engagement("100001", 100, true)
            },
            Engagement {
                referred_by: Some(TSH),
                school_phase: SchoolPhase::Primary,
                local_authority: "E09000002".to_owned(),
                ..engagement("100002", 101, true)
            },
        ];
        let reach = Reach::count(&engagements);
        let order: Vec<Split> = reach.hubs[&HUB].splits.keys().copied().collect();
        assert_eq!(
            order,
            [
                Split::LocalAuthority("E09000002"),
                Split::LocalAuthority("E09000009"),
                Split::SchoolPhase(1),
                Split::SchoolPhase(3),
                Split::Project(PROJECT),
                Split::Referrer(Referrer::TeachingSchoolHub(TSH)),
                Split::Referrer(Referrer::None),
            ]
        );
    }

    #[test]
    fn shares_round_half_up_to_one_decimal_place() {
        assert_eq!(share_percent(1, 3), Some(33.3));
        assert_eq!(share_percent(2, 3), Some(66.7));
        assert_eq!(share_percent(1, 8), Some(12.5));
        assert_eq!(share_percent(1, 16), Some(6.3));
        assert_eq!(share_percent(0, 5), Some(0.0));
        assert_eq!(share_percent(7, 7), Some(100.0));
        assert_eq!(share_percent(0, 0), None);
    }
}
