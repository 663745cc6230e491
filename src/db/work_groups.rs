//! Work groups as the public catalogue shows them: never drafts, each with its hub, project,
//! places left and leads, and for one group its sessions, each page in one query. And a
//! group's scope, which the rights are decided on.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use diesel::prelude::QueryableByName;
use diesel::sql_types::{Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::json::Json;
use crate::db::sessions::SessionRow;
use crate::db::sql::SqlBuilder;
use crate::db::{hub_covering, like_pattern};
use crate::domain::scope::WorkGroupScope;
use crate::domain::{
    AcademicYear, Admission, DeliveryMode, GssCode, LeadRole, ProgrammePhase, Slug, WorkGroupStatus,
};

/// What every view of a work group shows of it: its code and title, its hub and project, its
/// year, phase and delivery, where it stands, how it admits and its places.
#[derive(Debug, QueryableByName)]
pub struct WorkGroupOutlineRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub hub_slug: String,
    #[diesel(sql_type = Text)]
    pub hub_name: String,
    #[diesel(sql_type = Text)]
    pub project_code: String,
    #[diesel(sql_type = Text)]
    pub project_title: String,
    #[diesel(sql_type = Text)]
    pub academic_year: String,
    #[diesel(sql_type = Text)]
    pub phase: ProgrammePhase,
    #[diesel(sql_type = Text)]
    pub mode: DeliveryMode,
    #[diesel(sql_type = Text)]
    pub status: WorkGroupStatus,
    #[diesel(sql_type = Text)]
    pub admission: Admission,
    #[diesel(sql_type = Nullable<Integer>)]
    pub capacity: Option<i32>,
    #[diesel(sql_type = Integer)]
    pub accepted_count: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub eoi_deadline: Option<DateTime<Utc>>,
}

/// The columns of a [`WorkGroupOutlineRow`], over [`FROM_ANY_STATUS`].
pub const OUTLINE_COLUMNS: &str = "\
wg.id, wg.code, wg.title, hub.slug AS hub_slug, hub.name AS hub_name,
       project.code AS project_code, project.title AS project_title, wg.academic_year, wg.phase, wg.mode,
       wg.status, wg.admission, wg.capacity, wg.accepted_count, wg.eoi_deadline";

/// Work groups `wg`, whatever their status, each with its `hub` and `project`.
pub const FROM_ANY_STATUS: &str = "
  FROM work_groups wg
  JOIN hubs hub ON hub.id = wg.hub_id
  JOIN projects project ON project.id = wg.project_id";

/// A work group as the catalogue lists it: its outline, where it meets, what it is about, how
/// its sessions are spread and who leads it.
#[derive(Debug, QueryableByName)]
pub struct WorkGroupRow {
    #[diesel(embed)]
    pub outline: WorkGroupOutlineRow,
    #[diesel(sql_type = Nullable<Text>)]
    pub venue_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub venue_address: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub venue_postcode: Option<String>,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub requires_senior_leader_agreement: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub cancellation_reason: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub first_session_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_session_at: Option<DateTime<Utc>>,
    /// Work group leads first, then cohort leads, by name.
    #[diesel(sql_type = Jsonb)]
    pub leads: Json<Vec<LeadRow>>,
}

/// A lead of a group by their public name (the profile's, else the account's).
#[derive(Debug, serde::Deserialize)]
pub struct LeadRow {
    pub id: Uuid,
    pub name: String,
    pub role: LeadRole,
}

/// A work group with its sessions, in time order.
#[derive(Debug, QueryableByName)]
pub struct WorkGroupDetailRow {
    #[diesel(embed)]
    pub group: WorkGroupRow,
    #[diesel(sql_type = Jsonb)]
    pub sessions: Json<Vec<SessionRow>>,
}

static SELECT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "\
SELECT {OUTLINE_COLUMNS}, wg.venue_name,
       wg.venue_address, wg.venue_postcode, wg.description, wg.requires_senior_leader_agreement,
       wg.cancellation_reason,
       wg.first_session_at, wg.last_session_at,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('id', l.user_id, 'name', coalesce(p.display_name, u.name),
                                                     'role', l.role)
                                  ORDER BY l.role = 'cohort_lead', coalesce(p.display_name, u.name), l.user_id),
                        '[]'::jsonb)
          FROM work_group_leads l
          JOIN users u ON u.id = l.user_id
          LEFT JOIN llme_profiles p ON p.user_id = l.user_id
         WHERE l.work_group_id = wg.id) AS leads"
    )
});

/// The public catalogue never shows drafts, nor drafts abandoned before they opened.
const PUBLIC_ONLY: &str = "
 WHERE wg.is_public";

/// Sessions of the group as JSON; joining links are left out (they are private).
const SESSIONS: &str = ",
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'id', s.id, 'sequence', s.sequence, 'kind', s.kind, 'mode', s.mode,
                   'starts_at', s.starts_at, 'ends_at', s.ends_at, 'venue_name', s.venue_name,
                   'venue_address', s.venue_address, 'venue_postcode', s.venue_postcode, 'notes', s.notes,
                   'cancelled_at', s.cancelled_at, 'cancellation_reason', s.cancellation_reason)
                 ORDER BY s.starts_at, s.id), '[]'::jsonb)
          FROM (SELECT *, row_number() OVER (ORDER BY starts_at, id) AS sequence
                  FROM sessions WHERE work_group_id = wg.id) s) AS sessions";

