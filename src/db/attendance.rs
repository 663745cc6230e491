//! The attendance register of a session: who holds a place in its group, what the group's
//! staff recorded for each, and the non-attendance fee that followed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{attendance, enrolments};
use crate::db::sql::SqlBuilder;
use crate::domain::fees::FeePolicy;
use crate::domain::{AttendanceStatus, EnrolmentStatus, FeeStatus};

/// A session as recording attendance sees it: its group, its start and its project's fees.
#[derive(Debug, QueryableByName)]
pub struct SessionFacts {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub ends_at: DateTime<Utc>,
    /// A cancelled session does not take place: nobody attends it.
    #[diesel(sql_type = Bool)]
    pub cancelled: bool,
    #[diesel(sql_type = SqlUuid)]
    pub work_group_id: Uuid,
    #[diesel(sql_type = Text)]
    pub work_group_code: String,
    #[diesel(sql_type = Text)]
    pub work_group_title: String,
    #[diesel(sql_type = Integer)]
    pub fee_pence: i32,
    #[diesel(sql_type = Integer)]
    pub notice_days: i32,
}

impl SessionFacts {
    pub fn fee_policy(&self) -> FeePolicy {
        FeePolicy {
            fee_pence: self.fee_pence,
            notice_days: self.notice_days,
        }
    }
}

const SESSION: &str = "\
SELECT s.id, s.starts_at, s.ends_at, s.cancelled_at IS NOT NULL AS cancelled,
       w.id AS work_group_id, w.code AS work_group_code, w.title AS work_group_title,
       p.non_attendance_fee_pence AS fee_pence, p.cancellation_notice_days AS notice_days
  FROM sessions s
  JOIN work_groups w ON w.id = s.work_group_id
  JOIN projects p ON p.id = w.project_id
 WHERE s.id = ";

