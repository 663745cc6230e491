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

#[derive(Debug, diesel::QueryableByName)]
pub struct AuditRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub actor_id: Option<uuid::Uuid>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub actor_name: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub action: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub object_type: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub object_id: String,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub details: serde_json::Value,
}

#[derive(Debug, Default)]
pub struct AuditFilter {
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub actor: Option<uuid::Uuid>,
    pub action: Option<String>,
}

/// One page, newest first, of records older than `before`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    use diesel::sql_types::{BigInt, Text, Uuid};
    let mut query = crate::db::sql::SqlBuilder::new(
        "SELECT a.id, a.occurred_at, a.actor_id, u.name AS actor_name, a.action, a.object_type, \
                a.object_id, a.details \
           FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id WHERE true",
    );
    if let Some(object_type) = &filter.object_type {
        query = query
            .sql(" AND a.object_type = ")
            .bind::<Text, _>(object_type.clone());
    }
    if let Some(object_id) = &filter.object_id {
        query = query
            .sql(" AND a.object_id = ")
            .bind::<Text, _>(object_id.clone());
    }
    if let Some(actor) = filter.actor {
        query = query.sql(" AND a.actor_id = ").bind::<Uuid, _>(actor);
    }
    if let Some(action) = &filter.action {
        query = query
            .sql(" AND a.action = ")
            .bind::<Text, _>(action.clone());
    }
    if let Some(before) = before {
        query = query.sql(" AND a.id < ").bind::<BigInt, _>(before);
    }
    query
        .sql(" ORDER BY a.id DESC LIMIT ")
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await
}
