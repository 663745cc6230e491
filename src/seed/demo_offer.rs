//! The demo's living offer: the work groups a hub would show today, laid out from today's
//! date so that the demo on any day has groups open for expressions of interest with their
//! deadlines and sessions ahead, and one group in every status (the source documents'
//! 2021/22 groups, long over, are the completed ones).
//!
//! The groups are data (`GROUPS`); their academic year, deadline and session dates are a
//! function of today (`plan`). `make_current` brings the database in step, as every start of
//! the server does: a group of the plan missing is created; one the demo made that has since
//! drifted from its status (the status clock moved it on) is laid out for today again,
//! audited and fed to partners like any change; one that anybody acted on (an enrolment, an
//! edit, a register) is theirs and left as it is. Nothing outside the offer is touched.
//!
//! Codes carry the academic year (`LNE27-94-01` in 2027/28): the plan is meant for dates
//! after the documents' own year, whose codes it would otherwise repeat.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc, Weekday};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, SmallInt, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::demo_calendar::{self as calendar, Block, clock, days_before, london, london_date};
use super::demo_facts::{
    CHESHIRE, GLOW, GLOW_VENUE, LCW, LEAD_CHESHIRE, LEAD_GLOW, LEAD_LCW, LEAD_LNE, LNE, LNE_VENUE,
    NewSession, NewWorkGroup, NewWorkGroupLead, TWYFORD, Venue, demo_id, id_of,
};
use crate::db::schema::{enrolments, hubs, sessions, users, work_group_leads, work_groups};
use crate::db::{audit, work_group_writes};
use crate::domain::lifecycle::{self, Timeline};
use crate::domain::{
    AcademicYear, Admission, DeliveryMode, EnrolmentStatus, LeadRole, ProgrammePhase, RoleInSchool,
    SessionKind, SessionMode, WorkGroupStatus,
};

// ---------------------------------------------------------------------------------------------
// The data
// ---------------------------------------------------------------------------------------------

/// The groups of the offer, each in the status it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    /// London Central and West's next cohort of document 004's Secondary Subject Leadership
    /// group: open, the hub reviewing each expression of interest.
    SubjectLeadership,
    /// Its cohort already under way: running, between a workshop and the next.
    SubjectLeadershipUnderWay,
    /// London North East's offer to the boroughs of its two partner Teaching School Hubs:
    /// open, soonest deadline first.
    LneYears5To8,
    LneCoreMaths,
    LneYears5To8Online,
    /// A small group of Cheshire and Wirral's partner schools: full.
    CheshireYears5To8,
    /// GLOW's groups of document 002, this year: closed, cancelled and a draft.
    GlowCoreMaths,
    GlowSustaining,
    GlowYears5To8,
}

/// A project of the documents, repeated each academic year under the code of that year.
struct ProjectStem {
    /// The documents' project, whose terms each year's copy takes.
    source: &'static str,
    /// `15` in `NCP27-15`.
    number: &'static str,
    /// London calendar days one session may span.
    session_days: u16,
}

const SUBJECT_LEADERSHIP: ProjectStem = ProjectStem {
    source: "NCP21-15",
    number: "15",
    // Its workshop – school-based task cycle: a task may take a week in school.
    session_days: calendar::TASK_DAYS,
};
const CORE_MATHS: ProjectStem = ProjectStem {
    source: "NCP21-91",
    number: "91",
    session_days: 1,
};
const SUSTAINING: ProjectStem = ProjectStem {
    source: "NCP21-93",
    number: "93",
    session_days: 1,
};
const YEARS_5_TO_8: ProjectStem = ProjectStem {
    source: "NCP21-94",
    number: "94",
    session_days: 1,
};

/// Document 003 names no venue for Cheshire and Wirral: visibly a placeholder.
const CHESHIRE_VENUE: Venue = Venue {
    name: "Cheshire and Wirral Maths Hub venue (to be confirmed)",
    address: "Cheshire",
    postcode: None,
};

/// One session of a group, with its London wall-clock times.
struct SessionSpec {
    kind: SessionKind,
    mode: SessionMode,
    from: chrono::NaiveTime,
    to: chrono::NaiveTime,
    venue: Option<&'static Venue>,
    notes: Option<&'static str>,
}

const fn workshop(venue: &'static Venue, from: (u32, u32), to: (u32, u32)) -> SessionSpec {
    SessionSpec {
        kind: SessionKind::Workshop,
        mode: SessionMode::FaceToFace,
        from: clock(from.0, from.1),
        to: clock(to.0, to.1),
        venue: Some(venue),
        notes: None,
    }
}

/// An online session; its joining link is the group's meeting room.
const fn online(from: (u32, u32), to: (u32, u32)) -> SessionSpec {
    SessionSpec {
        kind: SessionKind::Workshop,
        mode: SessionMode::Online,
        from: clock(from.0, from.1),
        to: clock(to.0, to.1),
        venue: None,
        notes: None,
    }
}

