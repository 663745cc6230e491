//! The demo data: the hubs, Teaching School Hubs, schools, projects and work groups the source
//! documents describe, so the API shows something real on first start. Loading is idempotent
//! (fixed ids, natural keys, `ON CONFLICT DO NOTHING`) and runs in one transaction.
//!
//! Facts come from the documents only. Where they are silent (lead schools, websites, most
//! URNs, the codes of projects other than NCP21-15, the dates of GLOW's groups) the data is
//! either left empty or visibly illustrative, and people are placeholders ("Demo Lead (…)",
//! `@demo.mathshub.invalid`), never the real LLMEs the documents mention.
//!
//! The documents' work groups are of 2021/22, long over: they are loaded completed. What a
//! hub offers today is `demo_offer`, laid out from the date the demo is loaded on.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{
    hub_local_authorities, hub_partnerships, hubs, llme_profile_hubs, llme_profiles, projects,
    schools, sessions, strategic_partners, teaching_school_hub_areas, teaching_school_hubs, users,
    work_group_leads, work_groups,
};
use crate::domain::{
    Admission, DeliveryMode, LeadRole, ProgrammePhase, ProjectKind, RoleInSchool, SchoolPhase,
    SessionKind, SessionMode, StrategicPartnerKind, WorkGroupStatus,
};
use crate::seed::demo_facts::{
    CHESHIRE, GLOW, GLOW_VENUE, LCW, LEAD_GLOW, LEAD_LCW, LEADS, LNE, NewSession, NewWorkGroup,
    NewWorkGroupLead, TWYFORD, TWYFORD_URN, Venue, demo_id, id_of,
};
use crate::seed::reference;

diesel::define_sql_function!(fn lower(text: Text) -> Text);

/// Rows this run wrote, per table: all zero when the demo data was already there.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    /// Local authorities inserted or corrected from the reference list.
    pub local_authorities: usize,
    pub hubs: usize,
    pub hub_local_authorities: usize,
    pub teaching_school_hubs: usize,
    pub teaching_school_hub_areas: usize,
    pub hub_partnerships: usize,
    pub schools: usize,
    pub strategic_partners: usize,
    pub projects: usize,
    pub users: usize,
    /// Sign-in accounts of the demo (one of each role).
    pub demo_accounts: usize,
    pub llme_profiles: usize,
    pub llme_profile_hubs: usize,
    pub work_groups: usize,
    pub work_group_leads: usize,
    pub sessions: usize,
    /// The offer of today (`demo_offer`).
    pub offer: super::demo_offer::OfferSummary,
}

/// Loads England's local authorities and the demo data, with the offer laid out for `now`
/// (`demo_offer`), in one transaction.
pub async fn load(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<DemoSummary> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let mut summary = load_all(conn).await?;
        summary.offer = super::demo_offer::make_current(conn, now).await?;
        // Last, so every passwordless demo account made above gets the demo password.
        summary.demo_accounts = super::demo_accounts::load(conn).await?;
        Ok(summary)
    })
    .await
}

/// Whether the database holds the demo data (its project NCP21-15, by its fixed id).
pub async fn is_loaded(conn: &mut AsyncPgConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        projects::table.filter(projects::id.eq(demo_id(0x0401))),
    ))
    .get_result(conn)
    .await
}

// ---------------------------------------------------------------------------------------------
// The data
// ---------------------------------------------------------------------------------------------

/// The programme's fee policy as document 004 states it for LCW (£75 for non-attendance or
/// for cancelling with less than a week's notice), used for every demo project.
const NON_ATTENDANCE_FEE_PENCE: i32 = 7500;
const CANCELLATION_NOTICE_DAYS: i32 = 7;

struct HubSeed {
    id: Uuid,
    slug: &'static str,
    name: &'static str,
    contact_email: Option<&'static str>,
    /// Education authorities the hub supports, as the documents name them. The hub's region
    /// is theirs, read from the reference list.
    local_authorities: &'static [&'static str],
}

const HUBS: &[HubSeed] = &[
    // Document 001: the areas of its two partner Teaching School Hubs.
    HubSeed {
        id: demo_id(0x0101),
        slug: LNE,
        name: "London North East Maths Hub",
        contact_email: None,
        local_authorities: &[
            "E09000002", // Barking and Dagenham
            "E09000016", // Havering
            "E09000025", // Newham
            "E09000012", // Hackney
        ],
    },
    // Document 004: "works across 7 boroughs of London".
    HubSeed {
        id: demo_id(0x0102),
        slug: LCW,
        name: "London Central and West Maths Hub",
        contact_email: Some("admin@lcwmathshub.co.uk"),
        local_authorities: &[
            "E09000005", // Brent
            "E09000009", // Ealing
            "E09000015", // Harrow
            "E09000013", // Hammersmith and Fulham
            "E09000018", // Hounslow
            "E09000017", // Hillingdon
            "E09000020", // Kensington and Chelsea
        ],
    },
    // Document 002 places GLOW's LLME at a Gloucestershire school; it names no other area.
    HubSeed {
        id: demo_id(0x0103),
        slug: GLOW,
        name: "GLOW Maths Hub",
        contact_email: None,
        local_authorities: &["E10000013"], // Gloucestershire
    },
    // Document 003 lists the authorities but not the hub's name: this one is descriptive.
    HubSeed {
        id: demo_id(0x0104),
        slug: CHESHIRE,
        name: "Cheshire and Wirral Maths Hub",
        contact_email: None,
        local_authorities: &[
            "E06000049", // Cheshire East
            "E06000050", // Cheshire West and Chester
            "E06000006", // Halton
            "E08000015", // Wirral
        ],
    },
];

