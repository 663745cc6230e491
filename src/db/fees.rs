//! The fee ledger: liabilities schools owe under their project's fee policy (one per
//! enrolment per session at most), voided when the attendance behind them is corrected or
//! their session cancelled, waived by a hub manager or admin with a reason, or paid. Entries
//! are never deleted.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::outbox::{self, Recipients};
use crate::db::schema::fee_liabilities;
use crate::db::sql::SqlBuilder;
use crate::domain::notice::FeeCharged;
use crate::domain::{AcademicYear, FeeReason, FeeStatus, NoticeKind, Urn};

/// A new liability.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = fee_liabilities)]
pub struct NewFee {
    pub enrolment_id: Uuid,
    pub session_id: Uuid,
    pub school_urn: String,
    pub reason: FeeReason,
    pub amount_pence: i32,
}

/// Records a liability against the session starting at `session_starts_at`, and tells the
/// participant; a second for the same enrolment and session breaks
/// `fee_liabilities_once_per_session`.
pub async fn charge(
    conn: &mut AsyncPgConnection,
    fee: &NewFee,
    session_starts_at: DateTime<Utc>,
) -> QueryResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(fee_liabilities::table)
        .values((fee_liabilities::id.eq(id), fee))
        .execute(conn)
        .await?;
    let charged = FeeCharged {
        amount_pence: fee.amount_pence,
        reason: fee.reason,
        session_starts_at,
    };
    outbox::tell(
        conn,
        NoticeKind::FeeCharged,
        &Recipients::Participant(fee.enrolment_id),
        serde_json::json!({ "fee": charged }),
    )
    .await?;
    Ok(id)
}

/// The liabilities of `reason` held at the session for `enrolment_ids`: id and status, by
/// enrolment.
pub async fn held_at_session(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    reason: FeeReason,
    enrolment_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Uuid, FeeStatus)>> {
    fee_liabilities::table
        .filter(fee_liabilities::session_id.eq(session_id))
        .filter(fee_liabilities::reason.eq(reason))
        .filter(fee_liabilities::enrolment_id.eq_any(enrolment_ids))
        .select((
            fee_liabilities::enrolment_id,
            fee_liabilities::id,
            fee_liabilities::status,
        ))
        .load(conn)
        .await
}