const TWYFORD_DAY: SessionSpec = workshop(&TWYFORD, (9, 30), (14, 30));
const LCW_ONLINE_DAY: SessionSpec = online((9, 30), (14, 30));
const LNE_DAY: SessionSpec = workshop(&LNE_VENUE, (9, 30), (15, 30));
const TWILIGHT: SessionSpec = online((16, 0), (17, 30));
const GLOW_DAY: SessionSpec = workshop(&GLOW_VENUE, (9, 30), (15, 30));
const CHESHIRE_DAY: SessionSpec = workshop(&CHESHIRE_VENUE, (9, 30), (15, 30));
/// Document 004's school-based task, from the Monday morning to the Friday evening of the
/// days it spans.
const SCHOOL_BASED_TASK: SessionSpec = SessionSpec {
    kind: SessionKind::SchoolBasedTask,
    mode: SessionMode::FaceToFace,
    from: clock(9, 0),
    to: clock(17, 0),
    venue: None,
    notes: Some(
        "In your own school: a task planned for your department's context, to bring to the next workshop.",
    ),
};

/// When a group's sessions and deadline fall, from today.
enum Timing {
    /// Every session ahead; the deadline two weeks before the block could start at the
    /// earliest (so before its first session), or two days ago.
    Ahead { block: Block, deadline: Deadline },
    /// Running: a workshop behind, a school-based task spanning today, a workshop ahead.
    UnderWay { weekday: Weekday },
}

#[derive(Clone, Copy)]
enum Deadline {
    BeforeFirstSession,
    Passed,
}

/// Days between an expression-of-interest deadline and the group's first session.
const DEADLINE_DAYS_BEFORE: u64 = 14;
/// Days since the deadline of a group closed to expressions of interest.
const DEADLINE_DAYS_AGO: u64 = 2;

/// A placeholder participant holding a place in the full group.
struct ParticipantSeed {
    id: Uuid,
    email: &'static str,
    name: &'static str,
    school_urn: &'static str,
    role_in_school: RoleInSchool,
}

/// Three of document 003's partner schools (their illustrative URNs, as `demo` seeds them).
const PARTICIPANTS: &[ParticipantSeed] = &[
    ParticipantSeed {
        id: demo_id(0x0901),
        email: "participant.alsager@demo.mathshub.invalid",
        name: "Demo Participant (Alsager School)",
        school_urn: "900003",
        role_in_school: RoleInSchool::Teacher,
    },
    ParticipantSeed {
        id: demo_id(0x0902),
        email: "participant.our-lady-of-pity@demo.mathshub.invalid",
        name: "Demo Participant (Our Lady of Pity Primary School)",
        school_urn: "900002",
        role_in_school: RoleInSchool::MathsLead,
    },
    ParticipantSeed {
        id: demo_id(0x0903),
        email: "participant.meadow@demo.mathshub.invalid",
        name: "Demo Participant (Meadow Primary School)",
        school_urn: "900004",
        role_in_school: RoleInSchool::MathsLead,
    },
];

struct GroupSpec {
    slot: Slot,
    hub: &'static str,
    /// The code around its academic year: `("LNE", "-94-01")` is `LNE27-94-01` in 2027/28.
    code: (&'static str, &'static str),
    project: &'static ProjectStem,
    title: &'static str,
    phase: ProgrammePhase,
    mode: DeliveryMode,
    capacity: i32,
    admission: Admission,
    venue: Option<&'static Venue>,
    description: &'static str,
    lead: &'static str,
    status: WorkGroupStatus,
    cancellation_reason: Option<&'static str>,
    timing: Timing,
    /// One per date of the timing (for a group under way: before, the task, after).
    sessions: &'static [SessionSpec],
    /// Placeholder participants holding its places.
    participants: &'static [ParticipantSeed],
}

const LCW_DESCRIPTION: &str = "Focused support for secondary heads of department/subject leaders, to \
better understand and implement teaching for mastery approaches across their department and to develop in \
their role as leaders of both student learning and teacher professional development. The Work Group follows \
a workshop – school-based task cycle: several workshops, each followed by school-based tasks planned to take \
account of the subject leaders' own contexts.";