#[derive(Insertable)]
#[diesel(table_name = teaching_school_hubs)]
struct TeachingSchoolHubSeed {
    id: Uuid,
    slug: &'static str,
    name: &'static str,
    #[diesel(skip_insertion)]
    area: &'static [&'static str],
    #[diesel(skip_insertion)]
    partner_hubs: &'static [&'static str],
}

/// Document 001: London North East works with these two.
const TEACHING_SCHOOL_HUBS: &[TeachingSchoolHubSeed] = &[
    TeachingSchoolHubSeed {
        id: demo_id(0x0201),
        slug: "london-district-east",
        name: "London District East Teaching School Hub",
        area: &["E09000002", "E09000016", "E09000025"], // Barking and Dagenham, Havering, Newham
        partner_hubs: &[LNE],
    },
    TeachingSchoolHubSeed {
        id: demo_id(0x0202),
        slug: "east-london",
        name: "East London Teaching School Hub",
        area: &["E09000012"], // Hackney
        partner_hubs: &[LNE],
    },
];

#[derive(Insertable)]
#[diesel(table_name = schools)]
struct SchoolSeed {
    urn: &'static str,
    name: &'static str,
    phase: SchoolPhase,
    la_code: &'static str,
    district_code: Option<&'static str>,
    postcode: Option<&'static str>,
}

/// Schools the documents name. Except Twyford's, the URNs are illustrative (the 9xxxxx range,
/// which Get Information about Schools does not use): the documents give none.
const SCHOOLS: &[SchoolSeed] = &[
    // Document 004: the LCW group's venue, Twyford Cres, London W3 9PP (Ealing).
    SchoolSeed {
        urn: TWYFORD_URN,
        name: "Twyford Church of England High School",
        phase: SchoolPhase::Secondary,
        la_code: "E09000009",
        district_code: None,
        postcode: Some("W3 9PP"),
    },
    // Document 002: "Chipping Campden School in Gloucestershire", in Cotswold district.
    SchoolSeed {
        urn: "900001",
        name: "Chipping Campden School",
        phase: SchoolPhase::Secondary,
        la_code: "E10000013",
        district_code: Some("E07000079"),
        postcode: None,
    },
    // Document 003's strategic partners that are schools.
    SchoolSeed {
        urn: "900002",
        name: "Our Lady of Pity Primary School",
        phase: SchoolPhase::Primary,
        la_code: "E08000015", // Wirral
        district_code: None,
        postcode: None,
    },
    SchoolSeed {
        urn: "900003",
        name: "Alsager School",
        phase: SchoolPhase::Secondary,
        la_code: "E06000049", // Cheshire East
        district_code: None,
        postcode: None,
    },
    SchoolSeed {
        urn: "900004",
        name: "Meadow Primary School",
        phase: SchoolPhase::Primary,
        // The document does not say which of the hub's authorities the school is in; a school
        // needs one, so this is a guess within the hub's area.
        la_code: "E06000050", // Cheshire West and Chester
        district_code: None,
        postcode: None,
    },
];

struct PartnerSeed {
    id: Uuid,
    hub: &'static str,
    name: &'static str,
    kind: StrategicPartnerKind,
    school_urn: Option<&'static str>,
}

/// Document 003's "key strategic partners", names exactly as listed.
const STRATEGIC_PARTNERS: &[PartnerSeed] = &[
    PartnerSeed {
        id: demo_id(0x0301),
        hub: CHESHIRE,
        name: "Our Lady of Pity Primary School",
        kind: StrategicPartnerKind::School,
        school_urn: Some("900002"),
    },
    PartnerSeed {
        id: demo_id(0x0302),
        hub: CHESHIRE,
        name: "Alsager School",
        kind: StrategicPartnerKind::School,
        school_urn: Some("900003"),
    },
    PartnerSeed {
        id: demo_id(0x0303),
        hub: CHESHIRE,
        name: "Meadow Primary School",
        kind: StrategicPartnerKind::School,
        school_urn: Some("900004"),
    },
    PartnerSeed {
        id: demo_id(0x0304),
        hub: CHESHIRE,
        name: "Deep Learning Teaching School Alliance",
        kind: StrategicPartnerKind::TeachingSchoolAlliance,
        school_urn: None,
    },
    PartnerSeed {
        id: demo_id(0x0305),
        hub: CHESHIRE,
        name: "Wade Deacon Teaching School Alliance",
        kind: StrategicPartnerKind::TeachingSchoolAlliance,
        school_urn: None,
    },
    PartnerSeed {
        id: demo_id(0x0306),
        hub: CHESHIRE,
        name: "Aspirer Research School",
        kind: StrategicPartnerKind::ResearchSchool,
        school_urn: None,
    },
    PartnerSeed {
        id: demo_id(0x0307),
        hub: CHESHIRE,
        name: "Ignite Teaching School Alliance",
        kind: StrategicPartnerKind::TeachingSchoolAlliance,
        school_urn: None,
    },
    PartnerSeed {
        id: demo_id(0x0308),
        hub: CHESHIRE,
        name: "Holy Family Multi Academy Trust",
        kind: StrategicPartnerKind::Trust,
        school_urn: None,
    },
    PartnerSeed {
        id: demo_id(0x0309),
        hub: CHESHIRE,
        name: "The North West Learning Partnership",
        kind: StrategicPartnerKind::Partnership,
        school_urn: None,
    },
    PartnerSeed {
        id: demo_id(0x030a),
        hub: CHESHIRE,
        name: "Chester University",
        kind: StrategicPartnerKind::University,
        school_urn: None,
    },
];

struct ProjectSeed {
    id: Uuid,
    code: &'static str,
    kind: ProjectKind,
    title: &'static str,
    academic_year: &'static str,
    phases: &'static [ProgrammePhase],
    outline: &'static str,
    roles_allowed: &'static [RoleInSchool],
    roles_excluded: &'static [RoleInSchool],
    school_phases: &'static [SchoolPhase],
    /// Code of a project earlier in this list.
    requires_completed: Option<&'static str>,
    follows: Option<&'static str>,
    length: Option<&'static str>,
    expectations: &'static str,
}

