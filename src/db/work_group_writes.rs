//! Changing work groups: creating drafts, editing them, moving their status, and the change
//! feed partner sites follow. The rules live in `domain::lifecycle`; this only reads the
//! facts they need and writes what they decide, under a row lock.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::audit;
use crate::db::outbox::{self, Recipients};
use crate::db::schema::{projects, users, work_group_events, work_group_leads, work_groups};
use crate::db::sql::{for_no_key_update_of, reused};
use crate::domain::eligibility::Eligibility;
use crate::domain::lifecycle::{self, GroupFacts, StatusChange};
use crate::domain::{
    Admission, DeliveryMode, LeadRole, NoticeKind, ProgrammePhase, Role, RoleInSchool, SchoolPhase,
    WorkGroupStatus,
};

/// The project a new group delivers: its id, academic year and phases.
pub async fn project(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> QueryResult<Option<(uuid::Uuid, String, Vec<ProgrammePhase>)>> {
    projects::table
        .filter(projects::code.eq(code))
        .select((projects::id, projects::academic_year, projects::phases))
        .first(conn)
        .await
        .optional()
}

/// Which of `ids` are enabled lead accounts of the hub.
pub async fn leads_of_hub(
    conn: &mut AsyncPgConnection,
    hub_id: uuid::Uuid,
    ids: &[uuid::Uuid],
) -> QueryResult<Vec<uuid::Uuid>> {
    users::table
        .filter(users::id.eq_any(ids))
        .filter(users::role.eq(Role::Lead))
        .filter(users::hub_id.eq(hub_id))
        .filter(users::disabled_at.is_null())
        .select(users::id)
        .load(conn)
        .await
}

/// Every field of a group a write may set.
#[derive(Debug, Clone, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = work_groups, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct WorkGroupFields {
    pub title: String,
    pub phase: ProgrammePhase,
    pub mode: DeliveryMode,
    pub capacity: Option<i32>,
    pub admission: Admission,
    /// Places are confirmed only with the school's senior leader's agreement recorded.
    pub requires_senior_leader_agreement: bool,
    pub eoi_deadline: Option<DateTime<Utc>>,
    pub venue_name: Option<String>,
    pub venue_address: Option<String>,
    pub venue_postcode: Option<String>,
    pub description: String,
}

impl WorkGroupFields {
    /// The fields as the audit trail keeps them, before and after an edit.
    fn audited(&self) -> serde_json::Value {
        serde_json::json!({
            "title": self.title, "phase": self.phase, "mode": self.mode,
            "capacity": self.capacity, "admission": self.admission,
            "requires_senior_leader_agreement": self.requires_senior_leader_agreement,
            "eoi_deadline": self.eoi_deadline, "venue_name": self.venue_name,
            "venue_address": self.venue_address, "venue_postcode": self.venue_postcode,
            "description": self.description,
        })
    }
}

/// A new draft group with its leads.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    hub_id: uuid::Uuid,
    project: (uuid::Uuid, &str),
    code: &str,
    fields: &WorkGroupFields,
    leads: &[(uuid::Uuid, LeadRole)],
) -> QueryResult<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    diesel::insert_into(work_groups::table)
        .values((
            work_groups::id.eq(id),
            work_groups::hub_id.eq(hub_id),
            work_groups::project_id.eq(project.0),
            work_groups::academic_year.eq(project.1),
            work_groups::code.eq(code),
            fields,
        ))
        .execute(conn)
        .await?;
    replace_leads(conn, id, leads).await?;
    Ok(id)
}