const GROUPS: &[GroupSpec] = &[
    GroupSpec {
        slot: Slot::SubjectLeadership,
        hub: LCW,
        code: ("LCW", "-15-01"),
        project: &SUBJECT_LEADERSHIP,
        title: "Secondary Subject Leadership",
        phase: ProgrammePhase::Secondary,
        mode: DeliveryMode::Blended,
        capacity: 30,
        admission: Admission::Review,
        venue: Some(&TWYFORD),
        description: LCW_DESCRIPTION,
        lead: LEAD_LCW,
        status: WorkGroupStatus::Open,
        cancellation_reason: None,
        timing: Timing::Ahead {
            block: Block {
                lead_weeks: 5,
                gaps_weeks: &[4, 5],
                weekday: Weekday::Wed,
            },
            deadline: Deadline::BeforeFirstSession,
        },
        // As document 004's: Twyford, online, Twyford, 9:30am to 2:30pm.
        sessions: &[TWYFORD_DAY, LCW_ONLINE_DAY, TWYFORD_DAY],
        participants: &[],
    },
    GroupSpec {
        slot: Slot::SubjectLeadershipUnderWay,
        hub: LCW,
        code: ("LCW", "-15-02"),
        project: &SUBJECT_LEADERSHIP,
        title: "Secondary Subject Leadership",
        phase: ProgrammePhase::Secondary,
        mode: DeliveryMode::Blended,
        capacity: 30,
        admission: Admission::Review,
        venue: Some(&TWYFORD),
        description: LCW_DESCRIPTION,
        lead: LEAD_LCW,
        status: WorkGroupStatus::Running,
        cancellation_reason: None,
        timing: Timing::UnderWay {
            weekday: Weekday::Wed,
        },
        sessions: &[TWYFORD_DAY, SCHOOL_BASED_TASK, LCW_ONLINE_DAY],
        participants: &[],
    },
    GroupSpec {
        slot: Slot::LneYears5To8,
        hub: LNE,
        code: ("LNE", "-94-01"),
        project: &YEARS_5_TO_8,
        title: "Years 5–8 Continuity",
        phase: ProgrammePhase::Secondary,
        mode: DeliveryMode::Blended,
        capacity: 24,
        admission: Admission::Automatic,
        venue: Some(&LNE_VENUE),
        description: "Secondary and primary colleagues from the same localities work together on the \
continuity of maths from Year 5 to Year 8: two face-to-face workshops and an online twilight session.",
        lead: LEAD_LNE,
        status: WorkGroupStatus::Open,
        cancellation_reason: None,
        timing: Timing::Ahead {
            block: Block {
                lead_weeks: 4,
                gaps_weeks: &[3, 5],
                weekday: Weekday::Thu,
            },
            deadline: Deadline::BeforeFirstSession,
        },
        sessions: &[LNE_DAY, TWILIGHT, LNE_DAY],
        participants: &[],
    },
    GroupSpec {
        slot: Slot::LneCoreMaths,
        hub: LNE,
        code: ("LNE", "-91-01"),
        project: &CORE_MATHS,
        title: "Developing Core Maths Pedagogy",
        phase: ProgrammePhase::Post16,
        mode: DeliveryMode::FaceToFace,
        capacity: 20,
        admission: Admission::Automatic,
        venue: Some(&LNE_VENUE),
        description: "Two full-day, face-to-face sessions for teachers of Core Maths, trying out new \
ideas with their classes in between.",
        lead: LEAD_LNE,
        status: WorkGroupStatus::Open,
        cancellation_reason: None,
        timing: Timing::Ahead {
            block: Block {
                lead_weeks: 5,
                gaps_weeks: &[6],
                weekday: Weekday::Thu,
            },
            deadline: Deadline::BeforeFirstSession,
        },
        sessions: &[LNE_DAY, LNE_DAY],
        participants: &[],
    },
    GroupSpec {
        slot: Slot::LneYears5To8Online,
        hub: LNE,
        code: ("LNE", "-94-02"),
        project: &YEARS_5_TO_8,
        title: "Years 5–8 Continuity (online)",
        phase: ProgrammePhase::Primary,
        mode: DeliveryMode::Online,
        capacity: 30,
        admission: Admission::Review,
        venue: None,
        description: "Three online twilight sessions on the continuity of maths from Year 5 to Year 8, \
for primary colleagues.",
        lead: LEAD_LNE,
        status: WorkGroupStatus::Open,
        cancellation_reason: None,
        timing: Timing::Ahead {
            block: Block {
                lead_weeks: 6,
                gaps_weeks: &[3, 3],
                weekday: Weekday::Thu,
            },
            deadline: Deadline::BeforeFirstSession,
        },
        sessions: &[TWILIGHT, TWILIGHT, TWILIGHT],
        participants: &[],
    },
    GroupSpec {
        slot: Slot::CheshireYears5To8,
        hub: CHESHIRE,
        code: ("CHW", "-94-01"),
        project: &YEARS_5_TO_8,
        title: "Years 5–8 Continuity (partner schools)",
        phase: ProgrammePhase::Primary,
        mode: DeliveryMode::FaceToFace,
        capacity: 3,
        admission: Admission::Automatic,
        venue: Some(&CHESHIRE_VENUE),
        description: "A small group for three of the hub's partner schools, primary and secondary \
together: every place is taken, and further expressions of interest join the waiting list.",
        lead: LEAD_CHESHIRE,
        status: WorkGroupStatus::Full,
        cancellation_reason: None,
        timing: Timing::Ahead {
            block: Block {
                lead_weeks: 4,
                gaps_weeks: &[4],
                weekday: Weekday::Tue,
            },
            deadline: Deadline::BeforeFirstSession,
        },
        sessions: &[CHESHIRE_DAY, CHESHIRE_DAY],
        participants: PARTICIPANTS,
    },
    GroupSpec {
        slot: Slot::GlowCoreMaths,
        hub: GLOW,
        code: ("GLOW", "-91-01"),
        project: &CORE_MATHS,
        title: "Developing Core Maths Pedagogy",
        phase: ProgrammePhase::Post16,
        mode: DeliveryMode::FaceToFace,
        capacity: 20,
        admission: Admission::Automatic,
        venue: Some(&GLOW_VENUE),
        description: "Three full-day, face-to-face sessions across the year, exploring pedagogical \
approaches such as group discussion, engaging with research and collaborative planning. Expressions of \
interest have closed.",
        lead: LEAD_GLOW,
        status: WorkGroupStatus::Closed,
        cancellation_reason: None,
        timing: Timing::Ahead {
            block: Block {
                lead_weeks: 1,
                gaps_weeks: &[4, 4],
                weekday: Weekday::Thu,
            },
            deadline: Deadline::Passed,
        },
        sessions: &[GLOW_DAY, GLOW_DAY, GLOW_DAY],
        participants: &[],
    },
    GroupSpec {
        slot: Slot::GlowSustaining,
        hub: GLOW,
        code: ("GLOW", "-93-01"),
        project: &SUSTAINING,
        title: "Sustaining Teaching for Mastery",
        phase: ProgrammePhase::Secondary,
        mode: DeliveryMode::Blended,
        capacity: 20,
        admission: Admission::Automatic,
        venue: Some(&GLOW_VENUE),
        description: "Dates to be confirmed by the hub.",
        lead: LEAD_GLOW,
        status: WorkGroupStatus::Cancelled,
        cancellation_reason: Some("Too few schools could commit to the full year's programme."),
        timing: Timing::Ahead {
            block: Block {
                lead_weeks: 4,
                gaps_weeks: &[5],
                weekday: Weekday::Thu,
            },
            deadline: Deadline::BeforeFirstSession,
        },
        sessions: &[GLOW_DAY, GLOW_DAY],
        participants: &[],
    },
    GroupSpec {
        slot: Slot::GlowYears5To8,
        hub: GLOW,
        code: ("GLOW", "-94-01"),
        project: &YEARS_5_TO_8,
        title: "Years 5–8 Continuity",
        phase: ProgrammePhase::Secondary,
        mode: DeliveryMode::Blended,
        capacity: 20,
        admission: Admission::Automatic,
        venue: Some(&GLOW_VENUE),
        description: "Being planned by the hub: not yet open for expressions of interest.",
        lead: LEAD_GLOW,
        status: WorkGroupStatus::Draft,
        cancellation_reason: None,
        timing: Timing::Ahead {
            block: Block {
                lead_weeks: 7,
                gaps_weeks: &[4, 4],
                weekday: Weekday::Thu,
            },
            deadline: Deadline::BeforeFirstSession,
        },
        sessions: &[GLOW_DAY, GLOW_DAY, GLOW_DAY],
        participants: &[],
    },
];