const SUBJECT_LEADERSHIP: &str = "NCP21-15";
// Illustrative codes: document 002 names these projects but not their codes. The 9x numbers
// keep them clear of real NCP numbering.
const CORE_MATHS: &str = "NCP21-91";
const TFM_EMBEDDING: &str = "NCP20-92";
const TFM_SUSTAINING: &str = "NCP21-93";
const YEARS_5_TO_8: &str = "NCP21-94";

const CORE_MATHS_OUTLINE: &str =
    "Professional development for teachers of Core Maths, developing the pedagogy of its teaching.";
const CORE_MATHS_EXPECTATIONS: &str = "Participants try out new ideas with their classes between \
sessions and come back together to explore the impact in the next session.";
const YEARS_5_TO_8_OUTLINE: &str = "Continuity of maths teaching and learning across Years 5 to 8, \
from primary into secondary school.";

/// In dependency order: a project comes after the ones it requires or follows.
const PROJECTS: &[ProjectSeed] = &[
    // Document 004, as published.
    ProjectSeed {
        id: demo_id(0x0401),
        code: SUBJECT_LEADERSHIP,
        kind: ProjectKind::National,
        title: "Secondary Subject Leadership",
        academic_year: "2021/22",
        phases: &[ProgrammePhase::Secondary],
        outline: "This new project offers focused support to secondary heads of department/subject leaders, \
to enable them to better understand and implement teaching for mastery approaches across their department, \
and to develop in their role as leaders of both student learning and teacher professional development.\n\n\
It provides an opportunity for participants to deepen their understanding of teaching for mastery approaches, \
of their wider roles, and of their capacity with their colleagues to transform secondary maths learning.",
        roles_allowed: &[RoleInSchool::HeadOfDepartment],
        roles_excluded: &[RoleInSchool::ProspectiveHeadOfDepartment],
        school_phases: &[SchoolPhase::Secondary, SchoolPhase::AllThrough],
        requires_completed: None,
        follows: None,
        length: Some("the equivalent of three days"),
        expectations: "Participants and their schools must be able to commit to the full academic year's \
programme. This is likely to involve some face-to-face activity alongside online collaboration. This project \
is expected to extend beyond the first year's Work Groups. In the second and subsequent years of engagement, \
participants are expected to continue their participation as part of a Maths Hub-led subject leadership \
community.",
    },
    // The rest are named in document 002 without details: outlines stay short and generic,
    // eligibility open, length unknown.
    ProjectSeed {
        id: demo_id(0x0402),
        code: CORE_MATHS,
        kind: ProjectKind::National,
        title: "Developing Core Maths Pedagogy",
        academic_year: "2021/22",
        phases: &[ProgrammePhase::Post16],
        outline: CORE_MATHS_OUTLINE,
        roles_allowed: &[],
        roles_excluded: &[],
        school_phases: &[],
        requires_completed: None,
        follows: None,
        length: None,
        expectations: CORE_MATHS_EXPECTATIONS,
    },
    ProjectSeed {
        id: demo_id(0x0403),
        code: TFM_EMBEDDING,
        kind: ProjectKind::National,
        title: "Teaching for Mastery: Embedding",
        academic_year: "2020/21",
        phases: &[ProgrammePhase::Primary, ProgrammePhase::Secondary],
        outline: "The stage of the Teaching for Mastery programme that comes before Sustaining.",
        roles_allowed: &[],
        roles_excluded: &[],
        school_phases: &[],
        requires_completed: None,
        follows: None,
        length: None,
        expectations: "",
    },
    ProjectSeed {
        id: demo_id(0x0404),
        code: TFM_SUSTAINING,
        kind: ProjectKind::National,
        title: "Teaching for Mastery: Sustaining",
        academic_year: "2021/22",
        phases: &[ProgrammePhase::Primary, ProgrammePhase::Secondary],
        outline: "The stage of the Teaching for Mastery programme that follows Embedding.",
        roles_allowed: &[],
        roles_excluded: &[],
        school_phases: &[],
        requires_completed: Some(TFM_EMBEDDING),
        follows: Some(TFM_EMBEDDING),
        length: None,
        expectations: "",
    },
    ProjectSeed {
        id: demo_id(0x0405),
        code: YEARS_5_TO_8,
        kind: ProjectKind::National,
        title: "Years 5–8 Continuity",
        academic_year: "2021/22",
        phases: &[ProgrammePhase::Primary, ProgrammePhase::Secondary],
        outline: YEARS_5_TO_8_OUTLINE,
        roles_allowed: &[],
        roles_excluded: &[],
        school_phases: &[],
        requires_completed: None,
        follows: None,
        length: None,
        expectations: "",
    },
];

struct WorkGroupSeed {
    id: Uuid,
    hub: &'static str,
    project: &'static str,
    code: &'static str,
    title: &'static str,
    phase: ProgrammePhase,
    mode: DeliveryMode,
    capacity: i32,
    admission: Admission,
    /// London local time, `YYYY-MM-DD HH:MM`.
    eoi_deadline: &'static str,
    status: WorkGroupStatus,
    /// Where it meets in person; `None` for a group that only meets online.
    venue: Option<&'static Venue>,
    description: &'static str,
    leads: &'static [(&'static str, LeadRole)],
}

const LCW_SUBJECT_LEADERSHIP: &str = "LCW21-15-01";
const GLOW_CORE_MATHS: &str = "GLOW21-91-01";

const GLOW_TBC: &str = "Dates to be confirmed by the hub.";