#[derive(Debug, Default)]
pub struct WorkGroupFilter {
    pub hub: Option<Slug>,
    pub project: Option<String>,
    pub phase: Option<ProgrammePhase>,
    pub status: Option<WorkGroupStatus>,
    pub academic_year: Option<AcademicYear>,
    pub local_authority: Option<GssCode>,
    pub mode: Option<DeliveryMode>,
    pub lead: Option<Uuid>,
    pub starts_after: Option<DateTime<Utc>>,
    pub starts_before: Option<DateTime<Utc>>,
    pub q: Option<String>,
}

/// The list query for one page, in (code, id) order after `after`.
pub fn list_query(
    filter: &WorkGroupFilter,
    after: Option<&(String, Uuid)>,
    limit: i64,
) -> SqlBuilder {
    let mut query = SqlBuilder::new(SELECT.as_str())
        .sql(FROM_ANY_STATUS)
        .sql(PUBLIC_ONLY);
    if let Some(hub) = &filter.hub {
        query = query
            .sql(" AND hub.slug = ")
            .bind::<Text, _>(hub.as_str().to_owned());
    }
    if let Some(project) = &filter.project {
        query = query
            .sql(" AND project.code = ")
            .bind::<Text, _>(project.clone());
    }
    if let Some(phase) = filter.phase {
        query = query
            .sql(" AND wg.phase = ")
            .bind::<Text, _>(phase.as_str());
    }
    if let Some(status) = filter.status {
        query = query
            .sql(" AND wg.status = ")
            .bind::<Text, _>(status.as_str());
    }
    if let Some(year) = &filter.academic_year {
        query = query
            .sql(" AND wg.academic_year = ")
            .bind::<Text, _>(year.as_str().to_owned());
    }
    if let Some(authority) = &filter.local_authority {
        query = hub_covering(query.sql(" AND wg.hub_id = "), authority);
    }
    if let Some(mode) = filter.mode {
        query = query.sql(" AND wg.mode = ").bind::<Text, _>(mode.as_str());
    }
    if let Some(lead) = filter.lead {
        query = query
            .sql(" AND EXISTS (SELECT 1 FROM work_group_leads l WHERE l.work_group_id = wg.id AND l.user_id = ")
            .bind::<SqlUuid, _>(lead)
            .sql(")");
    }
    if let Some(after) = filter.starts_after {
        query = query
            .sql(" AND wg.first_session_at >= ")
            .bind::<Timestamptz, _>(after);
    }
    if let Some(before) = filter.starts_before {
        query = query
            .sql(" AND wg.first_session_at < ")
            .bind::<Timestamptz, _>(before);
    }
    if let Some(q) = &filter.q {
        query = query
            .sql(" AND wg.title ILIKE ")
            .bind::<Text, _>(like_pattern(q));
    }
    query.page_after("wg.code, wg.id", after, limit)
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &WorkGroupFilter,
    after: Option<&(String, Uuid)>,
    limit: i64,
) -> diesel::QueryResult<Vec<WorkGroupRow>> {
    list_query(filter, after, limit).load(conn).await
}

/// The query of one public work group with its sessions.
pub fn detail_query(id: Uuid) -> SqlBuilder {
    SqlBuilder::new(SELECT.as_str())
        .sql(SESSIONS)
        .sql(FROM_ANY_STATUS)
        .sql(PUBLIC_ONLY)
        .sql(" AND wg.id = ")
        .bind::<SqlUuid, _>(id)
}

/// One work group with its sessions whatever its status, drafts included: for its staff.
pub async fn find_any(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Option<WorkGroupDetailRow>> {
    let rows: Vec<WorkGroupDetailRow> = SqlBuilder::new(SELECT.as_str())
        .sql(SESSIONS)
        .sql(FROM_ANY_STATUS)
        .sql(" WHERE wg.id = ")
        .bind::<SqlUuid, _>(id)
        .load(conn)
        .await?;
    Ok(rows.into_iter().next())
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Option<WorkGroupDetailRow>> {
    let rows: Vec<WorkGroupDetailRow> = detail_query(id).load(conn).await?;
    Ok(rows.into_iter().next())
}

/// What the rights of a work group are decided on (its hub, status and leads), and its code
/// to name it by.
#[derive(Debug, QueryableByName)]
pub struct WorkGroupScopeRow {
    #[diesel(sql_type = SqlUuid)]
    pub hub_id: Uuid,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub status: WorkGroupStatus,
    /// Public from its first opening on (`domain::lifecycle::is_public`).
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub is_public: bool,
    #[diesel(sql_type = diesel::sql_types::Array<SqlUuid>)]
    pub lead_ids: Vec<Uuid>,
}

impl From<WorkGroupScopeRow> for WorkGroupScope {
    fn from(row: WorkGroupScopeRow) -> Self {
        Self {
            hub_id: row.hub_id,
            lead_ids: row.lead_ids,
        }
    }
}

/// The scope of any work group, drafts included.
pub async fn scope(
    mut conn: &AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Option<WorkGroupScopeRow>> {
    let rows: Vec<WorkGroupScopeRow> = SqlBuilder::new(
        "SELECT w.hub_id, w.code, w.status, w.is_public, \
                coalesce(array_agg(l.user_id) FILTER (WHERE l.user_id IS NOT NULL), '{}') AS lead_ids \
           FROM work_groups w LEFT JOIN work_group_leads l ON l.work_group_id = w.id \
          WHERE w.id = ",
    )
    .bind::<SqlUuid, _>(id)
    .sql(" GROUP BY w.id")
    .load(&mut conn)
    .await?;
    Ok(rows.into_iter().next())
}
