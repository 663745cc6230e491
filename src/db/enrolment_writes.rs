//! The enrolment engine: it carries out the moves the status machine decides
//! (`domain::enrolment`), and tells the participant of each (`domain::notice`, through the
//! outbox, in the move's own transaction). Every statement runs inside a transaction that holds the work
//! group's row lock (`work_group_writes::lock`), so places are counted, waiting-list positions
//! handed out and closed up one request at a time per group, whatever the number of server
//! processes: no check-then-insert race.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::audit;
use crate::db::enrolments::{EnrolmentRow, select_one};
use crate::db::fees::{self, NewFee};
use crate::db::outbox::{self, Recipients};
use crate::db::schema::{enrolments, projects, schools, sessions, users, work_groups};
use crate::db::sql::{SqlBuilder, reused};
use crate::db::work_group_writes::{LockedGroup, record_event};
use crate::domain::enrolment::{self, Outcome, Places, Waitlist};
use crate::domain::fees::FeePolicy;
use crate::domain::lifecycle;
use crate::domain::notice::{self, FeeCharged};
use crate::domain::{
    EnrolmentStatus, FeeReason, NoticeKind, RoleInSchool, SchoolPhase, SchoolStatus,
    WorkGroupStatus,
};

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

/// A new expression of interest, before the engine admits it. `None` is sent as NULL rather
/// than DEFAULT, so the statement keeps one text and is prepared once per connection.
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
    /// Who at the school agreed to release the participant, and when: all three or none.
    pub senior_leader_name: Option<String>,
    pub senior_leader_role: Option<String>,
    pub senior_leader_agreed_at: Option<DateTime<Utc>>,
}

/// A new enrolment where the engine admitted it.
#[derive(Debug, Insertable)]
#[diesel(table_name = enrolments, treat_none_as_default_value = false)]
struct Admitted {
    #[diesel(embed)]
    enrolment: NewEnrolment,
    status: EnrolmentStatus,
    waitlist_position: Option<i32>,
    accepted_at: Option<DateTime<Utc>>,
}

/// Enrols a new expression of interest where `admitted` puts it (`domain::enrolment::admit`):
/// on a place, counted; at the end of the waiting list; or pending. Reads it back as
/// `enrolments::find` does.
pub async fn enrol(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
    enrolment: NewEnrolment,
    admitted: &Outcome,
) -> QueryResult<EnrolmentRow> {
    let waitlist_position = position_joined(conn, group, admitted.waitlist).await?;
    let row = Admitted {
        enrolment,
        status: admitted.status,
        waitlist_position,
        accepted_at: (admitted.status == EnrolmentStatus::Accepted).then(Utc::now),
    };
    // The insert reads the enrolment back; the count is pipelined beside it, and if the
    // insert fails, the transaction rolls the count back.
    let conn = &*conn;
    let takes_place = admitted.places == Places::Take;
    let (inserted, counted) = tokio::join!(insert(conn, row), async {
        if takes_place {
            count_places(conn, group, group.facts.accepted_count + 1).await
        } else {
            Ok(())
        }
    });
    let inserted = inserted?;
    counted?;
    Ok(inserted)
}

/// Inserts the enrolment, tells the participant where it stands (and the group's leads, when
/// it awaits their review), and reads it back as `enrolments::find` does, in one statement:
/// the insert runs in a `WITH` clause named like the table, so the messages' and the view's
/// own SQL read the new row (a `WITH` query is not visible inside itself, so the insert still
/// writes the table).
async fn insert(mut conn: &AsyncPgConnection, enrolment: Admitted) -> QueryResult<EnrolmentRow> {
    let id = enrolment.enrolment.id;
    let status = enrolment.status;
    let insert = diesel::insert_into(enrolments::table)
        .values(enrolment)
        .returning(enrolments::all_columns);
    let mut with = SqlBuilder::new("WITH enrolments AS (").fragment(insert);
    if let Some(kind) = notice::telling(status) {
        let told = outbox::telling(kind, &Recipients::Participant(id), serde_json::json!({}));
        with = with.sql("), told AS (").fragment(told);
    }
    if notice::leads_review(status) {
        let to = Recipients::LeadsReviewing(id);
        let review = outbox::telling(NoticeKind::AwaitingReview, &to, serde_json::json!({}));
        with = with.sql("), awaiting_review AS (").fragment(review);
    }
    select_one(with.sql(") "), id).get_result(&mut conn).await
}