const WORK_GROUPS: &[WorkGroupSeed] = &[
    // Document 004.
    WorkGroupSeed {
        id: demo_id(0x0601),
        hub: LCW,
        project: SUBJECT_LEADERSHIP,
        code: LCW_SUBJECT_LEADERSHIP,
        title: "Secondary Subject Leadership",
        phase: ProgrammePhase::Secondary,
        mode: DeliveryMode::Blended,
        capacity: 30,
        admission: Admission::Review,
        eoi_deadline: "2021-11-01 23:59",
        status: WorkGroupStatus::Completed,
        venue: Some(&TWYFORD),
        description: "Focused support for secondary heads of department/subject leaders, to better understand \
and implement teaching for mastery approaches across their department and to develop in their role as leaders \
of both student learning and teacher professional development. The Work Group follows a workshop – school-based \
task cycle: several workshops, each followed by school-based tasks planned to take account of the subject \
leaders' own contexts. Lunch will not be provided but you will have time to go to the local shops or bring \
your own.",
        leads: &[(LEAD_LCW, LeadRole::WorkGroupLead)],
    },
    // Document 002: the four groups GLOW's Assistant Maths Hub Lead (Post 16) led that year.
    WorkGroupSeed {
        id: demo_id(0x0602),
        hub: GLOW,
        project: CORE_MATHS,
        code: GLOW_CORE_MATHS,
        title: "Developing Core Maths Pedagogy",
        phase: ProgrammePhase::Post16,
        mode: DeliveryMode::FaceToFace,
        capacity: 20,
        admission: Admission::Automatic,
        eoi_deadline: "2021-10-01 23:59",
        status: WorkGroupStatus::Completed,
        venue: Some(&GLOW_VENUE),
        description: "Three full-day, face-to-face sessions across the year, exploring pedagogical approaches \
such as group discussion, engaging with research and collaborative planning. Participants try out new ideas \
with their classes between sessions; each session leaves time to evaluate the ideas trialled and reflect on how \
they could be assimilated into their own practice, aiming at something tangible to take back to school.",
        leads: &[(LEAD_GLOW, LeadRole::WorkGroupLead)],
    },
    WorkGroupSeed {
        id: demo_id(0x0603),
        hub: GLOW,
        project: TFM_SUSTAINING,
        code: "GLOW21-93-01",
        title: "Sustaining Teaching for Mastery",
        // The project serves both phases; the document does not say which this group is for.
        phase: ProgrammePhase::Secondary,
        mode: DeliveryMode::Blended,
        capacity: 20,
        admission: Admission::Automatic,
        eoi_deadline: "2021-10-15 23:59",
        status: WorkGroupStatus::Completed,
        venue: Some(&GLOW_VENUE),
        description: GLOW_TBC,
        leads: &[(LEAD_GLOW, LeadRole::WorkGroupLead)],
    },
    WorkGroupSeed {
        id: demo_id(0x0604),
        hub: GLOW,
        project: YEARS_5_TO_8,
        code: "GLOW21-94-01",
        title: "Years 5–8 Continuity",
        phase: ProgrammePhase::Secondary,
        mode: DeliveryMode::Blended,
        capacity: 20,
        admission: Admission::Automatic,
        eoi_deadline: "2021-10-15 23:59",
        status: WorkGroupStatus::Completed,
        venue: Some(&GLOW_VENUE),
        description: GLOW_TBC,
        leads: &[(LEAD_GLOW, LeadRole::WorkGroupLead)],
    },
    WorkGroupSeed {
        id: demo_id(0x0605),
        hub: GLOW,
        project: YEARS_5_TO_8,
        code: "GLOW21-94-02",
        title: "Years 5–8 Continuity",
        phase: ProgrammePhase::Secondary,
        mode: DeliveryMode::Blended,
        capacity: 20,
        admission: Admission::Automatic,
        eoi_deadline: "2021-10-15 23:59",
        status: WorkGroupStatus::Completed,
        venue: Some(&GLOW_VENUE),
        description: GLOW_TBC,
        leads: &[(LEAD_GLOW, LeadRole::WorkGroupLead)],
    },
];

struct SessionSeed {
    id: Uuid,
    work_group: &'static str,
    mode: SessionMode,
    /// London local date and times.
    date: &'static str,
    from: &'static str,
    to: &'static str,
    venue: Option<&'static Venue>,
    joining_link: Option<&'static str>,
}

/// A face-to-face workshop at the GLOW venue, 09:30–15:30 London time.
const fn glow_workshop(id: u16, work_group: &'static str, date: &'static str) -> SessionSeed {
    SessionSeed {
        id: demo_id(id),
        work_group,
        mode: SessionMode::FaceToFace,
        date,
        from: "09:30",
        to: "15:30",
        venue: Some(&GLOW_VENUE),
        joining_link: None,
    }
}

