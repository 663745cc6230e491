//! Synthetic data at national scale, for benchmarks: Maths Hubs sharing England's 153
//! education authorities, schools across them, a project per programme phase per academic
//! year, LLME leads, and work groups with their sessions; and, for the reach report,
//! Teaching School Hubs, teachers, their enrolments and the attendance of groups that have
//! met (`engagement`). Every value is drawn from seeded random streams, so the same sizes
//! always give the same rows (ids included).
//!
//! Synthetic data needs a database of its own: loading refuses a database holding hubs,
//! schools, projects or work groups that are not synthetic. Synthetic rows from an earlier
//! load are deleted first, in the same transaction, so a second run (with the same sizes or
//! others) leaves exactly one synthetic data set. Synthetic rows are recognised by their
//! markers: hub slugs `synthetic-hub-…`, Teaching School Hub slugs `synthetic-tsh-…`, school
//! names `Synthetic …`, project codes `SYNyy-…` and emails `…@synthetic.invalid`.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Europe::London;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use uuid::Uuid;

use crate::db::schema::{
    attendance, enrolments, hub_local_authorities, hubs, llme_profile_hubs, llme_profiles,
    projects, schools, sessions, teaching_school_hub_areas, teaching_school_hubs, users,
    work_group_leads, work_groups,
};
use crate::domain::{
    Admission, DeliveryMode, LaKind, LeadRole, ProgrammePhase, ProjectKind, SchoolPhase,
    SchoolStatus, SessionKind, SessionMode, WorkGroupStatus,
};
use crate::seed::reference::{self, LocalAuthorityRecord};

mod engagement;

/// How much synthetic data to load. The defaults are about national scale.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct SyntheticSizes {
    /// Synthetic Maths Hubs sharing England's 153 education authorities (1 to 153).
    #[arg(
        long = "hubs",
        env = "MATHSHUB_SYNTHETIC_HUBS",
        default_value_t = 40,
        value_parser = clap::value_parser!(u32).range(1..=153)
    )]
    pub hubs: u32,

    /// Synthetic schools, with URNs from 100001 up (at most 899999).
    #[arg(
        long = "schools",
        env = "MATHSHUB_SYNTHETIC_SCHOOLS",
        default_value_t = 20_000,
        value_parser = clap::value_parser!(u32).range(0..=899_999)
    )]
    pub schools: u32,

    /// Academic years of projects and work groups, from 2021/22 on (1 to 20).
    #[arg(
        long = "years",
        env = "MATHSHUB_SYNTHETIC_YEARS",
        default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..=20)
    )]
    pub academic_years: u32,

    /// Work groups per academic year (0 to 9999), shared round-robin between the hubs.
    #[arg(
        long = "groups-per-year",
        env = "MATHSHUB_SYNTHETIC_GROUPS_PER_YEAR",
        default_value_t = 1500,
        value_parser = clap::value_parser!(u32).range(0..=9999)
    )]
    pub work_groups_per_year: u32,

    /// Sessions of each work group (1 to 20), weekly or monthly.
    #[arg(
        long = "sessions-per-group",
        env = "MATHSHUB_SYNTHETIC_SESSIONS_PER_GROUP",
        default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..=20)
    )]
    pub sessions_per_group: u32,
}

impl Default for SyntheticSizes {
    /// The command line's defaults.
    fn default() -> Self {
        Self {
            hubs: 40,
            schools: 20_000,
            academic_years: 5,
            work_groups_per_year: 1500,
            sessions_per_group: 5,
        }
    }
}

impl SyntheticSizes {
    /// The same checks as the command line's, for callers that build sizes in code.
    fn check(&self) -> Result<(), SyntheticError> {
        let checks = [
            ("hubs", self.hubs, 1, EDUCATION_AUTHORITIES),
            ("schools", self.schools, 0, 899_999),
            ("years", self.academic_years, 1, 20),
            ("groups-per-year", self.work_groups_per_year, 0, 9999),
            ("sessions-per-group", self.sessions_per_group, 1, 20),
        ];
        for (name, value, min, max) in checks {
            if !(min..=max).contains(&value) {
                return Err(SyntheticError(format!(
                    "--{name} must be between {min} and {max}, not {value}"
                )));
            }
        }
        Ok(())
    }
}

/// Rows loaded, per table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticSummary {
    /// Local authorities inserted or corrected from the reference list.
    pub local_authorities: usize,
    /// Work groups of an earlier synthetic load, deleted before this one.
    pub replaced_work_groups: usize,
    pub hubs: usize,
    pub hub_local_authorities: usize,
    pub schools: usize,
    pub projects: usize,
    /// LLME users (role `lead`), one profile each.
    pub leads: usize,
    pub llme_profiles: usize,
    pub llme_profile_hubs: usize,
    pub work_groups: usize,
    pub work_group_leads: usize,
    pub sessions: usize,
    pub teaching_school_hubs: usize,
    pub teaching_school_hub_areas: usize,
    /// Teachers (role `participant`) who enrolled.
    pub participants: usize,
    pub enrolments: usize,
    pub attendance: usize,
}

/// Why synthetic data was not loaded (bad sizes, or a database that is not synthetic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticError(pub String);

impl fmt::Display for SyntheticError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SyntheticError {}

impl From<SyntheticError> for diesel::result::Error {
    fn from(error: SyntheticError) -> Self {
        diesel::result::Error::QueryBuilderError(Box::new(error))
    }
}

