//! What the reach report reads for one academic year and one scope (`ReportScope`): the
//! hubs it shows, the authorities each covers with their open schools, the projects their
//! work groups deliver, and every enrolment that holds or held a place with its standing
//! against the participation rule. Each query starts from the scope's hubs or work groups
//! of the year (a partner's, from the schools of its area) and follows indexes down, so one
//! hub's year reads only that year's groups and their enrolments, which carry their count
//! of sessions present.
//!
//! The queries take the connection shared, so a handler can pipeline them.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, SmallInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::participation::{STANDING_COLUMNS, Standing};
use crate::db::schema::{
    hubs, local_authorities, teaching_school_hubs, work_group_leads, work_groups,
};
use crate::db::sql::SqlBuilder;
use crate::domain::reach::Engagement;
use crate::domain::scope::ReportScope;
use crate::domain::{AcademicYear, SchoolPhase, SchoolStatus};

/// A hub the report shows.
#[derive(Debug, Clone, QueryableByName)]
pub struct HubRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub slug: String,
    #[diesel(sql_type = Text)]
    pub name: String,
}

/// An authority a hub covers now, with its open schools (for a partner, those of its area).
#[derive(Debug, Clone, QueryableByName)]
pub struct CoverRow {
    #[diesel(sql_type = SqlUuid)]
    pub hub_id: Uuid,
    #[diesel(sql_type = Text)]
    pub gss_code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub open_schools: i64,
}

/// A project delivered by the scope's work groups of a hub in the year.
#[derive(Debug, Clone, QueryableByName)]
pub struct ProjectRow {
    #[diesel(sql_type = SqlUuid)]
    pub hub_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Nullable<SmallInt>)]
    pub participation_min_percent: Option<i16>,
}

#[derive(QueryableByName)]
struct EngagementRow {
    #[diesel(sql_type = SqlUuid)]
    hub_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    project_id: Uuid,
    #[diesel(sql_type = Text)]
    school_urn: String,
    #[diesel(sql_type = Text)]
    school_status: SchoolStatus,
    #[diesel(sql_type = Text)]
    la_code: String,
    #[diesel(sql_type = Text)]
    phase: SchoolPhase,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    referred_by_id: Option<Uuid>,
    #[diesel(sql_type = SqlUuid)]
    participant_id: Uuid,
    #[diesel(embed)]
    standing: Standing,
}

impl From<EngagementRow> for Engagement {
    fn from(row: EngagementRow) -> Self {
        Self {
            hub_id: row.hub_id,
            project_id: row.project_id,
            school_urn: row.school_urn,
            school_open: row.school_status == SchoolStatus::Open,
            local_authority: row.la_code,
            school_phase: row.phase,
            referred_by: row.referred_by_id,
            participant_id: row.participant_id,
            participates: row.standing.participates(),
        }
    }
}

/// The hubs the report shows whatever was counted, by slug: every hub that is not retired
/// or has work groups in the year (national); the one hub of a hub's or a lead's report, or
/// named by a partner; otherwise, for a partner, the hubs covering an authority of its area
/// (those its schools signed up with besides come with what was counted: `hub_names`).
pub async fn hubs(
    mut conn: &AsyncPgConnection,
    year: &AcademicYear,
    scope: &ReportScope,
) -> QueryResult<Vec<HubRow>> {
    hubs_where(
        SqlBuilder::new("SELECT h.id, h.slug, h.name FROM hubs h WHERE "),
        year,
        scope,
    )
    .sql(" ORDER BY h.slug")
    .load(&mut conn)
    .await
}

