//! Completing a work group's enrolments. Once a group is completed, each participant holding
//! a place whose attendance meets the project's participation rule has completed it
//! (`domain::enrolment::on_completion`): that is what the eligibility rule "completed an
//! earlier project" reads. It runs in the transaction that completes the group, and again
//! whenever attendance of a completed group is corrected, so the statuses always follow the
//! register (both ways).

use diesel::prelude::*;
use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::audit;
use crate::db::participation::{STANDING_COLUMNS, Standing};
use crate::db::schema::enrolments;
use crate::db::sql::SqlBuilder;
use crate::domain::{EnrolmentStatus, enrolment};

#[derive(QueryableByName)]
struct Settlement {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    status: EnrolmentStatus,
    #[diesel(embed)]
    standing: Standing,
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
    let settlements: Vec<Settlement> = SqlBuilder::new("SELECT e.id, e.status, ")
        .sql(STANDING_COLUMNS)
        .sql(
            " FROM enrolments e
           JOIN work_groups w ON w.id = e.work_group_id
           JOIN projects p ON p.id = w.project_id
          WHERE e.status IN ('accepted', 'completed') AND e.work_group_id = ",
        )
        .bind::<SqlUuid, _>(work_group_id)
        .sql(" ORDER BY e.id")
        .load(conn)
        .await?;
    let mut changed = 0;
    for Settlement {
        id,
        status: before,
        standing,
    } in settlements
    {
        let status = enrolment::on_completion(standing.participates());
        if status == before {
            continue;
        }
        diesel::update(enrolments::table.find(id))
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
            &id.to_string(),
            serde_json::json!({
                "before": before, "after": status, "reason": "completion",
                "present_at": standing.present, "sessions": standing.sessions,
                "participation_min_percent": standing.min_percent,
            }),
        )
        .await?;
        changed += 1;
    }
    Ok(changed)
}