const SESSIONS: &[SessionSeed] = &[
    // Document 004: "17th Nov. 21 (Twyford) / 3rd Feb. 22 (Online) / 25th May 22 (Twyford) - 9:30am-2:30pm".
    SessionSeed {
        id: demo_id(0x0701),
        work_group: LCW_SUBJECT_LEADERSHIP,
        mode: SessionMode::FaceToFace,
        date: "2021-11-17",
        from: "09:30",
        to: "14:30",
        venue: Some(&TWYFORD),
        joining_link: None,
    },
    SessionSeed {
        id: demo_id(0x0702),
        work_group: LCW_SUBJECT_LEADERSHIP,
        mode: SessionMode::Online,
        date: "2022-02-03",
        from: "09:30",
        to: "14:30",
        venue: None,
        joining_link: Some("https://meet.example.invalid/lcw21-15-01"),
    },
    SessionSeed {
        id: demo_id(0x0703),
        work_group: LCW_SUBJECT_LEADERSHIP,
        mode: SessionMode::FaceToFace,
        date: "2022-05-25",
        from: "09:30",
        to: "14:30",
        venue: Some(&TWYFORD),
        joining_link: None,
    },
    // Document 002: "three full-day, face-to-face sessions across the year"; the dates are
    // illustrative.
    SessionSeed {
        id: demo_id(0x0711),
        work_group: GLOW_CORE_MATHS,
        mode: SessionMode::FaceToFace,
        date: "2021-10-14",
        from: "09:30",
        to: "15:30",
        venue: Some(&GLOW_VENUE),
        joining_link: None,
    },
    SessionSeed {
        id: demo_id(0x0712),
        work_group: GLOW_CORE_MATHS,
        mode: SessionMode::FaceToFace,
        date: "2022-02-10",
        from: "09:30",
        to: "15:30",
        venue: Some(&GLOW_VENUE),
        joining_link: None,
    },
    SessionSeed {
        id: demo_id(0x0713),
        work_group: GLOW_CORE_MATHS,
        mode: SessionMode::FaceToFace,
        date: "2022-06-16",
        from: "09:30",
        to: "15:30",
        venue: Some(&GLOW_VENUE),
        joining_link: None,
    },
    // The other three GLOW groups: the document gives no dates, but a group is only open for
    // expressions of interest once it has sessions, so these are illustrative too.
    glow_workshop(0x0721, "GLOW21-93-01", "2021-11-11"),
    glow_workshop(0x0722, "GLOW21-93-01", "2022-03-10"),
    glow_workshop(0x0731, "GLOW21-94-01", "2021-11-25"),
    glow_workshop(0x0732, "GLOW21-94-01", "2022-03-24"),
    glow_workshop(0x0741, "GLOW21-94-02", "2021-12-02"),
    glow_workshop(0x0742, "GLOW21-94-02", "2022-04-28"),
];

// ---------------------------------------------------------------------------------------------
// New rows
// ---------------------------------------------------------------------------------------------

#[derive(Insertable)]
#[diesel(table_name = hubs)]
struct NewHub<'a> {
    id: Uuid,
    slug: &'a str,
    name: &'a str,
    region: &'a str,
    contact_email: Option<&'a str>,
}

#[derive(Insertable)]
#[diesel(table_name = hub_local_authorities)]
struct NewCoverage<'a> {
    hub_id: Uuid,
    la_code: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = teaching_school_hub_areas)]
struct NewArea<'a> {
    teaching_school_hub_id: Uuid,
    la_code: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = hub_partnerships)]
struct NewPartnership {
    hub_id: Uuid,
    teaching_school_hub_id: Uuid,
}

#[derive(Insertable)]
#[diesel(table_name = strategic_partners)]
struct NewStrategicPartner<'a> {
    id: Uuid,
    hub_id: Uuid,
    name: &'a str,
    kind: StrategicPartnerKind,
    school_urn: Option<&'a str>,
}

#[derive(Insertable)]
#[diesel(table_name = projects)]
struct NewProject<'a> {
    id: Uuid,
    code: &'a str,
    kind: ProjectKind,
    title: &'a str,
    academic_year: &'a str,
    phases: &'a [ProgrammePhase],
    outline: &'a str,
    roles_allowed: &'a [RoleInSchool],
    roles_excluded: &'a [RoleInSchool],
    school_phases: &'a [SchoolPhase],
    requires_completed_id: Option<Uuid>,
    length: Option<&'a str>,
    cost_pence: i32,
    non_attendance_fee_pence: i32,
    cancellation_notice_days: i32,
    expectations: &'a str,
    follows_id: Option<Uuid>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUser<'a> {
    id: Uuid,
    email: &'a str,
    name: &'a str,
    role: &'a str,
    hub_id: Option<Uuid>,
}

#[derive(Insertable)]
#[diesel(table_name = llme_profiles)]
struct NewProfile<'a> {
    user_id: Uuid,
    display_name: &'a str,
    phases: &'a [ProgrammePhase],
    specialisms: &'a [&'a str],
    bio: &'a str,
    roles_held: &'a [&'a str],
    community_member: bool,
    published: bool,
}

#[derive(Insertable)]
#[diesel(table_name = llme_profile_hubs)]
struct NewProfileHub {
    user_id: Uuid,
    hub_id: Uuid,
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// The instant of a London wall-clock time (`2021-11-17`, `09:30`), GMT or BST as it falls.
fn london(date: &str, time: &str) -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y-%m-%d %H:%M")
        .unwrap_or_else(|error| panic!("demo time {date} {time}: {error}"));
    London
        .from_local_datetime(&local)
        .single()
        .unwrap_or_else(|| panic!("demo time {date} {time} falls in a clock change"))
        .with_timezone(&Utc)
}

/// Inserts `rows` into `table`, skipping those already there (by id or natural key);
/// evaluates to how many it inserted.
macro_rules! insert_missing {
    ($conn:expr, $table:expr, $rows:expr) => {
        diesel::insert_into($table)
            .values($rows)
            .on_conflict_do_nothing()
            .execute(&mut *$conn)
            .await?
    };
}

/// Inserts what is missing, in dependency order. Every insert skips rows already present (by
/// id or natural key), and ids are then read back by natural key, so rows created earlier — by
/// a previous load or by an admin — are linked to rather than duplicated.
async fn load_all(conn: &mut AsyncPgConnection) -> QueryResult<DemoSummary> {
    let summary = DemoSummary {
        local_authorities: reference::load_local_authorities(conn).await?,
        ..DemoSummary::default()
    };
    let mut load = Loader {
        conn,
        summary,
        ids: Ids::default(),
    };
    load.hubs().await?;
    load.teaching_school_hubs().await?;
    load.schools().await?;
    load.strategic_partners().await?;
    load.projects().await?;
    load.leads().await?;
    load.profiles().await?;
    load.work_groups().await?;
    load.work_group_leads().await?;
    load.sessions().await?;
    Ok(load.summary)
}

