//! `/audit`: who changed what and when, for national admins.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Action, Caller, authorize};
use crate::db::DbPool;
use crate::db::audit::{self as queries, AuditFilter, AuditRow};
use crate::domain::{LondonTime, ParseError};
use crate::error::ApiError;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, Page};

const TAG: &str = "Audit";

/// The account that made a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Actor {
    pub id: uuid::Uuid,
    #[schema(example = "Demo Hub Manager (LCW)")]
    pub name: String,
}

/// One change: who, when, what, and the details (before and after where it applies).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    pub occurred_at: LondonTime,
    /// `null` when the account was since deleted.
    pub actor: Option<Actor>,
    #[schema(example = "work_group.updated")]
    pub action: String,
    #[schema(example = "work_group")]
    pub object_type: String,
    pub object_id: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<AuditRow> for AuditRecord {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            occurred_at: LondonTime(row.occurred_at),
            actor: row
                .actor_id
                .zip(row.actor_name)
                .map(|(id, name)| Actor { id, name }),
            action: row.action,
            object_type: row.object_type,
            object_id: row.object_id,
            details: row.details,
        }
    }
}

/// Filters of `GET /audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The kind of object changed: `user`, `partner_client`, `project`, `llme_profile`,
    /// `work_group`, `session`, `local_authority` (by GSS code), `hub` and
    /// `teaching_school_hub` (by slug), `strategic_partner`.
    #[param(example = "work_group")]
    object_type: Option<String>,
    /// The id of the object changed (of a project: its code; of an LLME profile: its lead's).
    object_id: Option<String>,
    /// The id of the account that made the change.
    #[param(value_type = Option<uuid::Uuid>)]
    actor: Option<String>,
    /// The change, e.g. `work_group.status_changed`.
    action: Option<String>,
}

fn short_text(text: &str) -> Result<String, ParseError> {
    crate::http::parse::non_empty(text)
}

impl Filters for AuditFilter {
    type Raw = AuditQuery;

    fn parse(raw: AuditQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            object_type: errors.parse("object_type", raw.object_type, short_text),
            object_id: errors.parse("object_id", raw.object_id, short_text),
            actor: errors.parse("actor", raw.actor, crate::http::parse::uuid),
            action: errors.parse("action", raw.action, short_text),
        })
    }
}

/// The query string of the list below: its filters, page size and cursor.
type AuditList = ListQuery<AuditFilter, i64>;

/// List audit records
///
/// Every recorded change, newest first, for national admins: accounts, partner credentials,
/// work groups and sessions, each with who made it and what changed.
#[utoipa::path(
    tag = TAG,
    params(AuditList),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of audit records", body = Page<AuditRecord>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ProtectedListErrors,
    )
)]
#[get("/audit")]
pub async fn list_audit(
    caller: Caller,
    request: HttpRequest,
    query: Deferred<AuditList>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller, &Action::ReadAuditLog).map_err(|refusal| refusal.into_error("Audit"))?;
    let query = query.take()?;
    query
        .respond(
            &request,
            &pool,
            async |conn, filters, after, count| {
                queries::list(conn, filters, after.copied(), count).await
            },
            |record: &AuditRecord| record.id,
        )
        .await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(list_audit);
}