/// Loads England's local authorities, then synthetic data of these sizes in one transaction
/// (replacing an earlier synthetic load), then vacuums and analyses the tables it filled so
/// the planner sees the new row counts.
pub async fn load(
    conn: &mut AsyncPgConnection,
    sizes: &SyntheticSizes,
) -> QueryResult<SyntheticSummary> {
    sizes.check()?;
    let summary = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| load_all(conn, sizes).await)
        .await?;
    // Inserting sessions updates their work group five times over (the trigger keeping the
    // session span): clear the dead rows and refresh statistics before anyone measures.
    conn.batch_execute(
        "VACUUM (ANALYZE) local_authorities, hubs, hub_local_authorities, schools, projects, users, \
         llme_profiles, llme_profile_hubs, work_groups, work_group_leads, sessions, \
         teaching_school_hubs, teaching_school_hub_areas, enrolments, attendance",
    )
    .await?;
    Ok(summary)
}

const EDUCATION_AUTHORITIES: u32 = 153;
const LEADS_PER_HUB: usize = 10;
const FIRST_ACADEMIC_YEAR: i32 = 2021;
/// Rows per INSERT: well under PostgreSQL's 65535 bound parameters for the widest table.
const BATCH_ROWS: usize = 1000;
/// Fixed seed: the data set is a function of the sizes only.
const SEED: u64 = 0x6d61_7468_7368_7562; // "mathshub"

const SYNTHETIC_HUB_SLUG: &str = "synthetic-hub-%";
const SYNTHETIC_TSH_SLUG: &str = "synthetic-tsh-%";
const SYNTHETIC_SCHOOL_NAME: &str = "Synthetic %";
const SYNTHETIC_PROJECT_CODE: &str = "^SYN[0-9]{2}-";
const SYNTHETIC_EMAIL: &str = "%@synthetic.invalid";

#[derive(QueryableByName)]
struct Occupancy {
    #[diesel(sql_type = BigInt)]
    other_hubs: i64,
    #[diesel(sql_type = BigInt)]
    other_schools: i64,
    #[diesel(sql_type = BigInt)]
    other_projects: i64,
    #[diesel(sql_type = BigInt)]
    other_work_groups: i64,
    #[diesel(sql_type = BigInt)]
    other_teaching_school_hubs: i64,
}

/// Inserts `rows` in multi-row statements of `BATCH_ROWS`, behind a progress bar; evaluates
/// to the number of rows inserted.
macro_rules! insert_batches {
    ($conn:expr, $table:expr, $rows:expr, $label:expr) => {{
        let bar = progress_bar($label, $rows.len());
        let mut inserted = 0;
        for chunk in $rows.chunks(BATCH_ROWS) {
            inserted += diesel::insert_into($table)
                .values(chunk)
                .execute(&mut *$conn)
                .await?;
            bar.inc(chunk.len() as u64);
        }
        bar.finish();
        inserted
    }};
}

/// Replaces an earlier synthetic load with the rows planned for `sizes`.
async fn load_all(
    conn: &mut AsyncPgConnection,
    sizes: &SyntheticSizes,
) -> QueryResult<SyntheticSummary> {
    let local_authorities = reference::load_local_authorities(conn).await?;
    refuse_other_data(conn).await?;
    let replaced_work_groups = delete_earlier_load(conn).await?;
    let authorities = reference::england_local_authorities()
        .map_err(|error| diesel::result::Error::DeserializationError(Box::new(error)))?;
    let plan = Plan::new(sizes, &authorities)?;
    Ok(SyntheticSummary {
        local_authorities,
        replaced_work_groups,
        ..insert_plan(conn, &plan).await?
    })
}

/// Inserts every row of `plan`, a table after the tables it refers to (the fields below are
/// evaluated in the order written); what it inserted.
async fn insert_plan(conn: &mut AsyncPgConnection, plan: &Plan) -> QueryResult<SyntheticSummary> {
    let engagement = &plan.engagement;
    Ok(SyntheticSummary {
        hubs: insert_batches!(conn, hubs::table, plan.hubs, "hubs"),
        hub_local_authorities: insert_batches!(
            conn,
            hub_local_authorities::table,
            plan.coverage,
            "hub_local_authorities"
        ),
        schools: insert_batches!(conn, schools::table, plan.schools, "schools"),
        teaching_school_hubs: insert_batches!(
            conn,
            teaching_school_hubs::table,
            engagement.teaching_school_hubs,
            "teaching_school_hubs"
        ),
        teaching_school_hub_areas: insert_batches!(
            conn,
            teaching_school_hub_areas::table,
            engagement.areas,
            "tsh_areas"
        ),
        projects: insert_batches!(conn, projects::table, plan.projects, "projects"),
        leads: insert_batches!(conn, users::table, plan.users, "users"),
        participants: insert_batches!(conn, users::table, engagement.participants, "participants"),
        llme_profiles: insert_batches!(conn, llme_profiles::table, plan.profiles, "llme_profiles"),
        llme_profile_hubs: insert_batches!(
            conn,
            llme_profile_hubs::table,
            plan.profile_hubs,
            "llme_profile_hubs"
        ),
        work_groups: insert_batches!(conn, work_groups::table, plan.work_groups, "work_groups"),
        work_group_leads: insert_batches!(
            conn,
            work_group_leads::table,
            plan.work_group_leads,
            "work_group_leads"
        ),
        // The sessions trigger fills each group's first/last session and session count.
        sessions: insert_batches!(conn, sessions::table, plan.sessions, "sessions"),
        enrolments: insert_batches!(conn, enrolments::table, engagement.enrolments, "enrolments"),
        attendance: insert_batches!(conn, attendance::table, engagement.attendance, "attendance"),
        ..SyntheticSummary::default()
    })
}