/// The position an enrolment joining the waiting list takes (after the last on it); `None`
/// for one that does not join it.
async fn position_joined(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
    waitlist: Waitlist,
) -> QueryResult<Option<i32>> {
    if waitlist != Waitlist::JoinAtEnd {
        return Ok(None);
    }
    let last: Option<i32> = enrolments::table
        .filter(enrolments::work_group_id.eq(group.id))
        .filter(enrolments::status.eq(EnrolmentStatus::Waitlisted))
        .select(diesel::dsl::max(enrolments::waitlist_position))
        .first(conn)
        .await?;
    Ok(Some(last.unwrap_or(0) + 1))
}

/// Records the group's new count of places taken: its status follows
/// (`lifecycle::places_taken`) and partners hear of it.
async fn count_places(
    conn: &AsyncPgConnection,
    group: &LockedGroup,
    accepted: i32,
) -> QueryResult<()> {
    let change = lifecycle::places_taken(&group.facts, accepted);
    let places_left = lifecycle::places_left(group.fields.capacity, accepted);
    let counted = set_places(conn, group.id, accepted, change.after);
    match change.event {
        Some(kind) => {
            let details = serde_json::json!({"status": change.after, "places_left": places_left});
            tokio::try_join!(counted, record_event(conn, group.id, kind, details)).map(drop)
        }
        None => counted.await,
    }
}

/// Sets the group's count of places taken and the status that follows from it.
async fn set_places(
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
    pub senior_leader_agreed_at: Option<DateTime<Utc>>,
}

/// Whether an enrolment in `group`, `agreed` or not, still awaits the senior leader's
/// agreement the group requires before confirming a place.
pub fn awaits_agreement(group: &LockedGroup, agreed: bool) -> bool {
    group.fields.requires_senior_leader_agreement && !agreed
}

