//! Network Collaborative Projects: who may take part, what they cost and which project each
//! requires or follows (resolved to codes in the same query).

use diesel::sql_types::{Array, Integer, Nullable, Text, Uuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::like_pattern;
use crate::db::sql::SqlBuilder;
use crate::domain::{
    AcademicYear, ProgrammePhase, ProjectCode, ProjectKind, RoleInSchool, SchoolPhase,
};

#[derive(Debug, diesel::prelude::QueryableByName)]
pub struct ProjectRow {
    #[diesel(sql_type = Uuid)]
    pub id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub kind: ProjectKind,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub academic_year: String,
    #[diesel(sql_type = Array<Text>)]
    pub phases: Vec<ProgrammePhase>,
    #[diesel(sql_type = Text)]
    pub outline: String,
    #[diesel(sql_type = Array<Text>)]
    pub roles_allowed: Vec<RoleInSchool>,
    #[diesel(sql_type = Array<Text>)]
    pub roles_excluded: Vec<RoleInSchool>,
    #[diesel(sql_type = Array<Text>)]
    pub school_phases: Vec<SchoolPhase>,
    #[diesel(sql_type = Nullable<Text>)]
    pub requires_completed_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub length: Option<String>,
    #[diesel(sql_type = Integer)]
    pub cost_pence: i32,
    #[diesel(sql_type = Integer)]
    pub non_attendance_fee_pence: i32,
    #[diesel(sql_type = Integer)]
    pub cancellation_notice_days: i32,
    #[diesel(sql_type = diesel::sql_types::SmallInt)]
    pub session_days: i16,
    #[diesel(sql_type = Nullable<diesel::sql_types::SmallInt>)]
    pub participation_min_percent: Option<i16>,
    #[diesel(sql_type = Text)]
    pub expectations: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub follows_code: Option<String>,
}

const SELECT: &str = "\
SELECT p.id, p.code, p.kind, p.title, p.academic_year, p.phases, p.outline, p.roles_allowed,
       p.roles_excluded, p.school_phases, required.code AS requires_completed_code, p.length,
       p.cost_pence, p.non_attendance_fee_pence, p.cancellation_notice_days, p.session_days, p.participation_min_percent,
       p.expectations,
       followed.code AS follows_code
  FROM projects p
  LEFT JOIN projects required ON required.id = p.requires_completed_id
  LEFT JOIN projects followed ON followed.id = p.follows_id";

#[derive(Debug, Default)]
pub struct ProjectFilter {
    pub academic_year: Option<AcademicYear>,
    /// Projects serving this phase (among others).
    pub phase: Option<ProgrammePhase>,
    pub kind: Option<ProjectKind>,
    pub q: Option<String>,
}

/// One page in code order, after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ProjectFilter,
    after: Option<&str>,
    limit: i64,
) -> diesel::QueryResult<Vec<ProjectRow>> {
    let mut query = SqlBuilder::new(SELECT).sql(" WHERE TRUE");
    if let Some(year) = &filter.academic_year {
        query = query
            .sql(" AND p.academic_year = ")
            .bind::<Text, _>(year.as_str().to_owned());
    }
    if let Some(phase) = filter.phase {
        // Containment rather than `= ANY`, so the GIN index on `phases` serves it.
        query = query
            .sql(" AND p.phases @> ARRAY[")
            .bind::<Text, _>(phase.as_str())
            .sql("]");
    }
    if let Some(kind) = filter.kind {
        query = query.sql(" AND p.kind = ").bind::<Text, _>(kind.as_str());
    }
    if let Some(q) = &filter.q {
        query = query
            .sql(" AND p.title ILIKE ")
            .bind::<Text, _>(like_pattern(q));
    }
    query.page_after("p.code", after, limit).load(conn).await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    code: &ProjectCode,
) -> diesel::QueryResult<Option<ProjectRow>> {
    let query = SqlBuilder::new(SELECT)
        .sql(" WHERE p.code = ")
        .bind::<Text, _>(code.as_str().to_owned());
    let rows: Vec<ProjectRow> = query.load(conn).await?;
    Ok(rows.into_iter().next())
}
