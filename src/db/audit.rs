//! The audit trail: who changed what, written in the same transaction as the change.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::audit_log;

/// Records that `actor` did `action` (e.g. `user.created`) to an object.
pub async fn record(
    conn: &mut AsyncPgConnection,
    actor: Option<uuid::Uuid>,
    action: &str,
    object_type: &str,
    object_id: &str,
    details: serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(actor),
            audit_log::action.eq(action),
            audit_log::object_type.eq(object_type),
            audit_log::object_id.eq(object_id),
            audit_log::details.eq(details),
        ))
        .execute(conn)
        .await
        .map(drop)
}