/// Voids a liability: no longer owed, kept in the ledger.
pub async fn void(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(fee_liabilities::table.find(id))
        .set(fee_liabilities::voided_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(drop)
}

/// Voids every liability charged against a session that will not take place (it was
/// cancelled); answers their ids.
pub async fn void_at_session(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
) -> QueryResult<Vec<Uuid>> {
    diesel::update(
        fee_liabilities::table
            .filter(fee_liabilities::session_id.eq(session_id))
            .filter(fee_liabilities::voided_at.is_null()),
    )
    .set(fee_liabilities::voided_at.eq(diesel::dsl::now))
    .returning(fee_liabilities::id)
    .get_results(conn)
    .await
}

/// Makes a voided liability owed again, at the project's fee now.
pub async fn restore(conn: &mut AsyncPgConnection, id: Uuid, amount_pence: i32) -> QueryResult<()> {
    diesel::update(fee_liabilities::table.find(id))
        .set((
            fee_liabilities::voided_at.eq(None::<DateTime<Utc>>),
            fee_liabilities::amount_pence.eq(amount_pence),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// A liability's status and the hub whose group it arose in, its row locked until the
/// transaction ends.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<(FeeStatus, Uuid)>> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = Text)]
        status: FeeStatus,
        #[diesel(sql_type = SqlUuid)]
        hub_id: Uuid,
    }
    let locked: Option<Locked> = SqlBuilder::new(
        "SELECT f.status, w.hub_id FROM fee_liabilities f
           JOIN sessions s ON s.id = f.session_id
           JOIN work_groups w ON w.id = s.work_group_id
          WHERE f.id = ",
    )
    .bind::<SqlUuid, _>(id)
    .sql(" FOR UPDATE OF f")
    .get_result(conn)
    .await
    .optional()?;
    Ok(locked.map(|locked| (locked.status, locked.hub_id)))
}

/// Lets the school off an owed liability, with the reason.
pub async fn waive(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    by: Uuid,
    reason: &str,
) -> QueryResult<()> {
    diesel::update(fee_liabilities::table.find(id))
        .set((
            fee_liabilities::waived_at.eq(diesel::dsl::now),
            fee_liabilities::waived_by.eq(by),
            fee_liabilities::waiver_reason.eq(reason),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Records that the school paid an owed liability, with its reference for the payment.
pub async fn record_payment(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reference: Option<&str>,
) -> QueryResult<()> {
    diesel::update(fee_liabilities::table.find(id))
        .set((
            fee_liabilities::paid_at.eq(diesel::dsl::now),
            fee_liabilities::payment_reference.eq(reference),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// One entry of the ledger with what it is about.
#[derive(Debug, QueryableByName)]
pub struct FeeRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub reason: FeeReason,
    #[diesel(sql_type = Text)]
    pub status: FeeStatus,
    #[diesel(sql_type = Integer)]
    pub amount_pence: i32,
    #[diesel(sql_type = Text)]
    pub school_urn: String,
    #[diesel(sql_type = Text)]
    pub school_name: String,
    #[diesel(sql_type = SqlUuid)]
    pub enrolment_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Text)]
    pub participant_name: String,
    #[diesel(sql_type = SqlUuid)]
    pub session_id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub session_starts_at: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub work_group_id: Uuid,
    #[diesel(sql_type = Text)]
    pub work_group_code: String,
    #[diesel(sql_type = Text)]
    pub work_group_title: String,
    #[diesel(sql_type = Text)]
    pub academic_year: String,
    #[diesel(sql_type = Text)]
    pub hub_slug: String,
    #[diesel(sql_type = Text)]
    pub hub_name: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub waived_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub waiver_reason: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub paid_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub payment_reference: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub voided_at: Option<DateTime<Utc>>,
}

const SELECT: &str = "\
SELECT f.id, f.reason, f.status, f.amount_pence, f.school_urn, sc.name AS school_name,
       e.id AS enrolment_id, u.id AS participant_id, u.name AS participant_name,
       s.id AS session_id, s.starts_at AS session_starts_at,
       w.id AS work_group_id, w.code AS work_group_code, w.title AS work_group_title,
       w.academic_year, h.slug AS hub_slug, h.name AS hub_name,
       f.created_at, f.waived_at, f.waiver_reason, f.paid_at, f.payment_reference, f.voided_at
  FROM fee_liabilities f
  JOIN schools sc ON sc.urn = f.school_urn
  JOIN enrolments e ON e.id = f.enrolment_id
  JOIN users u ON u.id = e.participant_id
  JOIN sessions s ON s.id = f.session_id
  JOIN work_groups w ON w.id = s.work_group_id
  JOIN hubs h ON h.id = w.hub_id
 WHERE ";

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<FeeRow>> {
    SqlBuilder::new(SELECT)
        .sql("f.id = ")
        .bind::<SqlUuid, _>(id)
        .get_result(conn)
        .await
        .optional()
}

#[derive(Debug, Default)]
pub struct FeeFilter {
    /// Fees arising in this hub's groups; `None`: every hub's.
    pub hub_id: Option<Uuid>,
    pub school: Option<Urn>,
    pub academic_year: Option<AcademicYear>,
    pub status: Option<FeeStatus>,
}

/// The sort key of the ledger: oldest first.
pub type FeeKey = (DateTime<Utc>, Uuid);

/// One page of the ledger after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &FeeFilter,
    after: Option<&FeeKey>,
    limit: i64,
) -> QueryResult<Vec<FeeRow>> {
    filtered(filter)
        .page_after("f.created_at, f.id", after, limit)
        .load(conn)
        .await
}

/// The whole ledger `filter` selects, oldest first: the CSV's.
pub async fn all(conn: &mut AsyncPgConnection, filter: &FeeFilter) -> QueryResult<Vec<FeeRow>> {
    filtered(filter)
        .sql(" ORDER BY f.created_at, f.id")
        .load(conn)
        .await
}

/// The ledger's entries `filter` selects.
fn filtered(filter: &FeeFilter) -> SqlBuilder {
    let mut query = SqlBuilder::new(SELECT).sql("true");
    if let Some(hub_id) = filter.hub_id {
        query = query.sql(" AND w.hub_id = ").bind::<SqlUuid, _>(hub_id);
    }
    if let Some(school) = &filter.school {
        query = query
            .sql(" AND f.school_urn = ")
            .bind::<Text, _>(school.as_str().to_owned());
    }
    if let Some(year) = &filter.academic_year {
        query = query
            .sql(" AND w.academic_year = ")
            .bind::<Text, _>(year.as_str().to_owned());
    }
    if let Some(status) = filter.status {
        query = query.sql(" AND f.status = ").bind::<Text, _>(status);
    }
    query
}

/// What a school's fees of one academic year come to, by where they stand, in pence.
#[derive(Debug, QueryableByName)]
pub struct YearTotals {
    #[diesel(sql_type = Text)]
    pub academic_year: String,
    #[diesel(sql_type = BigInt)]
    pub owed_pence: i64,
    #[diesel(sql_type = BigInt)]
    pub paid_pence: i64,
    #[diesel(sql_type = BigInt)]
    pub waived_pence: i64,
    /// Paid, then voided by a correction: what the hub owes the school back.
    #[diesel(sql_type = BigInt)]
    pub paid_then_voided_pence: i64,
}

/// The school's fees in every hub's groups, totalled by academic year, the latest first.
pub async fn school_totals(
    conn: &mut AsyncPgConnection,
    school: &Urn,
) -> QueryResult<Vec<YearTotals>> {
    diesel::sql_query(
        "SELECT w.academic_year,
                COALESCE(sum(f.amount_pence) FILTER (WHERE f.status = 'owed'), 0)::bigint AS owed_pence,
                COALESCE(sum(f.amount_pence) FILTER (WHERE f.status = 'paid'), 0)::bigint AS paid_pence,
                COALESCE(sum(f.amount_pence) FILTER (WHERE f.status = 'waived'), 0)::bigint AS waived_pence,
                COALESCE(sum(f.amount_pence) FILTER (WHERE f.status = 'voided' AND f.paid_at IS NOT NULL), 0)::bigint
                    AS paid_then_voided_pence
           FROM fee_liabilities f
           JOIN sessions s ON s.id = f.session_id
           JOIN work_groups w ON w.id = s.work_group_id
          WHERE f.school_urn = $1
          GROUP BY w.academic_year
          ORDER BY w.academic_year DESC",
    )
    .bind::<Text, _>(school.as_str())
    .load(conn)
    .await
}