/// The authorities the report's hubs cover now, each with its open schools. Schools of a
/// district count under its county; for a partner, only the authorities its area lies in,
/// and only the open schools of its area.
pub async fn covers(
    mut conn: &AsyncPgConnection,
    year: &AcademicYear,
    scope: &ReportScope,
) -> QueryResult<Vec<CoverRow>> {
    // Counted within one authority, from its open schools (`schools_open_la_idx`).
    let query = SqlBuilder::new(
        "SELECT c.hub_id, la.gss_code, la.name,
                (SELECT count(*) FROM schools s WHERE s.status = 'open' AND s.la_code = la.gss_code",
    );
    let query = in_area(query, scope).sql(
        ") AS open_schools
           FROM hub_local_authorities c
           JOIN local_authorities la ON la.gss_code = c.la_code
          WHERE c.covered_until IS NULL AND c.hub_id IN (SELECT h.id FROM hubs h WHERE ",
    );
    let mut query = hubs_where(query, year, scope).sql(")");
    if let ReportScope::PartnerArea {
        teaching_school_hub_id,
        ..
    } = *scope
    {
        query = area_authorities(query.sql(" AND c.la_code IN ("), teaching_school_hub_id).sql(")");
    }
    query
        .sql(" ORDER BY c.hub_id, la.gss_code")
        .load(&mut conn)
        .await
}

/// The projects the scope's work groups of the year deliver (public ones: drafts aside), per hub.
pub async fn projects(
    mut conn: &AsyncPgConnection,
    year: &AcademicYear,
    scope: &ReportScope,
) -> QueryResult<Vec<ProjectRow>> {
    let query = SqlBuilder::new(
        "SELECT DISTINCT w.hub_id, p.id, p.code, p.title, p.participation_min_percent
           FROM work_groups w JOIN projects p ON p.id = w.project_id
          WHERE w.is_public",
    );
    groups_of(query, year, scope)
        .sql(" ORDER BY p.code")
        .load(&mut conn)
        .await
}

/// Every enrolment that holds or held a place (`accepted_at` set) in the scope's work
/// groups of the year, from the scope's schools, with its standing.
pub async fn engagements(
    mut conn: &AsyncPgConnection,
    year: &AcademicYear,
    scope: &ReportScope,
) -> QueryResult<Vec<Engagement>> {
    let query = SqlBuilder::new(
        "SELECT w.hub_id, w.project_id, e.school_urn, s.status AS school_status, s.la_code, s.phase,
                e.referred_by_id, e.participant_id, ",
    )
    .sql(STANDING_COLUMNS)
    .sql(
        " FROM work_groups w
           JOIN projects p ON p.id = w.project_id
           JOIN enrolments e ON e.work_group_id = w.id AND e.accepted_at IS NOT NULL
           JOIN ",
    );
    let query = schools(query, scope).sql(" ON s.urn = e.school_urn WHERE true");
    let rows: Vec<EngagementRow> = groups_of(query, year, scope).load(&mut conn).await?;
    Ok(rows.into_iter().map(Engagement::from).collect())
}

/// The codes of the work groups of the year a lead's report counts, in order.
pub async fn led_work_groups(
    mut conn: &AsyncPgConnection,
    year: &AcademicYear,
    lead_id: Uuid,
    hub_id: Uuid,
) -> QueryResult<Vec<String>> {
    work_groups::table
        .inner_join(work_group_leads::table)
        .filter(work_group_leads::user_id.eq(lead_id))
        .filter(work_groups::hub_id.eq(hub_id))
        .filter(work_groups::academic_year.eq(year.as_str()))
        .select(work_groups::code)
        .order(work_groups::code)
        .load(&mut conn)
        .await
}

/// The names of these authorities: (GSS code, name).
pub async fn authority_names(
    mut conn: &AsyncPgConnection,
    codes: &[&str],
) -> QueryResult<Vec<(String, String)>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    local_authorities::table
        .filter(local_authorities::gss_code.eq_any(codes))
        .select((local_authorities::gss_code, local_authorities::name))
        .load(&mut conn)
        .await
}

/// The slugs and names of these hubs.
pub async fn hub_names(mut conn: &AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<HubRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    hubs::table
        .filter(hubs::id.eq_any(ids))
        .select((hubs::id, hubs::slug, hubs::name))
        .load::<(Uuid, String, String)>(&mut conn)
        .await
        .map(|rows| {
            rows.into_iter()
                .map(|(id, slug, name)| HubRow { id, slug, name })
                .collect()
        })
}

/// The slugs and names of these Teaching School Hubs: (id, slug, name).
pub async fn teaching_school_hub_names(
    mut conn: &AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    teaching_school_hubs::table
        .filter(teaching_school_hubs::id.eq_any(ids))
        .select((
            teaching_school_hubs::id,
            teaching_school_hubs::slug,
            teaching_school_hubs::name,
        ))
        .load(&mut conn)
        .await
}

/// Appends the condition on hubs `h` that keeps the report's hubs.
fn hubs_where(query: SqlBuilder, year: &AcademicYear, scope: &ReportScope) -> SqlBuilder {
    match *scope {
        ReportScope::National => query
            .sql(
                "(h.retired_at IS NULL OR EXISTS (SELECT 1 FROM work_groups w \
                  WHERE w.hub_id = h.id AND w.academic_year = ",
            )
            .bind::<Text, _>(year.as_str().to_owned())
            .sql("))"),
        ReportScope::Hub(hub_id)
        | ReportScope::LedBy { hub_id, .. }
        | ReportScope::PartnerArea {
            hub_id: Some(hub_id),
            ..
        } => query.sql("h.id = ").bind::<SqlUuid, _>(hub_id),
        ReportScope::PartnerArea {
            teaching_school_hub_id,
            hub_id: None,
        } => {
            let covering = query.sql(
                "h.id IN (SELECT c.hub_id FROM hub_local_authorities c \
                  WHERE c.covered_until IS NULL AND c.la_code IN (",
            );
            area_authorities(covering, teaching_school_hub_id).sql("))")
        }
    }
}

/// Appends ` AND …` keeping the work groups `w` of the scope in the year.
fn groups_of(query: SqlBuilder, year: &AcademicYear, scope: &ReportScope) -> SqlBuilder {
    let query = query
        .sql(" AND w.academic_year = ")
        .bind::<Text, _>(year.as_str().to_owned());
    match *scope {
        ReportScope::National | ReportScope::PartnerArea { hub_id: None, .. } => query,
        ReportScope::Hub(hub_id)
        | ReportScope::PartnerArea {
            hub_id: Some(hub_id),
            ..
        } => query.sql(" AND w.hub_id = ").bind::<SqlUuid, _>(hub_id),
        ReportScope::LedBy { lead_id, hub_id } => query
            .sql(" AND w.hub_id = ")
            .bind::<SqlUuid, _>(hub_id)
            .sql(
                " AND EXISTS (SELECT 1 FROM work_group_leads l \
                   WHERE l.work_group_id = w.id AND l.user_id = ",
            )
            .bind::<SqlUuid, _>(lead_id)
            .sql(")"),
    }
}

/// Appends the schools the scope counts, as a `FROM` item `s`: for a partner, those whose
/// authority or district is in its area (a set small enough to start from, read through
/// `enrolments_signed_up_by_school_idx`); every school otherwise. `in_area` is the same as a
/// condition.
fn schools(query: SqlBuilder, scope: &ReportScope) -> SqlBuilder {
    let ReportScope::PartnerArea {
        teaching_school_hub_id,
        ..
    } = *scope
    else {
        return query.sql("schools s");
    };
    const COLUMNS: &str = "SELECT s.urn, s.status, s.la_code, s.phase FROM schools s WHERE ";
    let query = area(
        query.sql("(").sql(COLUMNS).sql("s.la_code IN ("),
        teaching_school_hub_id,
    );
    let query = query
        .sql(") UNION ")
        .sql(COLUMNS)
        .sql("s.district_code IN (");
    area(query, teaching_school_hub_id).sql(")) s")
}

/// Appends ` AND …` keeping the schools `s` the scope counts: for a partner, those whose
/// authority or district is in its area; every school otherwise.
fn in_area(query: SqlBuilder, scope: &ReportScope) -> SqlBuilder {
    let ReportScope::PartnerArea {
        teaching_school_hub_id,
        ..
    } = *scope
    else {
        return query;
    };
    let query = area(query.sql(" AND (s.la_code IN ("), teaching_school_hub_id);
    area(
        query.sql(") OR s.district_code IN ("),
        teaching_school_hub_id,
    )
    .sql("))")
}

/// Appends the `SELECT` of the authorities and districts of a Teaching School Hub's area.
fn area(query: SqlBuilder, teaching_school_hub_id: Uuid) -> SqlBuilder {
    query
        .sql(
            "SELECT area.la_code FROM teaching_school_hub_areas area \
              WHERE area.teaching_school_hub_id = ",
        )
        .bind::<SqlUuid, _>(teaching_school_hub_id)
}

/// Appends the `SELECT` of the education authorities an area lies in: each unitary
/// authority or borough itself, each district's county.
fn area_authorities(query: SqlBuilder, teaching_school_hub_id: Uuid) -> SqlBuilder {
    query
        .sql(
            "SELECT coalesce(la.parent_gss_code, la.gss_code) FROM teaching_school_hub_areas area \
               JOIN local_authorities la ON la.gss_code = area.la_code \
              WHERE area.teaching_school_hub_id = ",
        )
        .bind::<SqlUuid, _>(teaching_school_hub_id)
}