async fn replace_leads(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    leads: &[(uuid::Uuid, LeadRole)],
) -> QueryResult<()> {
    diesel::delete(work_group_leads::table.filter(work_group_leads::work_group_id.eq(id)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = leads
        .iter()
        .map(|(user_id, role)| {
            (
                work_group_leads::work_group_id.eq(id),
                work_group_leads::user_id.eq(*user_id),
                work_group_leads::role.eq(*role),
            )
        })
        .collect();
    diesel::insert_into(work_group_leads::table)
        .values(rows)
        .execute(conn)
        .await
        .map(drop)
}

/// A group as a write sees it, locked until the transaction ends.
#[derive(Debug, Clone)]
pub struct LockedGroup {
    pub id: uuid::Uuid,
    pub hub_id: uuid::Uuid,
    pub academic_year: String,
    pub project_phases: Vec<ProgrammePhase>,
    /// How many London days one session may span, as the project allows.
    pub session_days: i16,
    pub terms: ProjectTerms,
    pub fields: WorkGroupFields,
    pub facts: GroupFacts,
    /// Public from its first opening on (`domain::lifecycle::is_public`).
    pub is_public: bool,
}

/// What the project of a group asks of those who enrol, and charges them.
#[derive(Debug, Clone)]
pub struct ProjectTerms {
    pub eligibility: Eligibility,
    pub non_attendance_fee_pence: i32,
    pub cancellation_notice_days: i32,
}

/// Locks the group's row and reads it with its project's terms, in one statement (every
/// write to a group and its enrolments starts here, so one round trip matters). Takes the
/// connection shared, so reads that need no lock can be pipelined beside it.
pub async fn lock(
    mut conn: &AsyncPgConnection,
    id: uuid::Uuid,
) -> QueryResult<Option<LockedGroup>> {
    type Row = (
        (uuid::Uuid, String),
        (Vec<ProgrammePhase>, i16),
        WorkGroupFields,
        (WorkGroupStatus, bool, i32, i64, i32, Option<DateTime<Utc>>),
        (
            Vec<RoleInSchool>,
            Vec<RoleInSchool>,
            Vec<SchoolPhase>,
            Option<String>,
            i32,
            i32,
        ),
    );
    let required = diesel::alias!(projects as required);
    // A disabled account leads nothing: it is not counted.
    let lead_count = work_group_leads::table
        .inner_join(users::table)
        .filter(work_group_leads::work_group_id.eq(work_groups::id))
        .filter(users::disabled_at.is_null())
        .count()
        .single_value()
        .assume_not_null();
    let query = work_groups::table
        .inner_join(projects::table)
        .left_join(
            required
                .on(projects::requires_completed_id.eq(required.field(projects::id).nullable())),
        )
        .filter(work_groups::id.eq(id))
        .select((
            (work_groups::hub_id, work_groups::academic_year),
            (projects::phases, projects::session_days),
            WorkGroupFields::as_select(),
            (
                work_groups::status,
                work_groups::abandoned,
                work_groups::session_count,
                lead_count,
                work_groups::accepted_count,
                work_groups::first_session_at,
            ),
            (
                projects::roles_allowed,
                projects::roles_excluded,
                projects::school_phases,
                required.field(projects::code).nullable(),
                projects::non_attendance_fee_pence,
                projects::cancellation_notice_days,
            ),
        ));
    let row: Option<Row> = for_no_key_update_of(query, "work_groups")
        .get_result(&mut conn)
        .await
        .optional()?;
    Ok(row.map(
        |((hub_id, academic_year), (project_phases, session_days), fields, facts, terms)| {
            let (status, abandoned, session_count, lead_count, accepted_count, first_session_at) =
                facts;
            let (roles_allowed, roles_excluded, school_phases, requires_completed, fee, notice) =
                terms;
            LockedGroup {
                id,
                hub_id,
                academic_year,
                project_phases,
                session_days,
                terms: ProjectTerms {
                    eligibility: Eligibility {
                        roles_allowed,
                        roles_excluded,
                        school_phases,
                        requires_completed,
                    },
                    non_attendance_fee_pence: fee,
                    cancellation_notice_days: notice,
                },
                is_public: lifecycle::is_public(status, abandoned),
                facts: GroupFacts {
                    status,
                    abandoned,
                    session_count,
                    lead_count: i32::try_from(lead_count).unwrap_or(i32::MAX),
                    capacity: fields.capacity,
                    accepted_count,
                    eoi_deadline: fields.eoi_deadline,
                    first_session_at,
                },
                fields,
            }
        },
    ))
}

/// Writes an edit of the group: its fields, the status its places leave it in
/// (`lifecycle::edited`) and its leads when they are replaced; audited by `actor`, and added
/// to the change feed when partners hear of it.
pub async fn edit(
    conn: &mut AsyncPgConnection,
    group: &LockedGroup,
    fields: &WorkGroupFields,
    leads: Option<&[(uuid::Uuid, LeadRole)]>,
    change: &StatusChange,
    actor: uuid::Uuid,
) -> QueryResult<()> {
    diesel::update(work_groups::table.find(group.id))
        .set((
            fields,
            work_groups::status.eq(change.after),
            work_groups::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    if let Some(leads) = leads {
        replace_leads(conn, group.id, leads).await?;
    }
    audit::record(
        conn,
        Some(actor),
        "work_group.updated",
        "work_group",
        &group.id.to_string(),
        serde_json::json!({
            "before": group.fields.audited(),
            "after": fields.audited(),
            "leads_replaced": leads.is_some(),
        }),
    )
    .await?;
    if let Some(kind) = change.event {
        record_event(
            conn,
            group.id,
            kind,
            serde_json::json!({"status": change.after}),
        )
        .await?;
    }
    Ok(())
}

/// Moves the group's status by hand as `change` says (`lifecycle::by_hand`), with the reason
/// given for a cancellation; audited by `actor`, and added to the change feed when partners
/// hear of it (never of an abandoned draft). Everyone still enrolled hears of a cancellation.
pub async fn change_status(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    change: &StatusChange,
    reason: Option<&str>,
    actor: uuid::Uuid,
) -> QueryResult<()> {
    if change.abandons {
        abandon(conn, id, reason).await?;
    } else {
        set_status(conn, id, change.after, reason).await?;
    }
    audit::record(
        conn,
        Some(actor),
        "work_group.status_changed",
        "work_group",
        &id.to_string(),
        serde_json::json!({"before": change.before, "after": change.after, "reason": reason}),
    )
    .await?;
    if let Some(kind) = change.event {
        let details = serde_json::json!({"status": change.after, "reason": reason});
        record_event(conn, id, kind, details).await?;
    }
    if change.after == WorkGroupStatus::Cancelled {
        let to = Recipients::still_enrolled(id);
        let facts = serde_json::json!({"reason": reason});
        outbox::tell(conn, NoticeKind::WorkGroupCancelled, &to, facts).await?;
    }
    Ok(())
}

/// Cancels a draft that never opened: it stays private (`domain::lifecycle::StatusChange`).
async fn abandon(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    cancellation_reason: Option<&str>,
) -> QueryResult<()> {
    diesel::update(work_groups::table.find(id))
        .set((
            work_groups::status.eq(WorkGroupStatus::Cancelled),
            work_groups::abandoned.eq(true),
            work_groups::cancellation_reason.eq(cancellation_reason),
            work_groups::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    status: WorkGroupStatus,
    cancellation_reason: Option<&str>,
) -> QueryResult<()> {
    reused(diesel::update(work_groups::table.find(id)).set((
        work_groups::status.eq(status),
        work_groups::cancellation_reason.eq(cancellation_reason),
        work_groups::updated_at.eq(diesel::dsl::now),
    )))
    .execute(conn)
    .await
    .map(drop)
}

/// Adds to the change feed partner sites follow (`kind` as the table allows). Call it with the
/// group's lock held (`lock`): the feed tells a group's changes in the order of their events'
/// ids, which is their order only when each is taken under that lock (see `db::change_feed`).
pub async fn record_event(
    mut conn: &AsyncPgConnection,
    id: uuid::Uuid,
    kind: &str,
    details: serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(work_group_events::table)
        .values((
            work_group_events::work_group_id.eq(id),
            work_group_events::kind.eq(kind),
            work_group_events::details.eq(details),
        ))
        .execute(&mut conn)
        .await
        .map(drop)
}