/// Records who at the school agreed to release the participant, as of now, replacing any
/// agreement recorded before; call with the enrolment locked.
pub async fn record_senior_leader_agreement(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    name: &str,
    role: &str,
) -> QueryResult<()> {
    diesel::update(enrolments::table.find(id))
        .set((
            enrolments::senior_leader_name.eq(name),
            enrolments::senior_leader_role.eq(role),
            enrolments::senior_leader_agreed_at.eq(diesel::dsl::now),
            enrolments::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(drop)
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

/// Carries out a move the status machine allowed (`domain::enrolment::decide`) on a locked
/// enrolment of its locked group: the enrolment leaves the waiting list or joins its end and
/// moves, with the reason given and the staff member who decided (if the move was theirs); a
/// late withdrawal is charged; a place taken is counted, and a place given up passes to the
/// first waiting. The participant is told, with the reason given and any fee charged.
/// Answers the id of the enrolment promoted, if any.
pub async fn carry_out(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
    enrolment: &LockedEnrolment,
    outcome: &Outcome,
    reason: Option<&str>,
    decided_by: Option<uuid::Uuid>,
) -> QueryResult<Option<uuid::Uuid>> {
    move_enrolment(conn, group, enrolment, outcome, reason, decided_by).await?;
    let fee = if outcome.late_withdrawal {
        charge_late_withdrawal(conn, group, enrolment).await?
    } else {
        None
    };
    if let Some(kind) = notice::telling(outcome.status) {
        let facts = serde_json::json!({"reason": reason, "fee": fee});
        outbox::tell(conn, kind, &Recipients::Participant(enrolment.id), facts).await?;
    }
    match outcome.places {
        Places::Take => count_places(conn, group, group.facts.accepted_count + 1).await?,
        Places::GiveUp => return pass_on_place(conn, group).await,
        Places::Unchanged => {}
    }
    Ok(None)
}

/// Moves the enrolment as `outcome` says, on or off the waiting list.
async fn move_enrolment(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
    enrolment: &LockedEnrolment,
    outcome: &Outcome,
    status_reason: Option<&str>,
    decided_by: Option<uuid::Uuid>,
) -> QueryResult<()> {
    if let (Waitlist::Leave, Some(position)) = (outcome.waitlist, enrolment.waitlist_position) {
        close_up_waitlist(conn, group.id, position).await?;
    }
    let waitlist_position = position_joined(conn, group, outcome.waitlist).await?;
    let change = Move {
        status: outcome.status,
        waitlist_position,
        status_reason,
        decided_by,
    };
    apply(conn, enrolment.id, &change).await
}

/// Gives a place given up to the first on the waiting list (FIFO;
/// `domain::enrolment::promotion`), audited with no actor, or frees it when nobody waits;
/// the id of the enrolment promoted.
async fn pass_on_place(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
) -> QueryResult<Option<uuid::Uuid>> {
    let Some(next) = first_waitlisted(conn, group).await? else {
        count_places(conn, group, group.facts.accepted_count - 1).await?;
        return Ok(None);
    };
    move_enrolment(conn, group, &next, &enrolment::promotion(), None, None).await?;
    let to = Recipients::Participant(next.id);
    outbox::tell(conn, NoticeKind::Promoted, &to, serde_json::json!({})).await?;
    audit::record(
        conn,
        None,
        "enrolment.promoted",
        "enrolment",
        &next.id.to_string(),
        serde_json::json!({"before": "waitlisted", "after": "accepted", "position": next.waitlist_position}),
    )
    .await?;
    Ok(Some(next.id))
}

/// A withdrawal from a place too late for the next session (`FeePolicy::for_withdrawal`:
/// after its last London day of notice) leaves the school owing the project's fee for that
/// session; the fee charged, if any.
async fn charge_late_withdrawal(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
    enrolment: &LockedEnrolment,
) -> QueryResult<Option<FeeCharged>> {
    let now = Utc::now();
    let Some((session_id, starts_at)) = next_session(conn, group.id, now).await? else {
        return Ok(None);
    };
    let policy = FeePolicy {
        fee_pence: group.terms.non_attendance_fee_pence,
        notice_days: group.terms.cancellation_notice_days,
    };
    let Some(amount_pence) = policy.for_withdrawal(now, Some(starts_at)) else {
        return Ok(None);
    };
    let fee = NewFee {
        enrolment_id: enrolment.id,
        session_id,
        school_urn: enrolment.school_urn.clone(),
        reason: FeeReason::LateWithdrawal,
        amount_pence,
    };
    fees::charge(conn, &fee, starts_at).await?;
    Ok(Some(FeeCharged {
        amount_pence,
        reason: FeeReason::LateWithdrawal,
        session_starts_at: starts_at,
    }))
}

/// A move of an enrolment to another status.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = enrolments, treat_none_as_null = true)]
struct Move<'a> {
    status: EnrolmentStatus,
    /// Set when waitlisted, cleared otherwise.
    waitlist_position: Option<i32>,
    status_reason: Option<&'a str>,
    /// The staff member who decided, if the move was theirs.
    decided_by: Option<uuid::Uuid>,
}

/// Moves the enrolment; its first acceptance and its withdrawal are timestamped.
async fn apply(conn: &mut AsyncPgConnection, id: uuid::Uuid, change: &Move<'_>) -> QueryResult<()> {
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
async fn first_waitlisted(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
) -> QueryResult<Option<LockedEnrolment>> {
    use diesel::sql_types::Bool;
    // Those still awaiting the agreement the group requires keep their position, passed over.
    let agreement_not_required =
        (!group.fields.requires_senior_leader_agreement).into_sql::<Bool>();
    enrolments::table
        .filter(enrolments::work_group_id.eq(group.id))
        .filter(enrolments::status.eq(EnrolmentStatus::Waitlisted))
        .filter(agreement_not_required.or(enrolments::senior_leader_agreed_at.is_not_null()))
        .order(enrolments::waitlist_position)
        .select(LockedEnrolment::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Closes up the waiting list behind a position that was left (positions stay 1..n).
async fn close_up_waitlist(
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
async fn next_session(
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