/// The ids the rows of the data have in the database, by natural key.
#[derive(Default)]
struct Ids {
    /// By slug.
    hubs: HashMap<String, Uuid>,
    /// With the project's academic year, by code.
    projects: HashMap<String, (Uuid, String)>,
    /// By email, lowercase: emails are unique whatever their case.
    users: HashMap<String, Uuid>,
    /// By code.
    work_groups: HashMap<String, Uuid>,
}

impl Ids {
    fn hub(&self, slug: &str) -> QueryResult<Uuid> {
        id_of(&self.hubs, slug)
    }

    fn project(&self, code: &str) -> QueryResult<&(Uuid, String)> {
        self.projects
            .get(code)
            .ok_or(diesel::result::Error::NotFound)
    }

    /// The id of the project `code` names, if it names one.
    fn project_link(&self, code: Option<&str>) -> QueryResult<Option<Uuid>> {
        code.map(|code| self.project(code).map(|(id, _)| *id))
            .transpose()
    }

    /// The row of a work group of the data.
    fn work_group_row<'a>(&'a self, group: &'a WorkGroupSeed) -> QueryResult<NewWorkGroup<'a>> {
        let (project_id, academic_year) = self.project(group.project)?;
        Ok(NewWorkGroup {
            id: group.id,
            hub_id: self.hub(group.hub)?,
            project_id: *project_id,
            academic_year,
            code: group.code,
            title: group.title,
            phase: group.phase,
            mode: group.mode,
            capacity: Some(group.capacity),
            accepted_count: 0,
            admission: group.admission,
            eoi_deadline: Some(london_deadline(group.eoi_deadline)),
            status: group.status,
            cancellation_reason: None,
            venue_name: group.venue.map(|venue| venue.name),
            venue_address: group.venue.map(|venue| venue.address),
            venue_postcode: group.venue.and_then(|venue| venue.postcode),
            description: group.description,
        })
    }
}

/// One load: each step inserts one part of the data, counts the rows it wrote in `summary`,
/// and keeps in `ids` what the later steps link to.
struct Loader<'c> {
    conn: &'c mut AsyncPgConnection,
    summary: DemoSummary,
    ids: Ids,
}