// ---------------------------------------------------------------------------------------------
// The plan: the data laid out from today
// ---------------------------------------------------------------------------------------------

/// A session of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSession {
    pub kind: SessionKind,
    pub mode: SessionMode,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: Option<(&'static str, &'static str, Option<&'static str>)>,
    pub joining_link: Option<String>,
    pub notes: Option<&'static str>,
}

/// A group of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedGroup {
    pub slot: Slot,
    pub hub: &'static str,
    pub code: String,
    pub academic_year: AcademicYear,
    pub project: String,
    /// How many London days a session of its project may span.
    pub session_days: u16,
    pub status: WorkGroupStatus,
    pub eoi_deadline: DateTime<Utc>,
    pub cancellation_reason: Option<&'static str>,
    pub sessions: Vec<PlannedSession>,
}

impl PlannedGroup {
    /// What the group is, besides its times.
    fn spec(&self) -> &'static GroupSpec {
        GROUPS
            .iter()
            .find(|group| group.slot == self.slot)
            .expect("every slot has its group")
    }

    /// The times that move the group on (`domain::lifecycle::due`).
    pub fn timeline(&self) -> Timeline {
        Timeline {
            status: self.status,
            eoi_deadline: Some(self.eoi_deadline),
            first_session_at: self.sessions.iter().map(|s| s.starts_at).min(),
            last_session_ends_at: self.sessions.iter().map(|s| s.ends_at).max(),
        }
    }
}

