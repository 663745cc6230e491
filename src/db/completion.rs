//! Completing a work group's enrolments. Once a group is completed, each participant holding
//! a place whose attendance meets the project's participation rule has completed it: that
//! is what the eligibility rule "completed an earlier project" reads. It runs in the
//! transaction that completes the group, and again whenever attendance of a completed group
//! is corrected, so the statuses always follow the register (both ways).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, SmallInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::audit;
use crate::db::schema::enrolments;
use crate::db::sql::SqlBuilder;
use crate::domain::EnrolmentStatus;
use crate::domain::participation::ParticipationRule;

#[derive(QueryableByName)]
struct Standing {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    status: EnrolmentStatus,
    #[diesel(sql_type = BigInt)]
    present: i64,
    #[diesel(sql_type = Integer)]
    sessions: i32,
    #[diesel(sql_type = Nullable<SmallInt>)]
    min_percent: Option<i16>,
}

/// Marks `completed` the enrolments of the group holding a place whose attendance meets the
/// rule, and back to `accepted` those a correction took below it; each change audited (by
/// `actor`, `None` for the status clock). Answers how many changed. Call it with the group
/// locked and its status `completed`.
pub async fn settle(
    conn: &mut AsyncPgConnection,
    work_group_id: Uuid,
    actor: Option<Uuid>,
) -> QueryResult<usize> {
    let standings: Vec<Standing> = SqlBuilder::new(
        "SELECT e.id, e.status, count(a.session_id) AS present, w.session_count AS sessions,
                p.participation_min_percent AS min_percent
           FROM enrolments e
           JOIN work_groups w ON w.id = e.work_group_id
           JOIN projects p ON p.id = w.project_id
           LEFT JOIN attendance a ON a.enrolment_id = e.id AND a.status = 'present'
          WHERE e.status IN ('accepted', 'completed') AND e.work_group_id = ",
    )
    .bind::<SqlUuid, _>(work_group_id)
    .sql(" GROUP BY e.id, w.id, p.id ORDER BY e.id")
    .load(conn)
    .await?;
    let mut changed = 0;
    for standing in standings {
        let rule = ParticipationRule {
            min_percent: standing.min_percent,
        };
        let status = if rule.is_met(standing.present, i64::from(standing.sessions)) {
            EnrolmentStatus::Completed
        } else {
            EnrolmentStatus::Accepted
        };
        if status == standing.status {
            continue;
        }
        diesel::update(enrolments::table.find(standing.id))
            .set((
                enrolments::status.eq(status),
                enrolments::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        audit::record(
            conn,
            actor,
            "enrolment.status_changed",
            "enrolment",
            &standing.id.to_string(),
            serde_json::json!({
                "before": standing.status, "after": status, "reason": "completion",
                "present_at": standing.present, "sessions": standing.sessions,
                "participation_min_percent": standing.min_percent,
            }),
        )
        .await?;
        changed += 1;
    }
    Ok(changed)
}