/// One bar per table; indicatif draws nothing when standard error is not a terminal.
fn progress_bar(table: &str, rows: usize) -> ProgressBar {
    let style = ProgressStyle::with_template(
        "{msg:>18} [{bar:40.cyan/blue}] {pos:>6}/{len:6} {elapsed_precise}",
    )
    .map(|style| style.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(rows as u64)
        .with_style(style)
        .with_message(table.to_owned())
}

/// Refuses a database holding programme data that is not synthetic.
async fn refuse_other_data(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    let occupancy: Occupancy = diesel::sql_query(format!(
        "SELECT (SELECT count(*) FROM hubs WHERE slug NOT LIKE '{SYNTHETIC_HUB_SLUG}') AS other_hubs,
                (SELECT count(*) FROM schools WHERE name NOT LIKE '{SYNTHETIC_SCHOOL_NAME}') AS other_schools,
                (SELECT count(*) FROM projects WHERE code !~ '{SYNTHETIC_PROJECT_CODE}') AS other_projects,
                (SELECT count(*) FROM work_groups wg JOIN hubs h ON h.id = wg.hub_id
                  WHERE h.slug NOT LIKE '{SYNTHETIC_HUB_SLUG}') AS other_work_groups,
                (SELECT count(*) FROM teaching_school_hubs
                  WHERE slug NOT LIKE '{SYNTHETIC_TSH_SLUG}') AS other_teaching_school_hubs"
    ))
    .get_result(conn)
    .await?;
    let found: Vec<String> = [
        (occupancy.other_hubs, "hubs"),
        (occupancy.other_schools, "schools"),
        (occupancy.other_projects, "projects"),
        (occupancy.other_work_groups, "work groups"),
        (occupancy.other_teaching_school_hubs, "Teaching School Hubs"),
    ]
    .into_iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, what)| format!("{count} {what}"))
    .collect();
    if found.is_empty() {
        return Ok(());
    }
    Err(SyntheticError(format!(
        "refusing to load synthetic data: the database holds {} that are not synthetic; \
         load synthetic data into a database of its own (e.g. a fresh --data-dir)",
        found.join(", ")
    ))
    .into())
}

/// Deletes the rows of an earlier synthetic load; returns how many work groups went. Their
/// enrolments go first, with what hangs on them (attendance, fees); sessions and leads go
/// with the groups (ON DELETE CASCADE), profiles with their users, areas with their
/// Teaching School Hubs.
async fn delete_earlier_load(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let synthetic_hubs = format!("SELECT id FROM hubs WHERE slug LIKE '{SYNTHETIC_HUB_SLUG}'");
    let synthetic_enrolments = format!(
        "SELECT e.id FROM enrolments e JOIN work_groups w ON w.id = e.work_group_id \
          WHERE w.hub_id IN ({synthetic_hubs})"
    );
    for statement in [
        format!("DELETE FROM attendance WHERE enrolment_id IN ({synthetic_enrolments})"),
        format!("DELETE FROM fee_liabilities WHERE enrolment_id IN ({synthetic_enrolments})"),
        format!("DELETE FROM enrolments WHERE id IN ({synthetic_enrolments})"),
    ] {
        diesel::sql_query(statement).execute(conn).await?;
    }
    let work_groups = diesel::sql_query(format!(
        "DELETE FROM work_groups WHERE hub_id IN ({synthetic_hubs})"
    ))
    .execute(conn)
    .await?;
    for statement in [
        format!("DELETE FROM users WHERE email LIKE '{SYNTHETIC_EMAIL}'"),
        format!("DELETE FROM projects WHERE code ~ '{SYNTHETIC_PROJECT_CODE}'"),
        format!("DELETE FROM hub_local_authorities WHERE hub_id IN ({synthetic_hubs})"),
        format!("DELETE FROM hubs WHERE slug LIKE '{SYNTHETIC_HUB_SLUG}'"),
        format!("DELETE FROM teaching_school_hubs WHERE slug LIKE '{SYNTHETIC_TSH_SLUG}'"),
        format!("DELETE FROM schools WHERE name LIKE '{SYNTHETIC_SCHOOL_NAME}'"),
    ] {
        diesel::sql_query(statement).execute(conn).await?;
    }
    Ok(work_groups)
}

// ---------------------------------------------------------------------------------------------
// The rows, planned in memory
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Insertable)]
#[diesel(table_name = hubs)]
struct NewHub {
    id: Uuid,
    slug: String,
    name: String,
    region: String,
    contact_email: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = hub_local_authorities)]
struct NewCoverage {
    hub_id: Uuid,
    la_code: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = schools)]
struct NewSchool {
    urn: String,
    name: String,
    phase: SchoolPhase,
    la_code: String,
    district_code: Option<String>,
    status: SchoolStatus,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = projects)]