impl Loader<'_> {
    /// The hubs, and the authorities they cover: an authority already covered (by this hub
    /// or another) is left as it is.
    async fn hubs(&mut self) -> QueryResult<()> {
        let authorities = reference::england_local_authorities()
            .map_err(|error| diesel::result::Error::DeserializationError(Box::new(error)))?;
        let new_hubs = hub_rows(&authorities)?;
        self.summary.hubs = insert_missing!(self.conn, hubs::table, &new_hubs);
        self.ids.hubs = hubs::table
            .filter(hubs::slug.eq_any(HUBS.iter().map(|hub| hub.slug)))
            .select((hubs::slug, hubs::id))
            .load(self.conn)
            .await?
            .into_iter()
            .collect();
        let mut coverage = Vec::new();
        for hub in HUBS {
            let hub_id = self.ids.hub(hub.slug)?;
            coverage.extend(
                hub.local_authorities
                    .iter()
                    .map(|la_code| NewCoverage { hub_id, la_code }),
            );
        }
        self.summary.hub_local_authorities =
            insert_missing!(self.conn, hub_local_authorities::table, &coverage);
        Ok(())
    }

    /// The Teaching School Hubs, their areas and their partner hubs.
    async fn teaching_school_hubs(&mut self) -> QueryResult<()> {
        self.summary.teaching_school_hubs =
            insert_missing!(self.conn, teaching_school_hubs::table, TEACHING_SCHOOL_HUBS);
        let tsh_ids: HashMap<String, Uuid> = teaching_school_hubs::table
            .filter(
                teaching_school_hubs::slug.eq_any(TEACHING_SCHOOL_HUBS.iter().map(|tsh| tsh.slug)),
            )
            .select((teaching_school_hubs::slug, teaching_school_hubs::id))
            .load(self.conn)
            .await?
            .into_iter()
            .collect();
        let (mut areas, mut partnerships) = (Vec::new(), Vec::new());
        for tsh in TEACHING_SCHOOL_HUBS {
            let teaching_school_hub_id = id_of(&tsh_ids, tsh.slug)?;
            areas.extend(tsh.area.iter().map(|la_code| NewArea {
                teaching_school_hub_id,
                la_code,
            }));
            for hub in tsh.partner_hubs {
                partnerships.push(NewPartnership {
                    hub_id: self.ids.hub(hub)?,
                    teaching_school_hub_id,
                });
            }
        }
        self.summary.teaching_school_hub_areas =
            insert_missing!(self.conn, teaching_school_hub_areas::table, &areas);
        self.summary.hub_partnerships =
            insert_missing!(self.conn, hub_partnerships::table, &partnerships);
        Ok(())
    }

    async fn schools(&mut self) -> QueryResult<()> {
        self.summary.schools = insert_missing!(self.conn, schools::table, SCHOOLS);
        Ok(())
    }

    async fn strategic_partners(&mut self) -> QueryResult<()> {
        let new_partners = STRATEGIC_PARTNERS
            .iter()
            .map(|partner| {
                Ok(NewStrategicPartner {
                    id: partner.id,
                    hub_id: self.ids.hub(partner.hub)?,
                    name: partner.name,
                    kind: partner.kind,
                    school_urn: partner.school_urn,
                })
            })
            .collect::<QueryResult<Vec<_>>>()?;
        self.summary.strategic_partners =
            insert_missing!(self.conn, strategic_partners::table, &new_partners);
        Ok(())
    }

    /// The projects one at a time, in list order, so that a project's prerequisite already
    /// has its id.
    async fn projects(&mut self) -> QueryResult<()> {
        for project in PROJECTS {
            let new_project = NewProject {
                id: project.id,
                code: project.code,
                kind: project.kind,
                title: project.title,
                academic_year: project.academic_year,
                phases: project.phases,
                outline: project.outline,
                roles_allowed: project.roles_allowed,
                roles_excluded: project.roles_excluded,
                school_phases: project.school_phases,
                requires_completed_id: self.ids.project_link(project.requires_completed)?,
                length: project.length,
                cost_pence: 0,
                non_attendance_fee_pence: NON_ATTENDANCE_FEE_PENCE,
                cancellation_notice_days: CANCELLATION_NOTICE_DAYS,
                expectations: project.expectations,
                follows_id: self.ids.project_link(project.follows)?,
            };
            self.summary.projects += insert_missing!(self.conn, projects::table, &new_project);
            let found = projects::table
                .filter(projects::code.eq(project.code))
                .select((projects::id, projects::academic_year))
                .first::<(Uuid, String)>(self.conn)
                .await?;
            self.ids.projects.insert(project.code.to_owned(), found);
        }
        Ok(())
    }

    /// The leads' accounts.
    async fn leads(&mut self) -> QueryResult<()> {
        let new_users = LEADS
            .iter()
            .map(|lead| {
                Ok(NewUser {
                    id: lead.id,
                    email: lead.email,
                    name: lead.name,
                    role: "lead",
                    hub_id: Some(self.ids.hub(lead.hub)?),
                })
            })
            .collect::<QueryResult<Vec<_>>>()?;
        self.summary.users = insert_missing!(self.conn, users::table, &new_users);
        self.ids.users = users::table
            .filter(lower(users::email).eq_any(LEADS.iter().map(|lead| lead.email)))
            .select((lower(users::email), users::id))
            .load(self.conn)
            .await?
            .into_iter()
            .collect();
        Ok(())
    }

    /// The leads' published profiles, each with its hub.
    async fn profiles(&mut self) -> QueryResult<()> {
        let (mut profiles, mut profile_hubs) = (Vec::new(), Vec::new());
        for lead in LEADS {
            let user_id = id_of(&self.ids.users, lead.email)?;
            profiles.push(NewProfile {
                user_id,
                display_name: lead.name,
                phases: lead.phases,
                specialisms: lead.specialisms,
                bio: lead.bio,
                roles_held: lead.roles_held,
                community_member: true,
                published: true,
            });
            profile_hubs.push(NewProfileHub {
                user_id,
                hub_id: self.ids.hub(lead.hub)?,
            });
        }
        self.summary.llme_profiles = insert_missing!(self.conn, llme_profiles::table, &profiles);
        self.summary.llme_profile_hubs =
            insert_missing!(self.conn, llme_profile_hubs::table, &profile_hubs);
        Ok(())
    }

    /// The work groups, each carrying its project's academic year (the composite foreign
    /// key).
    async fn work_groups(&mut self) -> QueryResult<()> {
        let new_work_groups = WORK_GROUPS
            .iter()
            .map(|group| self.ids.work_group_row(group))
            .collect::<QueryResult<Vec<_>>>()?;
        self.summary.work_groups = insert_missing!(self.conn, work_groups::table, &new_work_groups);
        // Codes are unique within an academic year.
        let work_group_ids: HashMap<String, Uuid> = work_groups::table
            .filter(work_groups::code.eq_any(new_work_groups.iter().map(|group| group.code)))
            .select((
                work_groups::academic_year,
                work_groups::code,
                work_groups::id,
            ))
            .load::<(String, String, Uuid)>(self.conn)
            .await?
            .into_iter()
            .filter(|(year, code, _)| {
                new_work_groups
                    .iter()
                    .any(|g| g.code == code && g.academic_year == year)
            })
            .map(|(_, code, id)| (code, id))
            .collect();
        self.ids.work_groups = work_group_ids;
        Ok(())
    }

    async fn work_group_leads(&mut self) -> QueryResult<()> {
        let mut leads = Vec::new();
        for group in WORK_GROUPS {
            let work_group_id = id_of(&self.ids.work_groups, group.code)?;
            for (email, role) in group.leads {
                leads.push(NewWorkGroupLead {
                    work_group_id,
                    user_id: id_of(&self.ids.users, email)?,
                    role: *role,
                });
            }
        }
        self.summary.work_group_leads = insert_missing!(self.conn, work_group_leads::table, &leads);
        Ok(())
    }

    /// The sessions; the sessions trigger keeps each group's first and last session and its
    /// count in step. A session already there, or one overlapping it in the same group, is
    /// skipped.
    async fn sessions(&mut self) -> QueryResult<()> {
        let new_sessions = SESSIONS
            .iter()
            .map(|session| {
                Ok(NewSession {
                    id: session.id,
                    work_group_id: id_of(&self.ids.work_groups, session.work_group)?,
                    kind: SessionKind::Workshop,
                    mode: session.mode,
                    starts_at: london(session.date, session.from),
                    ends_at: london(session.date, session.to),
                    venue_name: session.venue.map(|venue| venue.name),
                    venue_address: session.venue.map(|venue| venue.address),
                    venue_postcode: session.venue.and_then(|venue| venue.postcode),
                    joining_link: session.joining_link,
                    notes: None,
                })
            })
            .collect::<QueryResult<Vec<_>>>()?;
        self.summary.sessions = insert_missing!(self.conn, sessions::table, &new_sessions);
        Ok(())
    }
}

/// The hubs' rows: each takes the region of the authorities it covers.
fn hub_rows(authorities: &[reference::LocalAuthorityRecord]) -> QueryResult<Vec<NewHub<'_>>> {
    let region_of: HashMap<&str, &str> = authorities
        .iter()
        .map(|la| (la.gss_code.as_str(), la.region.as_str()))
        .collect();
    HUBS.iter()
        .map(|hub| {
            let region = hub
                .local_authorities
                .first()
                .and_then(|code| region_of.get(code).copied());
            Ok(NewHub {
                id: hub.id,
                slug: hub.slug,
                name: hub.name,
                region: region.ok_or(diesel::result::Error::NotFound)?,
                contact_email: hub.contact_email,
            })
        })
        .collect()
}

