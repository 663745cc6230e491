//! `/messages`: the messages the service sent or owes people, and how each delivery went, for
//! national admins, who may put a dead one back in line; and `/me/preferences`, where a person
//! turns reminders before sessions off or on (the one kind of message they may refuse).

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{Action, Caller, CallerKind, authorize};
use crate::db::outbox::{self as queries, MessageFilter, MessageRow};
use crate::db::{DbPool, audit, users};
use crate::domain::{LondonTime, MessageStatus, NoticeKind};
use crate::error::ApiError;
use crate::http::extract::deferred::Deferred;
use crate::http::extract::paging::{FieldErrors, Filters, ListQuery, NoQueryParameters, Page};
use crate::http::parse::{parse_path, uuid};
use crate::http::read::found;
use crate::http::write::{Answer, Write};

const TAG: &str = "Messages";

/// A message to one person: what it tells and how its delivery went. Its text is not shown:
/// it holds the recipient's personal data.
#[derive(Debug, Serialize, ToSchema)]
pub struct Message {
    pub id: Uuid,
    pub kind: NoticeKind,
    /// The account it goes to.
    pub recipient_id: Uuid,
    pub status: MessageStatus,
    /// Attempts made so far.
    #[schema(example = 1)]
    pub attempts: i32,
    /// When it is next tried, while `pending`.
    pub next_attempt_at: Option<LondonTime>,
    /// Why the last attempt failed, or why it was suppressed.
    #[schema(example = "SMTP: Connection refused (os error 111)")]
    pub last_error: Option<String>,
    pub created_at: LondonTime,
    /// When it was delivered, suppressed or given up.
    pub finished_at: Option<LondonTime>,
}

impl From<MessageRow> for Message {
    fn from(row: MessageRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            recipient_id: row.recipient_id,
            status: row.status,
            attempts: row.attempts,
            next_attempt_at: (row.status == MessageStatus::Pending)
                .then_some(LondonTime(row.next_attempt_at)),
            last_error: row.last_error,
            created_at: LondonTime(row.created_at),
            finished_at: row.finished_at.map(LondonTime),
        }
    }
}

/// Filters of `GET /messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MessageQuery {
    /// Only messages in this state: `dead` lists those an admin may retry.
    #[param(value_type = Option<MessageStatus>)]
    status: Option<String>,
    /// Only messages to this account.
    #[param(value_type = Option<uuid::Uuid>)]
    recipient: Option<String>,
}

impl Filters for MessageFilter {
    type Raw = MessageQuery;

    fn parse(raw: MessageQuery, errors: &mut FieldErrors) -> Option<Self> {
        Some(Self {
            status: errors.parse("status", raw.status, MessageStatus::parse),
            recipient: errors.parse("recipient", raw.recipient, uuid),
        })
    }
}

type MessageList = ListQuery<MessageFilter, (chrono::DateTime<chrono::Utc>, Uuid)>;

fn may_manage(caller: &Caller) -> Result<(), ApiError> {
    authorize(caller, &Action::ManageMessages).map_err(|refusal| refusal.into_error("Message"))
}

/// List messages
///
/// The messages the service sent or owes people, newest first, with how each delivery went,
/// for national admins: filter by `status` (`dead` for those every attempt failed) or
/// `recipient`.
#[utoipa::path(
    tag = TAG,
    params(MessageList),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of messages", body = Page<Message>,
         headers(("Link" = String, description = "`<…>; rel=\"next\"` when a next page exists"), ("ETag" = String))),
        crate::http::problems::ProtectedListErrors,
    )
)]
#[get("/messages")]
pub async fn list_messages(
    caller: Caller,
    request: HttpRequest,
    query: Deferred<MessageList>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    may_manage(&caller)?;
    let query = query.take()?;
    query
        .respond(
            &request,
            &pool,
            async |conn, filters, after, count| queries::list(conn, filters, after, count).await,
            |message: &Message| (message.created_at.0, message.id),
        )
        .await
}