pub async fn session(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<SessionFacts>> {
    SqlBuilder::new(SESSION)
        .bind::<SqlUuid, _>(id)
        .get_result(conn)
        .await
        .optional()
}

/// The session, its row locked until the transaction ends: registers of one session are
/// recorded one after the other, so two at once never charge a fee twice.
pub async fn lock_session(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<SessionFacts>> {
    SqlBuilder::new(SESSION)
        .bind::<SqlUuid, _>(id)
        .sql(" FOR UPDATE OF s")
        .get_result(conn)
        .await
        .optional()
}

/// One line of the register.
#[derive(Debug, QueryableByName)]
pub struct RegisterRow {
    #[diesel(sql_type = SqlUuid)]
    pub enrolment_id: Uuid,
    #[diesel(sql_type = Text)]
    pub enrolment_status: EnrolmentStatus,
    #[diesel(sql_type = SqlUuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Text)]
    pub participant_name: String,
    #[diesel(sql_type = Text)]
    pub school_urn: String,
    #[diesel(sql_type = Text)]
    pub school_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub status: Option<AttendanceStatus>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub apologies_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub recorded_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub fee_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub fee_amount_pence: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub fee_status: Option<FeeStatus>,
}

const REGISTER: &str = "\
SELECT e.id AS enrolment_id, e.status AS enrolment_status, u.id AS participant_id,
       u.name AS participant_name, e.school_urn, sc.name AS school_name,
       a.status, a.apologies_at, a.recorded_at,
       f.id AS fee_id, f.amount_pence AS fee_amount_pence, f.status AS fee_status
  FROM sessions s
  JOIN enrolments e ON e.work_group_id = s.work_group_id
  JOIN users u ON u.id = e.participant_id
  JOIN schools sc ON sc.urn = e.school_urn
  LEFT JOIN attendance a ON a.session_id = s.id AND a.enrolment_id = e.id
  LEFT JOIN fee_liabilities f
         ON f.session_id = s.id AND f.enrolment_id = e.id AND f.reason = 'non_attendance'
 WHERE s.id = ";

/// Everyone holding a place in the session's group (accepted or completed), and anyone else
/// with a record for it (who withdrew since, say), by name.
pub async fn register(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
) -> QueryResult<Vec<RegisterRow>> {
    SqlBuilder::new(REGISTER)
        .bind::<SqlUuid, _>(session_id)
        .sql(
            " AND (e.status IN ('accepted', 'completed') OR a.enrolment_id IS NOT NULL)
             ORDER BY u.name, e.id",
        )
        .load(conn)
        .await
}

/// The register's line for one enrolment of the session's group, whatever it holds.
pub async fn register_line(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    enrolment_id: Uuid,
) -> QueryResult<Option<RegisterRow>> {
    SqlBuilder::new(REGISTER)
        .bind::<SqlUuid, _>(session_id)
        .sql(" AND e.id = ")
        .bind::<SqlUuid, _>(enrolment_id)
        .get_result(conn)
        .await
        .optional()
}

/// Where an enrolment stands, and the school a fee would be charged to.
#[derive(Debug, Queryable)]
pub struct EnrolmentFacts {
    pub school_urn: String,
    pub status: EnrolmentStatus,
}

pub async fn enrolment_facts(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<EnrolmentFacts>> {
    enrolments::table
        .find(id)
        .select((enrolments::school_urn, enrolments::status))
        .first(conn)
        .await
        .optional()
}

/// Which of `ids` hold a place (accepted or completed) in the group, with their school.
pub async fn place_holders(
    conn: &mut AsyncPgConnection,
    work_group_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, String)>> {
    enrolments::table
        .filter(enrolments::id.eq_any(ids))
        .filter(enrolments::work_group_id.eq(work_group_id))
        .filter(enrolments::status.eq_any(EnrolmentStatus::HOLDING_A_PLACE))
        .select((enrolments::id, enrolments::school_urn))
        .load(conn)
        .await
}

/// What was recorded for each enrolment at each session of the group, as (enrolment,
/// session, attendance).
pub async fn of_work_group(
    conn: &mut AsyncPgConnection,
    work_group_id: Uuid,
) -> QueryResult<Vec<(Uuid, Uuid, AttendanceStatus)>> {
    attendance::table
        .inner_join(enrolments::table)
        .filter(enrolments::work_group_id.eq(work_group_id))
        .select((
            attendance::enrolment_id,
            attendance::session_id,
            attendance::status,
        ))
        .load(conn)
        .await
}

/// One record of the register, as written.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = attendance)]
pub struct AttendanceRecord {
    pub session_id: Uuid,
    pub enrolment_id: Uuid,
    pub status: AttendanceStatus,
    pub apologies_at: Option<DateTime<Utc>>,
    pub recorded_by: Option<Uuid>,
}

/// What is recorded for `ids` at the session: status and apologies, by enrolment.
pub async fn recorded(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, AttendanceStatus, Option<DateTime<Utc>>)>> {
    attendance::table
        .filter(attendance::session_id.eq(session_id))
        .filter(attendance::enrolment_id.eq_any(ids))
        .select((
            attendance::enrolment_id,
            attendance::status,
            attendance::apologies_at,
        ))
        .load(conn)
        .await
}

/// Records each (a new record, or a correction of the one held), in one statement.
pub async fn record(conn: &mut AsyncPgConnection, records: &[AttendanceRecord]) -> QueryResult<()> {
    use diesel::upsert::excluded;
    if records.is_empty() {
        return Ok(());
    }
    diesel::insert_into(attendance::table)
        .values(records)
        .on_conflict((attendance::session_id, attendance::enrolment_id))
        .do_update()
        .set((
            attendance::status.eq(excluded(attendance::status)),
            attendance::apologies_at.eq(excluded(attendance::apologies_at)),
            attendance::recorded_by.eq(excluded(attendance::recorded_by)),
            attendance::recorded_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(drop)
}
