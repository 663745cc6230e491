//! Changing projects: inserting and updating their rows, and reading (under lock) the facts
//! the rules about them need: the projects they refer to, the projects referring to them and
//! the work groups delivering them.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{projects, work_groups};
use crate::domain::{ProgrammePhase, ProjectKind, RoleInSchool, SchoolPhase};

/// Every field of a project a write may set (the code is its key and never changes).
#[derive(Debug, Clone, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = projects, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct ProjectFields {
    pub kind: ProjectKind,
    pub title: String,
    pub academic_year: String,
    pub phases: Vec<ProgrammePhase>,
    pub outline: String,
    pub roles_allowed: Vec<RoleInSchool>,
    pub roles_excluded: Vec<RoleInSchool>,
    pub school_phases: Vec<SchoolPhase>,
    pub requires_completed_id: Option<uuid::Uuid>,
    pub length: Option<String>,
    pub cost_pence: i32,
    pub non_attendance_fee_pence: i32,
    pub cancellation_notice_days: i32,
    pub session_days: i16,
    pub participation_min_percent: Option<i16>,
    pub expectations: String,
    pub follows_id: Option<uuid::Uuid>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    code: &str,
    fields: &ProjectFields,
) -> QueryResult<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    diesel::insert_into(projects::table)
        .values((projects::id.eq(id), projects::code.eq(code), fields))
        .execute(conn)
        .await?;
    Ok(id)
}

/// The project `code` with its fields, locked until the transaction ends. The lock is a full
/// one: its academic year is part of the key its work groups refer to.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> QueryResult<Option<(uuid::Uuid, ProjectFields)>> {
    projects::table
        .filter(projects::code.eq(code))
        .select((projects::id, ProjectFields::as_select()))
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The id and academic year of a project another one refers to, share-locked so its year
/// cannot change before the reference is written.
pub async fn referred(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> QueryResult<Option<(uuid::Uuid, String)>> {
    projects::table
        .filter(projects::code.eq(code))
        .select((projects::id, projects::academic_year))
        .for_share()
        .first(conn)
        .await
        .optional()
}

/// The code and academic year of every project that requires or follows `id`.
pub async fn referring(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
) -> QueryResult<Vec<(String, String)>> {
    projects::table
        .filter(
            projects::requires_completed_id
                .eq(id)
                .or(projects::follows_id.eq(id)),
        )
        .select((projects::code, projects::academic_year))
        .order(projects::code)
        .load(conn)
        .await
}

/// The code and phase of every work group (drafts included) delivering project `id`.
pub async fn work_groups(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
) -> QueryResult<Vec<(String, ProgrammePhase)>> {
    work_groups::table
        .filter(work_groups::project_id.eq(id))
        .select((work_groups::code, work_groups::phase))
        .order(work_groups::code)
        .load(conn)
        .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    fields: &ProjectFields,
) -> QueryResult<()> {
    diesel::update(projects::table.find(id))
        .set((fields, projects::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await
        .map(drop)
}