struct NewProject {
    id: Uuid,
    code: String,
    kind: ProjectKind,
    title: String,
    academic_year: String,
    phases: Vec<ProgrammePhase>,
    outline: String,
    school_phases: Vec<SchoolPhase>,
    length: Option<String>,
    cost_pence: i32,
    non_attendance_fee_pence: i32,
    cancellation_notice_days: i32,
    participation_min_percent: Option<i16>,
    expectations: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
struct NewUser {
    id: Uuid,
    email: String,
    name: String,
    role: &'static str,
    hub_id: Option<Uuid>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = llme_profiles)]
struct NewProfile {
    user_id: Uuid,
    display_name: String,
    phases: Vec<ProgrammePhase>,
    specialisms: Vec<String>,
    bio: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = llme_profile_hubs)]
struct NewProfileHub {
    user_id: Uuid,
    hub_id: Uuid,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = work_groups)]
struct NewWorkGroup {
    id: Uuid,
    hub_id: Uuid,
    project_id: Uuid,
    academic_year: String,
    code: String,
    title: String,
    phase: ProgrammePhase,
    mode: DeliveryMode,
    capacity: Option<i32>,
    accepted_count: i32,
    admission: Admission,
    eoi_deadline: Option<DateTime<Utc>>,
    status: WorkGroupStatus,
    cancellation_reason: Option<String>,
    venue_name: Option<String>,
    venue_address: Option<String>,
    venue_postcode: Option<String>,
    description: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = work_group_leads)]
struct NewWorkGroupLead {
    work_group_id: Uuid,
    user_id: Uuid,
    role: LeadRole,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
struct NewSession {
    id: Uuid,
    work_group_id: Uuid,
    kind: SessionKind,
    mode: SessionMode,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    venue_name: Option<String>,
    venue_address: Option<String>,
    venue_postcode: Option<String>,
    joining_link: Option<String>,
    notes: Option<String>,
}

/// Every row of one synthetic data set, in insertion order.
#[derive(Debug, Default)]
struct Plan {
    hubs: Vec<NewHub>,
    coverage: Vec<NewCoverage>,
    schools: Vec<NewSchool>,
    projects: Vec<NewProject>,
    users: Vec<NewUser>,
    profiles: Vec<NewProfile>,
    profile_hubs: Vec<NewProfileHub>,
    work_groups: Vec<NewWorkGroup>,
    work_group_leads: Vec<NewWorkGroupLead>,
    sessions: Vec<NewSession>,
    engagement: engagement::Engagement,
}

/// A deterministic random stream per table, so changing one size leaves the other tables'
/// values as they were.
fn stream(table: u64) -> StdRng {
    StdRng::seed_from_u64(SEED ^ table.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// Ids shaped like UUIDv7 (time-ordered, as the API creates them): a timestamp from
/// 1 September 2021 plus the row's ordinal in milliseconds, then random bits.
struct Ids {
    rng: StdRng,
    next_millis: u64,
}

impl Ids {
    fn new(table: u64) -> Self {
        Self {
            rng: stream(table ^ 0x1d),
            next_millis: 1_630_454_400_000 + table * 1_000_000_000,
        }
    }

    fn next(&mut self) -> Uuid {
        let millis = self.next_millis;
        self.next_millis += 1;
        uuid::Builder::from_unix_timestamp_millis(millis, &self.rng.random()).into_uuid()
    }
}

/// One of `choices`, with probability proportional to its weight.
fn weighted<T: Copy>(rng: &mut StdRng, choices: &[(T, u32)]) -> T {
    let total: u32 = choices.iter().map(|(_, weight)| weight).sum();
    let mut ticket = rng.random_range(0..total);
    for &(choice, weight) in choices {
        if ticket < weight {
            return choice;
        }
        ticket -= weight;
    }
    choices[choices.len() - 1].0
}

/// `n` zero-padded to at least `min` digits, and to as many as `max` needs.
fn padded(n: usize, min: usize, max: usize) -> String {
    let width = min.max(max.to_string().len());
    format!("{n:0width$}")
}

/// A London wall-clock time on `date`, as an instant (GMT or BST as it falls).
fn london(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default());
    London.from_local_datetime(&local).earliest().map_or_else(
        || Utc.from_utc_datetime(&local),
        |at| at.with_timezone(&Utc),
    )
}

fn phase_title(phase: ProgrammePhase) -> &'static str {
    match phase {
        ProgrammePhase::EarlyYears => "Early Years",
        ProgrammePhase::Primary => "Primary",
        ProgrammePhase::Secondary => "Secondary",
        ProgrammePhase::Post16 => "Post-16",
    }
}

/// The GIAS phases of the schools a project for `phase` is meant for.
fn school_phases(phase: ProgrammePhase) -> Vec<SchoolPhase> {
    match phase {
        ProgrammePhase::EarlyYears => vec![
            SchoolPhase::Nursery,
            SchoolPhase::Primary,
            SchoolPhase::AllThrough,
        ],
        ProgrammePhase::Primary => vec![
            SchoolPhase::Primary,
            SchoolPhase::MiddleDeemedPrimary,
            SchoolPhase::AllThrough,
        ],
        ProgrammePhase::Secondary => vec![
            SchoolPhase::Secondary,
            SchoolPhase::MiddleDeemedSecondary,
            SchoolPhase::AllThrough,
        ],
        ProgrammePhase::Post16 => vec![
            SchoolPhase::SixteenPlus,
            SchoolPhase::Secondary,
            SchoolPhase::AllThrough,
        ],
    }
}

/// Work group titles in the style of the national programme, per phase.
fn themes(phase: ProgrammePhase) -> &'static [&'static str] {
    match phase {
        ProgrammePhase::EarlyYears => &[
            "Mastering Number in Reception",
            "Early Years Professional Development",
            "Building Firm Foundations",
        ],
        ProgrammePhase::Primary => &[
            "Teaching for Mastery: Development",
            "Teaching for Mastery: Embedding",
            "Mastering Number at Key Stage 2",
            "Mastery Readiness",
            "Subject Knowledge for Teaching Mathematics",
        ],
        ProgrammePhase::Secondary => &[
            "Secondary Subject Leadership",
            "Teaching for Mastery: Development",
            "Checkpoints at Key Stage 3",
            "Subject Knowledge for Teaching Mathematics",
        ],
        ProgrammePhase::Post16 => &[
            "GCSE Resit: Teaching for Mastery",
            "Developing Core Maths",
            "A level Mathematics Pedagogy",
        ],
    }
}