/// `london` for a `YYYY-MM-DD HH:MM` deadline.
fn london_deadline(local: &str) -> DateTime<Utc> {
    let (date, time) = local.split_once(' ').unwrap_or((local, "00:00"));
    london(date, time)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::domain::LaKind;

    fn authorities() -> HashMap<String, reference::LocalAuthorityRecord> {
        reference::england_local_authorities()
            .expect("the embedded CSV parses")
            .into_iter()
            .map(|la| (la.gss_code.clone(), la))
            .collect()
    }

    #[test]
    fn hubs_cover_education_authorities_of_one_region_each_once() {
        let authorities = authorities();
        let mut covered = HashSet::new();
        for hub in HUBS {
            let regions: HashSet<&str> = hub
                .local_authorities
                .iter()
                .map(|code| authorities[*code].region.as_str())
                .collect();
            assert_eq!(regions.len(), 1, "{} spans {regions:?}", hub.slug);
            for code in hub.local_authorities {
                assert!(authorities[*code].kind.is_education_authority(), "{code}");
                assert!(covered.insert(code), "{code} covered twice");
            }
        }
    }

    #[test]
    fn named_authorities_match_the_reference_list() {
        let authorities = authorities();
        for (code, name) in [
            ("E09000002", "Barking and Dagenham"),
            ("E09000016", "Havering"),
            ("E09000025", "Newham"),
            ("E09000012", "Hackney"),
            ("E09000009", "Ealing"),
            ("E10000013", "Gloucestershire"),
            ("E06000049", "Cheshire East"),
            ("E06000050", "Cheshire West and Chester"),
            ("E06000006", "Halton"),
            ("E08000015", "Wirral"),
        ] {
            assert_eq!(authorities[code].name, name);
        }
        let cotswold = &authorities["E07000079"];
        assert_eq!(
            (cotswold.name.as_str(), cotswold.kind),
            ("Cotswold", LaKind::District)
        );
        assert_eq!(cotswold.parent_gss_code.as_deref(), Some("E10000013"));
    }

    #[test]
    fn schools_sit_in_known_authorities_with_valid_districts() {
        let authorities = authorities();
        for school in SCHOOLS {
            assert!(
                crate::domain::Urn::parse(school.urn).is_ok(),
                "{}",
                school.urn
            );
            assert!(authorities[school.la_code].kind.is_education_authority());
            if let Some(district) = school.district_code {
                assert_eq!(
                    authorities[district].parent_gss_code.as_deref(),
                    Some(school.la_code)
                );
            }
        }
    }

    #[test]
    fn partner_schools_are_seeded_schools() {
        for partner in STRATEGIC_PARTNERS {
            if let Some(urn) = partner.school_urn {
                let school = SCHOOLS.iter().find(|s| s.urn == urn).expect("seeded");
                assert_eq!(school.name, partner.name);
            }
        }
        assert_eq!(STRATEGIC_PARTNERS.len(), 10);
    }

    #[test]
    fn project_codes_are_valid_and_links_point_backwards() {
        for (i, project) in PROJECTS.iter().enumerate() {
            assert!(
                crate::domain::ProjectCode::parse(project.code).is_ok(),
                "{}",
                project.code
            );
            assert!(crate::domain::AcademicYear::parse(project.academic_year).is_ok());
            for code in [project.requires_completed, project.follows]
                .into_iter()
                .flatten()
            {
                assert!(
                    PROJECTS[..i].iter().any(|p| p.code == code),
                    "{code} must come before {}",
                    project.code
                );
            }
        }
    }

    #[test]
    fn work_groups_serve_a_phase_of_their_project_and_open_before_they_meet() {
        for group in WORK_GROUPS {
            let project = PROJECTS
                .iter()
                .find(|p| p.code == group.project)
                .expect("project");
            assert!(project.phases.contains(&group.phase), "{}", group.code);
            let deadline = london_deadline(group.eoi_deadline);
            for session in SESSIONS.iter().filter(|s| s.work_group == group.code) {
                assert!(
                    deadline < london(session.date, session.from),
                    "{}",
                    group.code
                );
            }
        }
    }

    #[test]
    fn sessions_keep_london_wall_clock_across_summer_time() {
        assert_eq!(
            london("2021-11-17", "09:30").to_rfc3339(),
            "2021-11-17T09:30:00+00:00"
        );
        assert_eq!(
            london("2022-05-25", "09:30").to_rfc3339(),
            "2022-05-25T08:30:00+00:00"
        );
        assert_eq!(
            london_deadline("2021-11-01 23:59").to_rfc3339(),
            "2021-11-01T23:59:00+00:00"
        );
        for session in SESSIONS {
            assert!(london(session.date, session.from) < london(session.date, session.to));
            assert_eq!(
                session.venue.is_some(),
                session.mode == SessionMode::FaceToFace
            );
            assert_eq!(
                session.joining_link.is_some(),
                session.mode == SessionMode::Online
            );
        }
    }

    #[test]
    fn demo_ids_are_distinct_uuid_v7() {
        let ids: Vec<Uuid> = HUBS
            .iter()
            .map(|h| h.id)
            .chain(TEACHING_SCHOOL_HUBS.iter().map(|t| t.id))
            .chain(STRATEGIC_PARTNERS.iter().map(|p| p.id))
            .chain(PROJECTS.iter().map(|p| p.id))
            .chain(LEADS.iter().map(|l| l.id))
            .chain(WORK_GROUPS.iter().map(|w| w.id))
            .chain(SESSIONS.iter().map(|s| s.id))
            .collect();
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
        assert!(ids.iter().all(|id| id.get_version_num() == 7));
    }
}