/// Get a message
///
/// One message and how its delivery went, for national admins.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The message's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The message", body = Message, headers(("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/messages/{id}")]
pub async fn get_message(
    caller: Caller,
    path: web::Path<String>,
    query: Deferred<NoQueryParameters>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Message>, ApiError> {
    may_manage(&caller)?;
    query.take()?;
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    found(&mut conn, "Message", &id, async |conn, id| {
        queries::find(conn, *id).await
    })
    .await
    .map(web::Json)
}

/// Retry a dead message
///
/// Puts a message whose every attempt failed back in line, to be delivered at once with its
/// attempts counted afresh, for national admins (fix what made it fail first: the mail
/// server's settings, say). Audited. A message that is not `dead` answers 409.
#[utoipa::path(
    tag = TAG,
    params(("id" = uuid::Uuid, Path, description = "The message's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The message, pending again", body = Message),
        crate::http::problems::ProtectedActionErrors,
    )
)]
#[post("/messages/{id}/retry")]
pub async fn retry_message(
    caller: Caller,
    path: web::Path<String>,
    write: Write,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_path("id", &path, uuid)?;
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| may_manage(&caller),
            async |conn, (), _| {
                let Some(retried) = queries::retry(conn, id).await? else {
                    let message: Message = found(conn, "Message", &id, async |conn, id| {
                        queries::find(conn, *id).await
                    })
                    .await?;
                    return Err(ApiError::Conflict(format!(
                        "Message {id} is {}: only a dead message is retried.",
                        message.status
                    )));
                };
                let object = id.to_string();
                let details = serde_json::json!({});
                audit::record(
                    conn,
                    Some(caller.id),
                    "message.retried",
                    "message",
                    &object,
                    details,
                )
                .await?;
                Answer::ok(&Message::from(retried))
            },
        )
        .await
}

/// What a person chooses to be told.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Whether they are reminded by email before each session of a group they hold a place
    /// in. Messages about their place and their school's fees always go.
    #[schema(example = true)]
    pub session_reminders: bool,
}

/// A change of preferences: the fields sent change, the others stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"session_reminders": false}))]
pub struct PreferenceChanges {
    pub session_reminders: Option<bool>,
}

/// Refuses (403) partner credentials, which receive no messages.
fn has_own_account(caller: &Caller) -> Result<(), ApiError> {
    match caller.kind {
        CallerKind::User => Ok(()),
        CallerKind::PartnerClient => Err(ApiError::Forbidden(
            "Partner credentials receive no messages and have no preferences.".into(),
        )),
    }
}

/// Get my preferences
///
/// What the caller chooses to be told: whether they are reminded before sessions.
#[utoipa::path(
    tag = "Account",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's preferences", body = Preferences, headers(("ETag" = String))),
        crate::http::problems::ProtectedReadErrors,
    )
)]
#[get("/me/preferences")]
pub async fn get_preferences(
    caller: Caller,
    query: Deferred<NoQueryParameters>,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Preferences>, ApiError> {
    has_own_account(&caller)?;
    query.take()?;
    let mut conn = pool.get().await?;
    let session_reminders = users::session_reminders(&mut conn, caller.id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("The account no longer exists.".into()))?;
    Ok(web::Json(Preferences { session_reminders }))
}

/// Change my preferences
///
/// Turns reminders before sessions off (`false`) or on (`true`). A reminder already written
/// but not yet sent is dropped when they are off.
#[utoipa::path(
    tag = "Account",
    request_body = PreferenceChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's preferences, changed", body = Preferences),
        crate::http::problems::ProtectedSelfUpdateErrors,
    )
)]
#[patch("/me/preferences")]
pub async fn update_preferences(
    caller: Caller,
    write: Write<PreferenceChanges>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            &caller,
            async |_| has_own_account(&caller),
            async |conn, (), changes| {
                let session_reminders = match changes.session_reminders {
                    Some(wanted) => users::set_session_reminders(conn, caller.id, wanted).await?,
                    None => users::session_reminders(conn, caller.id).await?,
                }
                .ok_or_else(|| ApiError::Unauthorized("The account no longer exists.".into()))?;
                Answer::ok(&Preferences { session_reminders })
            },
        )
        .await
}

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(list_messages)
        .service(get_message)
        .service(retry_message)
        .service(get_preferences)
        .service(update_preferences);
}