const SPECIALISMS: &[&str] = &[
    "mastery",
    "number sense",
    "subject leadership",
    "early years",
    "send",
    "reasoning",
    "fractions",
    "algebra",
    "assessment",
];

/// Table numbers, for the random streams and id timestamps (`engagement` numbers on from 7).
mod table {
    pub const HUBS: u64 = 1;
    pub const SCHOOLS: u64 = 2;
    pub const PROJECTS: u64 = 3;
    pub const USERS: u64 = 4;
    pub const WORK_GROUPS: u64 = 5;
    pub const SESSIONS: u64 = 6;
}

impl Plan {
    fn new(
        sizes: &SyntheticSizes,
        authorities: &[LocalAuthorityRecord],
    ) -> Result<Self, SyntheticError> {
        sizes.check()?;
        let mut plan = Plan::default();
        let hub_areas = plan.add_hubs(sizes, authorities)?;
        plan.add_schools(sizes, authorities);
        let projects = plan.add_projects(sizes);
        let leads = plan.add_leads();
        plan.add_work_groups(sizes, &projects, &leads, &hub_areas);
        plan.engagement = engagement::Engagement::plan(&mut plan, authorities);
        Ok(plan)
    }

    /// Hubs over contiguous runs of education authorities in (region, code) order, so each
    /// hub's area is compact; every education authority is covered exactly once. Returns the
    /// name of each hub's first authority (for venues).
    fn add_hubs(
        &mut self,
        sizes: &SyntheticSizes,
        authorities: &[LocalAuthorityRecord],
    ) -> Result<Vec<String>, SyntheticError> {
        let mut education: Vec<&LocalAuthorityRecord> = authorities
            .iter()
            .filter(|la| la.kind.is_education_authority())
            .collect();
        education.sort_by(|a, b| (&a.region, &a.gss_code).cmp(&(&b.region, &b.gss_code)));
        let hubs = sizes.hubs as usize;
        if hubs > education.len() {
            return Err(SyntheticError(format!(
                "--hubs must be at most {} (one education authority each at least)",
                education.len()
            )));
        }
        let mut ids = Ids::new(table::HUBS);
        let mut areas = Vec::with_capacity(hubs);
        for h in 0..hubs {
            let id = ids.next();
            let number = padded(h + 1, 2, hubs);
            let area = &education[h * education.len() / hubs..(h + 1) * education.len() / hubs];
            // The region most of its authorities are in (the first such on a tie).
            let mut counts: Vec<(&str, usize)> = Vec::new();
            for la in area {
                match counts.iter_mut().find(|(region, _)| *region == la.region) {
                    Some((_, count)) => *count += 1,
                    None => counts.push((&la.region, 1)),
                }
            }
            let region = counts
                .iter()
                .rev()
                .max_by_key(|(_, count)| *count)
                .map_or("England", |(region, _)| region);
            self.hubs.push(NewHub {
                id,
                slug: format!("synthetic-hub-{number}"),
                name: format!("Synthetic Maths Hub {number}"),
                region: region.to_owned(),
                contact_email: Some(format!("hub.{number}@synthetic.invalid")),
            });
            self.coverage.extend(area.iter().map(|la| NewCoverage {
                hub_id: id,
                la_code: la.gss_code.clone(),
            }));
            areas.push(area.first().map(|la| la.name.clone()).unwrap_or_default());
        }
        Ok(areas)
    }