/// A session's first and last day, and what it is.
type Dated = (NaiveDate, NaiveDate, &'static SessionSpec);

/// The offer at `now`, every group in `GROUPS` order.
pub fn plan(now: DateTime<Utc>) -> Vec<PlannedGroup> {
    let today = london_date(now);
    let blocks: Vec<Block> = GROUPS
        .iter()
        .filter_map(|group| match group.timing {
            Timing::Ahead { block, .. } => Some(block),
            Timing::UnderWay { .. } => None,
        })
        .collect();
    let mut laid_out = calendar::lay_out(today, &blocks).into_iter();
    GROUPS
        .iter()
        .map(|group| match group.timing {
            Timing::Ahead { deadline, .. } => {
                let block = laid_out.next().expect("a block per group ahead");
                let sessions: Vec<Dated> = block
                    .dates
                    .into_iter()
                    .zip(group.sessions)
                    .map(|(date, spec)| (date, date, spec))
                    .collect();
                // From the earliest day the block could start, not its first session: a
                // holiday that pushes several blocks to one week keeps their deadlines apart.
                let deadline_day = match deadline {
                    Deadline::BeforeFirstSession => {
                        days_before(block.earliest, DEADLINE_DAYS_BEFORE)
                    }
                    Deadline::Passed => days_before(today, DEADLINE_DAYS_AGO),
                };
                planned(group, &sessions, deadline_day)
            }
            Timing::UnderWay { weekday } => {
                let sessions = under_way(today, weekday, group.sessions);
                planned(
                    group,
                    &sessions,
                    days_before(sessions[0].0, DEADLINE_DAYS_BEFORE),
                )
            }
        })
        .collect()
}

/// The sessions of a group under way (`specs`: the workshop before, the task, the workshop
/// after); a workshop outside the task's academic year is left out.
fn under_way(today: NaiveDate, weekday: Weekday, specs: &'static [SessionSpec]) -> Vec<Dated> {
    let under_way = calendar::under_way(today, weekday);
    [
        under_way
            .workshop_before
            .map(|date| (date, date, &specs[0])),
        Some((under_way.task.0, under_way.task.1, &specs[1])),
        under_way.workshop_after.map(|date| (date, date, &specs[2])),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn planned(group: &'static GroupSpec, sessions: &[Dated], deadline_day: NaiveDate) -> PlannedGroup {
    let academic_year = AcademicYear::containing(sessions[0].0);
    let yy = academic_year.start_year() % 100;
    let code = format!("{}{yy:02}{}", group.code.0, group.code.1);
    let sessions = sessions
        .iter()
        .map(|(first_day, last_day, spec)| PlannedSession {
            kind: spec.kind,
            mode: spec.mode,
            starts_at: london(*first_day, spec.from),
            ends_at: london(*last_day, spec.to),
            venue: spec
                .venue
                .map(|venue| (venue.name, venue.address, venue.postcode)),
            joining_link: (spec.mode == SessionMode::Online)
                .then(|| format!("https://meet.example.invalid/{}", code.to_lowercase())),
            notes: spec.notes,
        })
        .collect();
    PlannedGroup {
        slot: group.slot,
        hub: group.hub,
        project: format!("NCP{yy:02}-{}", group.project.number),
        session_days: group.project.session_days,
        academic_year,
        code,
        status: group.status,
        eoi_deadline: london(deadline_day, clock(23, 59)),
        cancellation_reason: group.cancellation_reason,
        sessions,
    }
}

// ---------------------------------------------------------------------------------------------
// Bringing the database in step
// ---------------------------------------------------------------------------------------------

/// What `make_current` did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OfferSummary {
    /// Groups of the plan created.
    pub created: usize,
    /// Groups the demo made, laid out for today again.
    pub renewed: usize,
}

/// Taken for the transaction, so servers starting at once bring the offer in step one after
/// the other.
const ADVISORY_LOCK: i64 = 0x6d61_7468_6875_6273;

/// Brings the offer in step with the plan at `now` (idempotent), in one transaction. Needs
/// the demo's hubs, leads and projects (`demo::load`).
pub async fn make_current(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> QueryResult<OfferSummary> {
    conn.transaction(async |conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(ADVISORY_LOCK)
            .execute(conn)
            .await?;
        let offer = plan(now);
        let ids = Ids::resolve(conn, &offer).await?;
        let mut summary = OfferSummary::default();
        for group in &offer {
            match existing(conn, group).await? {
                None => summary.created += usize::from(create(conn, group, &ids).await?),
                Some(found) if fits(&found, group, now) => {}
                Some(found) => {
                    if pristine(conn, found.id, &ids.participants).await? {
                        renew(conn, &found, group).await?;
                        summary.renewed += 1;
                    }
                }
            }
        }
        Ok(summary)
    })
    .await
}

/// The ids the offer's rows refer to, by natural key.
struct Ids {
    hubs: HashMap<String, Uuid>,
    leads: HashMap<String, Uuid>,
    /// Each project of the offer: its id and academic year.
    projects: HashMap<String, Uuid>,
    participants: Vec<Uuid>,
}

impl Ids {
    /// Reads them, creating each academic year's copy of a project and the placeholder
    /// participants when missing.
    async fn resolve(conn: &mut AsyncPgConnection, offer: &[PlannedGroup]) -> QueryResult<Self> {
        for group in offer {
            copy_project(conn, group).await?;
        }
        let new_participants: Vec<_> = PARTICIPANTS
            .iter()
            .map(|participant| {
                (
                    users::id.eq(participant.id),
                    users::email.eq(participant.email),
                    users::name.eq(participant.name),
                    users::role.eq("participant"),
                    users::school_urn.eq(participant.school_urn),
                    users::role_in_school.eq(participant.role_in_school),
                )
            })
            .collect();
        diesel::insert_into(users::table)
            .values(new_participants)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        let emails = GROUPS
            .iter()
            .map(|group| group.lead)
            .chain(PARTICIPANTS.iter().map(|participant| participant.email));
        let people: HashMap<String, Uuid> = users::table
            .filter(users::email.eq_any(emails))
            .select((users::email, users::id))
            .load::<(String, Uuid)>(conn)
            .await?
            .into_iter()
            .collect();
        let participants = PARTICIPANTS
            .iter()
            .map(|participant| id_of(&people, participant.email))
            .collect::<QueryResult<_>>()?;
        let hubs = hubs::table
            .filter(hubs::slug.eq_any(GROUPS.iter().map(|group| group.hub)))
            .select((hubs::slug, hubs::id))
            .load::<(String, Uuid)>(conn)
            .await?
            .into_iter()
            .collect();
        let projects = crate::db::schema::projects::table
            .filter(
                crate::db::schema::projects::code
                    .eq_any(offer.iter().map(|group| group.project.as_str())),
            )
            .select((
                crate::db::schema::projects::code,
                crate::db::schema::projects::id,
            ))
            .load::<(String, Uuid)>(conn)
            .await?
            .into_iter()
            .collect();
        Ok(Self {
            hubs,
            leads: people,
            projects,
            participants,
        })
    }
}

/// The academic year's copy of the group's project: the documents' terms under the year's
/// code (the documents' own year is the source itself).
async fn copy_project(conn: &mut AsyncPgConnection, group: &PlannedGroup) -> QueryResult<()> {
    if group.project == group.spec().project.source {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO projects (id, code, kind, title, academic_year, phases, outline, roles_allowed,
                roles_excluded, school_phases, requires_completed_id, length, cost_pence,
                non_attendance_fee_pence, cancellation_notice_days, participation_min_percent,
                expectations, follows_id, session_days)
         SELECT $1, $2, kind, title, $3, phases, outline, roles_allowed, roles_excluded,
                school_phases, requires_completed_id, length, cost_pence, non_attendance_fee_pence,
                cancellation_notice_days, participation_min_percent, expectations, follows_id,
                greatest(session_days, $4)
           FROM projects WHERE code = $5
         ON CONFLICT (code) DO NOTHING",
    )
    .bind::<diesel::sql_types::Uuid, _>(Uuid::now_v7())
    .bind::<Text, _>(&group.project)
    .bind::<Text, _>(group.academic_year.as_str())
    .bind::<SmallInt, _>(i16::try_from(group.session_days).unwrap_or(i16::MAX))
    .bind::<Text, _>(group.spec().project.source)
    .execute(conn)
    .await
    .map(drop)
}

/// A group of the plan as the database holds it, locked.
#[derive(QueryableByName)]
struct Existing {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    status: WorkGroupStatus,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    eoi_deadline: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    first_session_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_session_ends_at: Option<DateTime<Utc>>,
}

async fn existing(
    conn: &mut AsyncPgConnection,
    group: &PlannedGroup,
) -> QueryResult<Option<Existing>> {
    diesel::sql_query(
        "SELECT id, status, eoi_deadline, first_session_at,
                (SELECT max(ends_at) FROM sessions
                  WHERE work_group_id = wg.id AND cancelled_at IS NULL) AS last_session_ends_at
           FROM work_groups wg WHERE academic_year = $1 AND code = $2 FOR NO KEY UPDATE",
    )
    .bind::<Text, _>(group.academic_year.as_str())
    .bind::<Text, _>(&group.code)
    .get_result(conn)
    .await
    .optional()
}

/// Whether the group still shows what its slot is for at `now`: its planned status, which the
/// status clock would not move, with its first session ahead (begun, for the group under way).
fn fits(found: &Existing, group: &PlannedGroup, now: DateTime<Utc>) -> bool {
    let timeline = Timeline {
        status: found.status,
        eoi_deadline: found.eoi_deadline,
        first_session_at: found.first_session_at,
        last_session_ends_at: found.last_session_ends_at,
    };
    let first_session_as_planned = found
        .first_session_at
        .is_some_and(|first| (first <= now) == (group.status == WorkGroupStatus::Running));
    found.status == group.status
        && lifecycle::due(&timeline, now).is_none()
        && first_session_as_planned
}

#[derive(QueryableByName)]
struct Pristine {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pristine: bool,
}

/// Whether the group is still the demo's own: nobody but its placeholder participants
/// enrolled, and no person changed it, its sessions or its enrolments (the status clock and
/// the demo itself act as nobody).
async fn pristine(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    participants: &[Uuid],
) -> QueryResult<bool> {
    let row: Pristine = diesel::sql_query(
        "SELECT NOT EXISTS (SELECT 1 FROM enrolments
                             WHERE work_group_id = $1 AND NOT participant_id = ANY($2))
            AND NOT EXISTS (SELECT 1 FROM audit_log a
                             WHERE a.actor_id IS NOT NULL
                               AND ((a.object_type = 'work_group' AND a.object_id = $1::text)
                                 OR (a.object_type IN ('session', 'enrolment')
                                     AND a.details->>'work_group_id' = $1::text)
                                 OR (a.object_type = 'enrolment' AND a.object_id IN
                                       (SELECT id::text FROM enrolments WHERE work_group_id = $1))))
                AS pristine",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<Array<diesel::sql_types::Uuid>, _>(participants)
    .get_result(conn)
    .await?;
    Ok(row.pristine)
}

/// Creates the group with its lead, sessions and placeholder participants; `false` if a
/// group took its code meanwhile.
async fn create(
    conn: &mut AsyncPgConnection,
    group: &PlannedGroup,
    ids: &Ids,
) -> QueryResult<bool> {
    let spec = group.spec();
    let id = Uuid::now_v7();
    let created = diesel::insert_into(work_groups::table)
        .values(NewWorkGroup {
            id,
            hub_id: id_of(&ids.hubs, spec.hub)?,
            project_id: id_of(&ids.projects, &group.project)?,
            academic_year: group.academic_year.as_str(),
            code: &group.code,
            title: spec.title,
            phase: spec.phase,
            mode: spec.mode,
            capacity: Some(spec.capacity),
            accepted_count: i32::try_from(spec.participants.len()).unwrap_or(i32::MAX),
            admission: spec.admission,
            eoi_deadline: Some(group.eoi_deadline),
            status: group.status,
            cancellation_reason: group.cancellation_reason,
            venue_name: spec.venue.map(|venue| venue.name),
            venue_address: spec.venue.map(|venue| venue.address),
            venue_postcode: spec.venue.and_then(|venue| venue.postcode),
            description: spec.description,
        })
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if created == 0 {
        return Ok(false);
    }
    diesel::insert_into(work_group_leads::table)
        .values(NewWorkGroupLead {
            work_group_id: id,
            user_id: id_of(&ids.leads, spec.lead)?,
            role: LeadRole::WorkGroupLead,
        })
        .execute(conn)
        .await?;
    insert_sessions(conn, id, group).await?;
    let places: Vec<_> = spec
        .participants
        .iter()
        .zip(&ids.participants)
        .map(|(participant, participant_id)| {
            (
                enrolments::id.eq(Uuid::now_v7()),
                enrolments::work_group_id.eq(id),
                enrolments::participant_id.eq(*participant_id),
                enrolments::school_urn.eq(participant.school_urn),
                enrolments::role_in_school.eq(participant.role_in_school),
                enrolments::status.eq(EnrolmentStatus::Accepted),
                enrolments::accepted_at.eq(diesel::dsl::now),
            )
        })
        .collect();
    diesel::insert_into(enrolments::table)
        .values(places)
        .execute(conn)
        .await?;
    Ok(true)
}

async fn insert_sessions(
    conn: &mut AsyncPgConnection,
    work_group_id: Uuid,
    group: &PlannedGroup,
) -> QueryResult<()> {
    let rows: Vec<NewSession> = group
        .sessions
        .iter()
        .map(|session| NewSession {
            id: Uuid::now_v7(),
            work_group_id,
            kind: session.kind,
            mode: session.mode,
            starts_at: session.starts_at,
            ends_at: session.ends_at,
            venue_name: session.venue.map(|venue| venue.0),
            venue_address: session.venue.map(|venue| venue.1),
            venue_postcode: session.venue.and_then(|venue| venue.2),
            joining_link: session.joining_link.as_deref(),
            notes: session.notes,
        })
        .collect();
    diesel::insert_into(sessions::table)
        .values(rows)
        .execute(conn)
        .await
        .map(drop)
}

/// Lays the demo's group out for today again: its planned status, deadline and sessions,
/// audited (by nobody) and fed to partners when it is public.
async fn renew(
    conn: &mut AsyncPgConnection,
    found: &Existing,
    group: &PlannedGroup,
) -> QueryResult<()> {
    diesel::update(work_groups::table.find(found.id))
        .set((
            work_groups::status.eq(group.status),
            work_groups::eoi_deadline.eq(group.eoi_deadline),
            work_groups::cancellation_reason.eq(group.cancellation_reason),
            work_groups::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    diesel::delete(sessions::table.filter(sessions::work_group_id.eq(found.id)))
        .execute(conn)
        .await?;
    insert_sessions(conn, found.id, group).await?;
    audit::record(
        conn,
        None,
        "work_group.updated",
        "work_group",
        &found.id.to_string(),
        serde_json::json!({
            "reason": "the demo's offer, laid out for today",
            "before": {"status": found.status, "eoi_deadline": found.eoi_deadline},
            "after": {"status": group.status, "eoi_deadline": group.eoi_deadline},
        }),
    )
    .await?;
    // The demo's groups are never abandoned drafts: public unless its draft.
    if lifecycle::is_public(group.status, false) {
        work_group_writes::record_event(
            conn,
            found.id,
            lifecycle::event_kind(found.status, group.status),
            serde_json::json!({"status": group.status}),
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::domain::session_times;

    /// Every day from 2026 to 2030 (a leap year, both clock changes each year), soon after
    /// midnight, at noon and late in the evening, London time.
    fn instants() -> impl Iterator<Item = DateTime<Utc>> {
        let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        first
            .iter_days()
            .take_while(|day| day.year() <= 2030)
            .flat_map(|day| {
                [(0, 30), (12, 0), (23, 30)].map(move |(h, m)| london(day, clock(h, m)))
            })
    }

    use chrono::Datelike;

    #[test]
    fn every_day_has_one_group_in_each_status_that_the_status_clock_leaves_alone() {
        for now in instants() {
            let offer = plan(now);
            let statuses: HashSet<WorkGroupStatus> = offer.iter().map(|g| g.status).collect();
            // Completed groups are the documents' own, 2021/22.
            for status in WorkGroupStatus::ALL {
                assert!(
                    *status == WorkGroupStatus::Completed || statuses.contains(status),
                    "{now}: no {status} group"
                );
            }
            for group in &offer {
                assert_eq!(
                    lifecycle::due(&group.timeline(), now),
                    None,
                    "{now}: {}",
                    group.code
                );
            }
        }
    }

    #[test]
    fn open_and_full_groups_have_their_deadline_and_every_session_ahead() {
        for now in instants() {
            for group in plan(now) {
                let first = group.timeline().first_session_at.unwrap();
                match group.status {
                    WorkGroupStatus::Open | WorkGroupStatus::Full => {
                        assert!(
                            now < group.eoi_deadline && group.eoi_deadline < first,
                            "{now}: {}",
                            group.code
                        );
                    }
                    WorkGroupStatus::Closed => {
                        assert!(
                            group.eoi_deadline <= now && now < first,
                            "{now}: {}",
                            group.code
                        );
                    }
                    WorkGroupStatus::Running => {
                        let last = group.timeline().last_session_ends_at.unwrap();
                        assert!(first <= now && now < last, "{now}: {}", group.code);
                    }
                    _ => assert!(now < first, "{now}: {}", group.code),
                }
            }
        }
    }

    #[test]
    fn sessions_keep_the_rules_of_their_group_s_academic_year_and_project() {
        for now in instants() {
            for group in plan(now) {
                for session in &group.sessions {
                    let problems = session_times::problems(
                        session.starts_at,
                        session.ends_at,
                        group.session_days,
                        &group.academic_year,
                    );
                    assert!(problems.is_empty(), "{now}: {}: {problems:?}", group.code);
                }
                for pair in group.sessions.windows(2) {
                    assert!(pair[0].ends_at < pair[1].starts_at, "{now}: {}", group.code);
                }
                let yy = format!("{:02}", group.academic_year.start_year() % 100);
                assert!(
                    group.code.contains(&yy) && group.project.contains(&yy),
                    "{}",
                    group.code
                );
            }
        }
    }

    #[test]
    fn the_offer_ahead_is_one_academic_year_and_only_moves_to_the_next_for_the_summer() {
        for now in instants() {
            let years: HashSet<AcademicYear> = plan(now)
                .into_iter()
                .filter(|group| group.status != WorkGroupStatus::Running)
                .map(|group| group.academic_year)
                .collect();
            assert_eq!(years.len(), 1, "{now}: {years:?}");
        }
        let in_january = plan(Utc.with_ymd_and_hms(2027, 1, 20, 12, 0, 0).unwrap());
        assert!(
            in_january
                .iter()
                .all(|group| group.academic_year.as_str() == "2026/27")
        );
        let in_june = plan(Utc.with_ymd_and_hms(2027, 6, 20, 12, 0, 0).unwrap());
        let ahead = in_june
            .iter()
            .find(|g| g.slot == Slot::LneYears5To8)
            .unwrap();
        assert_eq!(
            (ahead.code.as_str(), ahead.academic_year.as_str()),
            ("LNE27-94-01", "2027/28")
        );
    }

    #[test]
    fn each_group_is_led_by_a_lead_of_its_hub_and_its_places_held_fit() {
        for group in GROUPS {
            let lead = super::super::demo_facts::LEADS
                .iter()
                .find(|lead| lead.email == group.lead);
            assert_eq!(
                lead.map(|lead| lead.hub),
                Some(group.hub),
                "{:?}",
                group.slot
            );
            let held = i32::try_from(group.participants.len()).unwrap();
            assert!(held <= group.capacity);
            assert_eq!(
                held == group.capacity,
                group.status == WorkGroupStatus::Full,
                "{:?}",
                group.slot
            );
        }
    }

    #[test]
    fn london_north_east_s_deadlines_come_one_after_the_other_in_one_order_every_day() {
        let order = [
            Slot::LneYears5To8,
            Slot::LneCoreMaths,
            Slot::LneYears5To8Online,
        ];
        for now in instants() {
            let offer = plan(now);
            let deadlines: Vec<DateTime<Utc>> = order
                .iter()
                .map(|slot| offer.iter().find(|g| g.slot == *slot).unwrap().eoi_deadline)
                .collect();
            assert!(deadlines.windows(2).all(|pair| pair[0] < pair[1]), "{now}");
        }
    }

    #[test]
    fn london_wall_clock_times_are_kept_whatever_the_offset() {
        let march = plan(Utc.with_ymd_and_hms(2027, 3, 28, 0, 30, 0).unwrap());
        for group in &march {
            for session in &group.sessions {
                let local = session.starts_at.with_timezone(&chrono_tz::Europe::London);
                assert!(
                    ["09:00", "09:30", "16:00"]
                        .contains(&local.format("%H:%M").to_string().as_str()),
                    "{}: {local}",
                    group.code
                );
            }
            assert_eq!(
                group
                    .eoi_deadline
                    .with_timezone(&chrono_tz::Europe::London)
                    .format("%H:%M")
                    .to_string(),
                "23:59"
            );
        }
    }

    #[test]
    fn the_plan_is_the_same_all_day_and_moves_with_the_date() {
        let morning = Utc.with_ymd_and_hms(2027, 2, 10, 0, 30, 0).unwrap();
        assert_eq!(plan(morning), plan(morning + Duration::hours(23)));
        assert_ne!(plan(morning), plan(morning + Duration::days(7)));
    }

    #[test]
    fn online_sessions_have_a_link_and_meetings_in_person_a_venue_unless_held_in_school() {
        for group in plan(Utc.with_ymd_and_hms(2027, 2, 10, 12, 0, 0).unwrap()) {
            for session in &group.sessions {
                assert_eq!(
                    session.joining_link.is_some(),
                    session.mode == SessionMode::Online
                );
                let in_person = session.mode == SessionMode::FaceToFace
                    && session.kind == SessionKind::Workshop;
                assert_eq!(session.venue.is_some(), in_person, "{}", group.code);
            }
        }
    }
}
