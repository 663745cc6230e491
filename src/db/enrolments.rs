//! Enrolments as their participant and the group's staff see them: personal data, read
//! only behind the policy.

use chrono::{DateTime, Utc};
use diesel::prelude::QueryableByName;
use diesel::sql_types::{Array, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::sql::SqlBuilder;
use crate::domain::scope::WorkGroupScope;
use crate::domain::{EnrolmentStatus, RoleInSchool};

#[derive(Debug, QueryableByName)]
pub struct EnrolmentRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub work_group_id: Uuid,
    #[diesel(sql_type = Text)]
    pub work_group_code: String,
    #[diesel(sql_type = Text)]
    pub work_group_title: String,
    /// The group's hub and leads, to decide rights on.
    #[diesel(sql_type = SqlUuid)]
    pub work_group_hub_id: Uuid,
    #[diesel(sql_type = Array<SqlUuid>)]
    pub work_group_lead_ids: Vec<Uuid>,
    #[diesel(sql_type = SqlUuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Text)]
    pub participant_name: String,
    #[diesel(sql_type = Text)]
    pub participant_email: String,
    #[diesel(sql_type = Text)]
    pub school_urn: String,
    #[diesel(sql_type = Text)]
    pub school_name: String,
    #[diesel(sql_type = Text)]
    pub role_in_school: RoleInSchool,
    #[diesel(sql_type = Text)]
    pub statement: String,
    #[diesel(sql_type = Text)]
    pub status: EnrolmentStatus,
    #[diesel(sql_type = Nullable<Integer>)]
    pub waitlist_position: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub referred_by_slug: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub senior_leader_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub senior_leader_role: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub senior_leader_agreed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

impl EnrolmentRow {
    /// The enrolment's work group, as rights are decided on.
    pub fn work_group_scope(&self) -> WorkGroupScope {
        WorkGroupScope {
            hub_id: self.work_group_hub_id,
            lead_ids: self.work_group_lead_ids.clone(),
        }
    }
}

const SELECT: &str = "\
SELECT e.id, e.work_group_id, w.code AS work_group_code, w.title AS work_group_title,
       w.hub_id AS work_group_hub_id,
       ARRAY(SELECT l.user_id FROM work_group_leads l WHERE l.work_group_id = w.id) AS work_group_lead_ids,
       e.participant_id, u.name AS participant_name, u.email AS participant_email,
       e.school_urn, s.name AS school_name, e.role_in_school, e.statement, e.status,
       e.waitlist_position, t.slug AS referred_by_slug,
       e.senior_leader_name, e.senior_leader_role, e.senior_leader_agreed_at,
       e.created_at, e.updated_at
  FROM enrolments e
  JOIN work_groups w ON w.id = e.work_group_id
  JOIN users u ON u.id = e.participant_id
  JOIN schools s ON s.urn = e.school_urn
  LEFT JOIN teaching_school_hubs t ON t.id = e.referred_by_id
 WHERE ";

/// Whose enrolments a page lists.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    WorkGroup(Uuid),
    Participant(Uuid),
    /// The enrolments made for a school (URN), in every hub's groups.
    School(&'a str),
}

/// One page in (created, id) order after `after`, optionally of one status.
pub async fn list(
    conn: &mut AsyncPgConnection,
    owner: Owner<'_>,
    status: Option<EnrolmentStatus>,
    after: Option<&(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> diesel::QueryResult<Vec<EnrolmentRow>> {
    of_owner(owner, status)
        .page_after("e.created_at, e.id", after, limit)
        .load(conn)
        .await
}

/// Every enrolment of the owner in (created, id) order, optionally of one status: for
/// exports, which are not paged.
pub async fn all(
    conn: &mut AsyncPgConnection,
    owner: Owner<'_>,
    status: Option<EnrolmentStatus>,
) -> diesel::QueryResult<Vec<EnrolmentRow>> {
    of_owner(owner, status)
        .sql(" ORDER BY e.created_at, e.id")
        .load(conn)
        .await
}

fn of_owner(owner: Owner<'_>, status: Option<EnrolmentStatus>) -> SqlBuilder {
    let query = match owner {
        Owner::WorkGroup(id) => SqlBuilder::new(SELECT)
            .sql("e.work_group_id = ")
            .bind::<SqlUuid, _>(id),
        Owner::Participant(id) => SqlBuilder::new(SELECT)
            .sql("e.participant_id = ")
            .bind::<SqlUuid, _>(id),
        Owner::School(urn) => SqlBuilder::new(SELECT)
            .sql("e.school_urn = ")
            .bind::<Text, _>(urn.to_owned()),
    };
    match status {
        Some(status) => query
            .sql(" AND e.status = ")
            .bind::<Text, _>(status.as_str()),
        None => query,
    }
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> diesel::QueryResult<Option<EnrolmentRow>> {
    let rows: Vec<EnrolmentRow> = select_one(SqlBuilder::default(), id).load(conn).await?;
    Ok(rows.into_iter().next())
}

/// The statement `find` runs, after `with` (a `WITH` clause, or nothing).
pub(crate) fn select_one(with: SqlBuilder, id: Uuid) -> SqlBuilder {
    with.sql(SELECT).sql("e.id = ").bind::<SqlUuid, _>(id)
}

/// Whether the participant holds a place (an accepted or completed enrolment) in the group.
pub async fn holds_place(
    conn: &mut AsyncPgConnection,
    work_group_id: Uuid,
    participant_id: Uuid,
) -> diesel::QueryResult<bool> {
    use crate::db::schema::enrolments;
    use diesel::{ExpressionMethods, QueryDsl};
    diesel::select(diesel::dsl::exists(
        enrolments::table
            .filter(enrolments::work_group_id.eq(work_group_id))
            .filter(enrolments::participant_id.eq(participant_id))
            .filter(enrolments::status.eq_any(EnrolmentStatus::HOLDING_A_PLACE)),
    ))
    .get_result(conn)
    .await
}