    /// Schools across the education authorities, more in counties and metropolitan
    /// boroughs; a county's schools sit in one of its districts.
    fn add_schools(&mut self, sizes: &SyntheticSizes, authorities: &[LocalAuthorityRecord]) {
        let mut rng = stream(table::SCHOOLS);
        let mut districts: HashMap<&str, Vec<&str>> = HashMap::new();
        for la in authorities {
            if let Some(parent) = &la.parent_gss_code {
                districts.entry(parent).or_default().push(&la.gss_code);
            }
        }
        let homes: Vec<(&LocalAuthorityRecord, u32)> = authorities
            .iter()
            .filter(|la| la.kind.is_education_authority())
            .map(|la| {
                let weight = match la.kind {
                    LaKind::County => 4,
                    LaKind::Metropolitan => 2,
                    _ => 1,
                };
                (la, weight)
            })
            .collect();
        let phases = [
            (SchoolPhase::Primary, 72),
            (SchoolPhase::Secondary, 15),
            (SchoolPhase::Nursery, 2),
            (SchoolPhase::MiddleDeemedPrimary, 1),
            (SchoolPhase::MiddleDeemedSecondary, 1),
            (SchoolPhase::SixteenPlus, 3),
            (SchoolPhase::AllThrough, 2),
            (SchoolPhase::NotApplicable, 4),
        ];
        let schools = sizes.schools as usize;
        self.schools.reserve(schools);
        for n in 1..=schools {
            let la = weighted(&mut rng, &homes);
            let district_code = districts
                .get(la.gss_code.as_str())
                .filter(|list| !list.is_empty())
                .map(|list| list[rng.random_range(0..list.len())].to_owned());
            let phase = weighted(&mut rng, &phases);
            let status = if rng.random_bool(0.03) {
                SchoolStatus::Closed
            } else {
                SchoolStatus::Open
            };
            let kind = match phase {
                SchoolPhase::Nursery => "Nursery School",
                SchoolPhase::SixteenPlus => "Sixth Form College",
                SchoolPhase::AllThrough => "All-through School",
                SchoolPhase::NotApplicable => "Special School",
                SchoolPhase::Secondary | SchoolPhase::MiddleDeemedSecondary => "Academy",
                _ => "Primary School",
            };
            self.schools.push(NewSchool {
                urn: (100_000 + n).to_string(),
                name: format!("Synthetic {kind} {}", padded(n, 5, schools)),
                phase,
                la_code: la.gss_code.clone(),
                district_code,
                status,
            });
        }
    }

    /// One national project per programme phase per academic year; returns their ids by
    /// year, then phase (in `ProgrammePhase::ALL` order).
    fn add_projects(&mut self, sizes: &SyntheticSizes) -> Vec<Vec<(Uuid, ProgrammePhase)>> {
        let mut ids = Ids::new(table::PROJECTS);
        let mut by_year = Vec::new();
        for y in 0..sizes.academic_years as i32 {
            let start = FIRST_ACADEMIC_YEAR + y;
            let academic_year = format!("{start}/{:02}", (start + 1) % 100);
            let mut year = Vec::new();
            for (k, &phase) in ProgrammePhase::ALL.iter().enumerate() {
                let id = ids.next();
                self.projects.push(NewProject {
                    id,
                    code: format!("SYN{:02}-{:02}", start % 100, k + 1),
                    kind: ProjectKind::National,
                    title: format!("Synthetic {} Project {academic_year}", phase_title(phase)),
                    academic_year: academic_year.clone(),
                    phases: vec![phase],
                    outline: "A synthetic project for benchmarks.".to_owned(),
                    school_phases: school_phases(phase),
                    length: Some("the equivalent of three days".to_owned()),
                    cost_pence: 0,
                    non_attendance_fee_pence: 7500,
                    cancellation_notice_days: 7,
                    // Secondary projects count participation at half the sessions; the
                    // others at one session (the default rule).
                    participation_min_percent: (phase == ProgrammePhase::Secondary).then_some(50),
                    expectations: "Commit to the full year.".to_owned(),
                });
                year.push((id, phase));
            }
            by_year.push(year);
        }
        by_year
    }

    /// `LEADS_PER_HUB` LLMEs per hub, each with a published profile; returns their ids by hub.
    fn add_leads(&mut self) -> Vec<Vec<Uuid>> {
        let mut rng = stream(table::USERS);
        let mut ids = Ids::new(table::USERS);
        let total = self.hubs.len() * LEADS_PER_HUB;
        let mut by_hub = Vec::with_capacity(self.hubs.len());
        for (h, hub) in self.hubs.iter().enumerate() {
            let mut leads = Vec::with_capacity(LEADS_PER_HUB);
            for l in 0..LEADS_PER_HUB {
                let id = ids.next();
                let number = padded(h * LEADS_PER_HUB + l + 1, 3, total);
                let name = format!("Synthetic Lead {number}");
                let mut phases = vec![ProgrammePhase::ALL[rng.random_range(0..4)]];
                let second = ProgrammePhase::ALL[rng.random_range(0..4)];
                if second != phases[0] && rng.random_bool(0.4) {
                    phases.push(second);
                }
                let specialisms = (0..rng.random_range(1..=3))
                    .map(|_| SPECIALISMS[rng.random_range(0..SPECIALISMS.len())].to_owned())
                    .fold(Vec::new(), |mut list, s| {
                        if !list.contains(&s) {
                            list.push(s);
                        }
                        list
                    });
                self.users.push(NewUser {
                    id,
                    email: format!("lead.{number}@synthetic.invalid"),
                    name: name.clone(),
                    role: "lead",
                    hub_id: Some(hub.id),
                });
                self.profiles.push(NewProfile {
                    user_id: id,
                    bio: format!("{name} leads work groups for {}.", hub.name),
                    display_name: name,
                    phases,
                    specialisms,
                });
                self.profile_hubs.push(NewProfileHub {
                    user_id: id,
                    hub_id: hub.id,
                });
                leads.push(id);
            }
            by_hub.push(leads);
        }
        by_hub
    }

