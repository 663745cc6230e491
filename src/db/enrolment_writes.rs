//! The enrolment engine's statements. Every one runs inside a transaction that holds the work
//! group's row lock (`work_group_writes::lock`), so places are counted, waiting-list positions
//! handed out and closed up one request at a time per group, whatever the number of server
//! processes: no check-then-insert race.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::enrolments::{EnrolmentRow, select_one};
use crate::db::schema::{enrolments, projects, schools, sessions, users, work_groups};
use crate::db::sql::{SqlBuilder, reused};
use crate::domain::{EnrolmentStatus, RoleInSchool, SchoolPhase, SchoolStatus, WorkGroupStatus};

/// The school a participant's account holds (its URN, GIAS phase and status) and their role
/// in it; either may be missing. Needs no lock: the engine reads it beside the group's.
#[derive(Debug, Default, Queryable)]
pub struct AccountSchool {
    pub school: Option<(String, SchoolPhase, SchoolStatus)>,
    pub role_in_school: Option<RoleInSchool>,
}

pub async fn account_school(
    mut conn: &AsyncPgConnection,
    participant_id: uuid::Uuid,
) -> QueryResult<AccountSchool> {
    let account = users::table
        .left_join(schools::table.on(users::school_urn.eq(schools::urn.nullable())))
        .filter(users::id.eq(participant_id))
        .select((
            (schools::urn, schools::phase, schools::status).nullable(),
            users::role_in_school,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    Ok(account.unwrap_or_default())
}

/// Whether a participant of the school completed a work group of the project `code`.
pub async fn school_completed(
    conn: &mut AsyncPgConnection,
    urn: &str,
    code: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        enrolments::table
            .inner_join(work_groups::table.inner_join(projects::table))
            .filter(enrolments::school_urn.eq(urn))
            .filter(enrolments::status.eq(EnrolmentStatus::Completed))
            .filter(projects::code.eq(code)),
    ))
    .get_result(conn)
    .await
}

/// A new enrolment, as the engine admitted it. `None` is sent as NULL rather than DEFAULT,
/// so the statement keeps one text and is prepared once per connection.
#[derive(Debug, Insertable)]
#[diesel(table_name = enrolments, treat_none_as_default_value = false)]
pub struct NewEnrolment {
    pub id: uuid::Uuid,
    pub work_group_id: uuid::Uuid,
    pub participant_id: uuid::Uuid,
    pub school_urn: String,
    pub role_in_school: RoleInSchool,
    pub statement: String,
    pub referred_by_id: Option<uuid::Uuid>,
    pub status: EnrolmentStatus,
    pub waitlist_position: Option<i32>,
    pub accepted_at: Option<DateTime<Utc>>,
}

/// Inserts the enrolment and reads it back as `enrolments::find` does, in one statement: the
/// insert runs in a `WITH` clause named like the table, so the view's own SQL reads the new
/// row (a `WITH` query is not visible inside itself, so the insert still writes the table).
pub async fn insert(
    mut conn: &AsyncPgConnection,
    enrolment: NewEnrolment,
) -> QueryResult<EnrolmentRow> {
    let id = enrolment.id;
    let insert = diesel::insert_into(enrolments::table)
        .values(enrolment)
        .returning(enrolments::all_columns);
    let with = SqlBuilder::new("WITH enrolments AS (")
        .fragment(insert)
        .sql(") ");
    select_one(with, id).get_result(&mut conn).await
}

/// The position after the last on the group's waiting list.
pub async fn next_waitlist_position(
    conn: &mut AsyncPgConnection,
    group_id: uuid::Uuid,
) -> QueryResult<i32> {
    let last: Option<i32> = enrolments::table
        .filter(enrolments::work_group_id.eq(group_id))
        .filter(enrolments::status.eq(EnrolmentStatus::Waitlisted))
        .select(diesel::dsl::max(enrolments::waitlist_position))
        .first(conn)
        .await?;
    Ok(last.unwrap_or(0) + 1)
}

/// Sets the group's count of places taken and the status that follows from it.
pub async fn set_places(
    mut conn: &AsyncPgConnection,
    group_id: uuid::Uuid,
    accepted: i32,
    status: WorkGroupStatus,
) -> QueryResult<()> {
    reused(diesel::update(work_groups::table.find(group_id)).set((
        work_groups::accepted_count.eq(accepted),
        work_groups::status.eq(status),
        work_groups::updated_at.eq(diesel::dsl::now),
    )))
    .execute(&mut conn)
    .await
    .map(drop)
}