    /// Work groups round-robin over the hubs, each with one lead from its hub and its
    /// sessions: weekly or monthly on one weekday, 09:30–14:30 London time, from a first
    /// session in the autumn term.
    fn add_work_groups(
        &mut self,
        sizes: &SyntheticSizes,
        projects: &[Vec<(Uuid, ProgrammePhase)>],
        leads: &[Vec<Uuid>],
        hub_areas: &[String],
    ) {
        let mut rng = stream(table::WORK_GROUPS);
        let mut session_rng = stream(table::SESSIONS);
        let mut ids = Ids::new(table::WORK_GROUPS);
        let mut session_ids = Ids::new(table::SESSIONS);
        let groups = sizes.work_groups_per_year as usize;
        let per_group = sizes.sessions_per_group as usize;
        self.work_groups.reserve(groups * projects.len());
        self.sessions.reserve(groups * projects.len() * per_group);
        let phases = [
            (ProgrammePhase::Primary, 45),
            (ProgrammePhase::Secondary, 35),
            (ProgrammePhase::EarlyYears, 10),
            (ProgrammePhase::Post16, 10),
        ];
        let modes = [
            (DeliveryMode::FaceToFace, 45),
            (DeliveryMode::Online, 25),
            (DeliveryMode::Blended, 30),
        ];
        let statuses = [
            (WorkGroupStatus::Open, 60),
            (WorkGroupStatus::Full, 8),
            (WorkGroupStatus::Closed, 8),
            (WorkGroupStatus::Running, 10),
            (WorkGroupStatus::Completed, 10),
            (WorkGroupStatus::Cancelled, 4),
        ];
        for (y, year_projects) in projects.iter().enumerate() {
            let start_year = FIRST_ACADEMIC_YEAR + y as i32;
            let academic_year = format!("{start_year}/{:02}", (start_year + 1) % 100);
            let term_start = NaiveDate::from_ymd_opt(start_year, 9, 15).unwrap_or_default();
            for i in 0..groups {
                let h = i % self.hubs.len();
                let hub = &self.hubs[h];
                let phase = weighted(&mut rng, &phases);
                let project_id = year_projects
                    .iter()
                    .find(|(_, p)| *p == phase)
                    .map_or(year_projects[0].0, |(id, _)| *id);
                let theme = themes(phase)[rng.random_range(0..themes(phase).len())];
                let mode = weighted(&mut rng, &modes);
                let capacity = rng.random_range(12..=40);
                let status = weighted(&mut rng, &statuses);
                let accepted_count = match status {
                    WorkGroupStatus::Open => rng.random_range(0..capacity),
                    WorkGroupStatus::Full => capacity,
                    WorkGroupStatus::Cancelled => 0,
                    _ => rng.random_range(0..=capacity),
                };
                let admission = if rng.random_bool(0.5) {
                    Admission::Automatic
                } else {
                    Admission::Review
                };
                let mut first = term_start + Days::new(rng.random_range(0..120));
                while matches!(first.weekday(), Weekday::Sat | Weekday::Sun) {
                    first = first + Days::new(1);
                }
                let cadence = if rng.random_bool(0.5) { 7 } else { 28 };
                let deadline = london(first - Days::new(14), 23, 59);
                let venue = (mode != DeliveryMode::Online).then(|| {
                    (
                        format!("{} Venue {}", hub.name, i / self.hubs.len() % 5 + 1),
                        format!("1 Example Street, {}", hub_areas[h]),
                    )
                });
                let id = ids.next();
                let code = format!("SYN{:02}-{:04}", start_year % 100, i + 1);

                for k in 0..per_group {
                    let date = first + Days::new((k * cadence) as u64);
                    let session_mode = match mode {
                        DeliveryMode::FaceToFace => SessionMode::FaceToFace,
                        DeliveryMode::Online => SessionMode::Online,
                        DeliveryMode::Blended if session_rng.random_bool(0.5) => {
                            SessionMode::FaceToFace
                        }
                        DeliveryMode::Blended => SessionMode::Online,
                    };
                    let kind = if k == 0 || session_rng.random_bool(0.7) {
                        SessionKind::Workshop
                    } else {
                        SessionKind::SchoolBasedTask
                    };
                    let in_person = session_mode == SessionMode::FaceToFace;
                    self.sessions.push(NewSession {
                        id: session_ids.next(),
                        work_group_id: id,
                        kind,
                        mode: session_mode,
                        starts_at: london(date, 9, 30),
                        ends_at: london(date, 14, 30),
                        venue_name: venue.as_ref().filter(|_| in_person).map(|v| v.0.clone()),
                        venue_address: venue.as_ref().filter(|_| in_person).map(|v| v.1.clone()),
                        venue_postcode: None,
                        joining_link: (!in_person).then(|| {
                            format!(
                                "https://meet.synthetic.invalid/{}/{}",
                                code.to_lowercase(),
                                k + 1
                            )
                        }),
                        notes: None,
                    });
                }

                let hub_leads = &leads[h];
                self.work_group_leads.push(NewWorkGroupLead {
                    work_group_id: id,
                    user_id: hub_leads[rng.random_range(0..hub_leads.len())],
                    role: LeadRole::WorkGroupLead,
                });
                self.work_groups.push(NewWorkGroup {
                    id,
                    hub_id: hub.id,
                    project_id,
                    academic_year: academic_year.clone(),
                    title: theme.to_owned(),
                    description: format!(
                        "A synthetic {} work group of {}: {theme}, {academic_year}.",
                        phase_title(phase).to_lowercase(),
                        hub.name
                    ),
                    code,
                    phase,
                    mode,
                    capacity: Some(capacity),
                    accepted_count,
                    admission,
                    eoi_deadline: Some(deadline),
                    status,
                    cancellation_reason: (status == WorkGroupStatus::Cancelled)
                        .then(|| "Too few expressions of interest (synthetic).".to_owned()),
                    venue_name: venue.as_ref().map(|v| v.0.clone()),
                    venue_address: venue.as_ref().map(|v| v.1.clone()),
                    venue_postcode: None,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn authorities() -> Vec<LocalAuthorityRecord> {
        reference::england_local_authorities().expect("the embedded CSV parses")
    }

    fn small() -> SyntheticSizes {
        SyntheticSizes {
            hubs: 7,
            schools: 300,
            academic_years: 2,
            work_groups_per_year: 60,
            sessions_per_group: 4,
        }
    }

    #[test]
    fn default_sizes_match_the_command_line() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            sizes: SyntheticSizes,
        }
        assert_eq!(Cli::parse_from(["x"]).sizes, SyntheticSizes::default());
    }

    #[test]
    fn the_same_sizes_give_the_same_rows() {
        let (a, b) = (
            Plan::new(&small(), &authorities()).unwrap(),
            Plan::new(&small(), &authorities()).unwrap(),
        );
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }

    #[test]
    fn every_education_authority_is_covered_by_exactly_one_hub() {
        for hubs in [1, 7, 40, 153] {
            let sizes = SyntheticSizes { hubs, ..small() };
            let plan = Plan::new(&sizes, &authorities()).unwrap();
            let covered: Vec<&str> = plan.coverage.iter().map(|c| c.la_code.as_str()).collect();
            let unique: HashSet<&str> = covered.iter().copied().collect();
            assert_eq!(covered.len(), 153, "{hubs} hubs");
            assert_eq!(unique.len(), 153, "{hubs} hubs");
            let hub_ids: HashSet<Uuid> = plan.coverage.iter().map(|c| c.hub_id).collect();
            assert_eq!(hub_ids.len(), hubs as usize, "every hub covers something");
        }
    }

    #[test]
    fn sizes_out_of_range_are_refused() {
        let sizes = SyntheticSizes {
            hubs: 154,
            ..small()
        };
        assert!(Plan::new(&sizes, &authorities()).is_err());
        let sizes = SyntheticSizes {
            sessions_per_group: 0,
            ..small()
        };
        assert!(Plan::new(&sizes, &authorities()).is_err());
    }

    #[test]
    fn schools_in_counties_sit_in_one_of_its_districts() {
        let authorities = authorities();
        let parent: HashMap<&str, Option<&str>> = authorities
            .iter()
            .map(|la| (la.gss_code.as_str(), la.parent_gss_code.as_deref()))
            .collect();
        let kind: HashMap<&str, LaKind> = authorities
            .iter()
            .map(|la| (la.gss_code.as_str(), la.kind))
            .collect();
        let plan = Plan::new(&small(), &authorities).unwrap();
        for school in &plan.schools {
            assert!(kind[school.la_code.as_str()].is_education_authority());
            match &school.district_code {
                Some(district) => assert_eq!(parent[district.as_str()], Some(&*school.la_code)),
                None => assert_ne!(kind[school.la_code.as_str()], LaKind::County),
            }
        }
        assert_eq!(plan.schools[0].urn, "100001");
    }

    #[test]
    fn work_groups_keep_the_schema_rules() {
        let plan = Plan::new(&small(), &authorities()).unwrap();
        assert_eq!(plan.work_groups.len(), 120);
        let open = plan
            .work_groups
            .iter()
            .filter(|g| g.status == WorkGroupStatus::Open)
            .count();
        assert!((50..=90).contains(&open), "{open} of 120 open");
        for group in &plan.work_groups {
            let capacity = group.capacity.unwrap();
            assert!(group.accepted_count <= capacity);
            if group.status == WorkGroupStatus::Full {
                assert_eq!(group.accepted_count, capacity);
            }
            if group.status == WorkGroupStatus::Open {
                assert!(group.accepted_count < capacity, "an open group has places");
            }
            assert_eq!(
                group.status == WorkGroupStatus::Cancelled,
                group.cancellation_reason.is_some()
            );
            assert!(group.eoi_deadline.is_some());
        }
        let codes: HashSet<(&str, &str)> = plan
            .work_groups
            .iter()
            .map(|g| (g.academic_year.as_str(), g.code.as_str()))
            .collect();
        assert_eq!(codes.len(), 120);
        assert!(codes.contains(&("2021/22", "SYN21-0001")));
        assert!(codes.contains(&("2022/23", "SYN22-0060")));
    }

    #[test]
    fn sessions_of_a_group_never_overlap_and_keep_london_hours() {
        let plan = Plan::new(&small(), &authorities()).unwrap();
        let mut by_group: HashMap<Uuid, Vec<&NewSession>> = HashMap::new();
        for session in &plan.sessions {
            by_group
                .entry(session.work_group_id)
                .or_default()
                .push(session);
        }
        assert_eq!(by_group.len(), 120);
        for (group, sessions) in by_group {
            assert_eq!(sessions.len(), 4);
            for pair in sessions.windows(2) {
                assert!(pair[0].ends_at <= pair[1].starts_at, "{group}");
            }
            for session in sessions {
                let local = session.starts_at.with_timezone(&London);
                assert_eq!(local.format("%H:%M").to_string(), "09:30");
                assert!(!matches!(local.weekday(), Weekday::Sat | Weekday::Sun));
                assert_eq!(
                    session.mode == SessionMode::Online,
                    session.joining_link.is_some()
                );
            }
        }
    }
}