/// An enrolment as the engine moves it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enrolments, check_for_backend(diesel::pg::Pg))]
pub struct LockedEnrolment {
    pub id: uuid::Uuid,
    pub work_group_id: uuid::Uuid,
    pub participant_id: uuid::Uuid,
    pub school_urn: String,
    pub status: EnrolmentStatus,
    pub waitlist_position: Option<i32>,
}

/// The group an enrolment belongs to (which never changes), to lock it first.
pub async fn group_of(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<(uuid::Uuid, uuid::Uuid)>> {
    enrolments::table
        .find(id)
        .select((enrolments::work_group_id, enrolments::participant_id))
        .first(conn)
        .await
        .optional()
}

/// The enrolment, locked; call with its group's lock held.
pub async fn lock(conn: &mut AsyncPgConnection, id: uuid::Uuid) -> QueryResult<LockedEnrolment> {
    enrolments::table
        .find(id)
        .select(LockedEnrolment::as_select())
        .for_update()
        .first(conn)
        .await
}

/// A move of an enrolment to another status.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = enrolments, treat_none_as_null = true)]
pub struct Move<'a> {
    pub status: EnrolmentStatus,
    /// Set when waitlisted, cleared otherwise.
    pub waitlist_position: Option<i32>,
    pub status_reason: Option<&'a str>,
    /// The staff member who decided, if the move was theirs.
    pub decided_by: Option<uuid::Uuid>,
}

/// Moves the enrolment; its first acceptance and its withdrawal are timestamped.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    change: &Move<'_>,
) -> QueryResult<()> {
    reused(
        diesel::update(enrolments::table.find(id))
            .set((change, enrolments::updated_at.eq(diesel::dsl::now))),
    )
    .execute(conn)
    .await?;
    let stamp = enrolments::table.find(id);
    match change.status {
        EnrolmentStatus::Accepted => {
            reused(
                diesel::update(stamp.filter(enrolments::accepted_at.is_null()))
                    .set(enrolments::accepted_at.eq(diesel::dsl::now)),
            )
            .execute(conn)
            .await?;
        }
        EnrolmentStatus::Withdrawn => {
            reused(diesel::update(stamp).set(enrolments::withdrawn_at.eq(diesel::dsl::now)))
                .execute(conn)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// The first on the group's waiting list, if anyone waits.
pub async fn first_waitlisted(
    conn: &mut AsyncPgConnection,
    group_id: uuid::Uuid,
) -> QueryResult<Option<LockedEnrolment>> {
    enrolments::table
        .filter(enrolments::work_group_id.eq(group_id))
        .filter(enrolments::status.eq(EnrolmentStatus::Waitlisted))
        .order(enrolments::waitlist_position)
        .select(LockedEnrolment::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Closes up the waiting list behind a position that was left (positions stay 1..n).
pub async fn close_up_waitlist(
    conn: &mut AsyncPgConnection,
    group_id: uuid::Uuid,
    left: i32,
) -> QueryResult<()> {
    reused(
        diesel::update(
            enrolments::table
                .filter(enrolments::work_group_id.eq(group_id))
                .filter(enrolments::status.eq(EnrolmentStatus::Waitlisted))
                .filter(enrolments::waitlist_position.gt(left)),
        )
        .set(enrolments::waitlist_position.eq(enrolments::waitlist_position - 1)),
    )
    .execute(conn)
    .await
    .map(drop)
}

/// The group's next session to take place after `now` (a cancelled one is no session to
/// miss): its id and start.
pub async fn next_session(
    conn: &mut AsyncPgConnection,
    group_id: uuid::Uuid,
    now: DateTime<Utc>,
) -> QueryResult<Option<(uuid::Uuid, DateTime<Utc>)>> {
    sessions::table
        .filter(sessions::work_group_id.eq(group_id))
        .filter(sessions::cancelled_at.is_null())
        .filter(sessions::starts_at.gt(now))
        .order(sessions::starts_at)
        .select((sessions::id, sessions::starts_at))
        .first(conn)
        .await
        .optional()
}
