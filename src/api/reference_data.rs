//! What the reference-data writes share: who may make them, how they name a record (a hub, a
//! Teaching School Hub, a local authority, a strategic partner) in answers and in the audit
//! trail, the checks a record passes before it changes, correcting one, and retiring one:
//! refused while anything current still relies on it, so that nothing current points at a
//! retired record.

use std::fmt;

use actix_web::HttpResponse;
use actix_web::http::header::HeaderValue;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::{Action, Caller, authorize};
use crate::db::reference_data::Locked;
use crate::db::{DbPool, audit};
use crate::error::ApiError;
use crate::http::middleware::etag::require_current;
use crate::http::write::{Answer, Body, StepWith, Write};

/// Reference data is changed by national admins only; a refusal names `noun` ("Hub").
pub(crate) fn may_change(caller: &Caller, noun: &str) -> Result<(), ApiError> {
    authorize(caller, &Action::ManageReferenceData).map_err(|refusal| refusal.into_error(noun))
}

/// A kind of reference data whose records change and retire alike. Each kind supplies what
/// differs: how a record is named, locked and shown, what still relies on one, and marking one
/// retired.
pub(crate) trait Retirable {
    /// What names a record for good: a slug, a GSS code.
    type Key: Sync + ?Sized;
    /// What its row is known by once locked: an id, a code.
    type Id: Send + Sync;
    /// What a write may change, as the audit trail keeps it.
    type Fields: Serialize + Send + Sync;
    /// The record as `GET` shows it.
    type View: Serialize + Send;
    /// What to do first with whatever relies on a record, such as "Move these elsewhere".
    const REMEDY: &'static str;

    fn record(key: &Self::Key) -> Record<'_>;

    /// Locks the record for a change (writes naming it wait, and then see the change); `None`
    /// when there is none.
    fn lock(
        conn: &mut AsyncPgConnection,
        key: &Self::Key,
    ) -> impl Future<Output = QueryResult<Option<Locked<Self::Id, Self::Fields>>>> + Send;

    /// The record as `GET` shows it; `None` when there is none.
    fn find(
        conn: &mut AsyncPgConnection,
        key: &Self::Key,
    ) -> impl Future<Output = QueryResult<Option<Self::View>>> + Send;

    /// Why the record cannot be retired yet; none when it can.
    fn still_relied_on(
        conn: &mut AsyncPgConnection,
        id: &Self::Id,
    ) -> impl Future<Output = Result<Reasons, ApiError>> + Send;

    fn mark_retired(
        conn: &mut AsyncPgConnection,
        id: &Self::Id,
    ) -> impl Future<Output = QueryResult<()>> + Send;
}

/// A kind of reference data whose records are corrected alike (`update`). Each kind supplies
/// what differs: the changes it takes, what they do to a record, and what the audit trail keeps.
pub(crate) trait Updatable: Retirable {
    /// The changes as sent.
    type Form: DeserializeOwned + Send + 'static;
    /// The changes, parsed and checked against what is stored.
    type Changes: Send;

    /// The changes `form` makes to the locked record `key`: 400 or 422 naming every refused
    /// field at once.
    fn read(
        conn: &mut AsyncPgConnection,
        key: &Self::Key,
        form: Self::Form,
    ) -> impl Future<Output = Result<Self::Changes, ApiError>> + Send;

    /// Makes `changes` to the record `id`, whose fields are `fields`: its fields as they become.
    fn change(
        conn: &mut AsyncPgConnection,
        id: &Self::Id,
        fields: Self::Fields,
        changes: Self::Changes,
    ) -> impl Future<Output = Result<Self::Fields, ApiError>> + Send;

    /// The record as the audit trail keeps it before and after a change: its fields.
    fn audited(
        _conn: &mut AsyncPgConnection,
        _id: &Self::Id,
        fields: &Self::Fields,
    ) -> impl Future<Output = Result<serde_json::Value, ApiError>> + Send {
        async move { Ok(serde_json::json!(fields)) }
    }
}

/// Why a record cannot be retired yet, a phrase per reason.
#[derive(Debug, Default)]
pub(crate) struct Reasons(Vec<String>);

impl Reasons {
    /// With `reason`, when there is one.
    pub fn with(mut self, reason: Option<String>) -> Self {
        self.0.extend(reason);
        self
    }

    /// With "`what`: `count`", when there are any.
    pub fn counting(self, what: &str, count: i64) -> Self {
        self.with((count > 0).then(|| format!("{what}: {count}")))
    }
}

/// The record `key` as `GET` shows it: 404 when there is none.
pub(crate) async fn view<Kind: Retirable>(
    conn: &mut AsyncPgConnection,
    key: &Kind::Key,
) -> Result<Kind::View, ApiError> {
    Kind::find(conn, key)
        .await?
        .ok_or_else(|| Kind::record(key).not_found())
}

/// Locks the record `key` for a change, retired or not: 404 when there is none.
pub(crate) async fn find_locked<Kind: Retirable>(
    conn: &mut AsyncPgConnection,
    key: &Kind::Key,
) -> Result<Locked<Kind::Id, Kind::Fields>, ApiError> {
    Kind::lock(conn, key)
        .await?
        .ok_or_else(|| Kind::record(key).not_found())
}

/// Locks the record `key` for a change: 404 when there is none, 412 when `if_match` is sent
/// and names another version of its view (read only then), 409 when it is retired, as retired
/// reference data no longer changes.
pub(crate) async fn lock_current<Kind: Retirable>(
    conn: &mut AsyncPgConnection,
    key: &Kind::Key,
    if_match: Option<&HeaderValue>,
) -> Result<Locked<Kind::Id, Kind::Fields>, ApiError> {
    let record = Kind::record(key);
    let locked = find_locked::<Kind>(conn, key).await?;
    if let Some(if_match) = if_match {
        require_current(if_match, &view::<Kind>(conn, key).await?, record)?;
    }
    if locked.retired_at.is_some() {
        return Err(ApiError::Conflict(format!(
            "{record} is retired: it no longer changes."
        )));
    }
    Ok(locked)
}

/// Retires the record `key` as the request's write, for national admins: 404 when there is
/// none, 409 when it is retired already or while anything current relies on it (naming each
/// reason); otherwise it is marked retired, audited with its fields as they were, and answered
/// with its view.
pub(crate) async fn retire<Kind: Retirable>(
    caller: &Caller,
    write: &Write,
    pool: &DbPool,
    key: &Kind::Key,
) -> Result<HttpResponse, ApiError> {
    let record = Kind::record(key);
    change_record(caller, write, pool, record, async |conn, (), _| {
        let locked = find_locked::<Kind>(conn, key).await?;
        if locked.retired_at.is_some() {
            return Err(ApiError::Conflict(format!("{record} is already retired.")));
        }
        let reasons = Kind::still_relied_on(conn, &locked.id).await?;
        record.refuse_while_relied_on(&reasons, Kind::REMEDY)?;
        Kind::mark_retired(conn, &locked.id).await?;
        let details = serde_json::json!({"before": locked.fields});
        record.audit(conn, caller, "retired", details).await?;
        Answer::ok(&view::<Kind>(conn, key).await?)
    })
    .await
}

/// Corrects the record `key` as the request's write, for national admins: 404 when there is
/// none, 412 when `If-Match` names another version of it, 409 when it is retired, then 400 or
/// 422 for the changes sent; otherwise the changes are made, audited with the record as it was
/// and as it became, and answered with its view.
pub(crate) async fn update<Kind: Updatable>(
    caller: &Caller,
    write: &Write<Kind::Form>,
    pool: &DbPool,
    key: &Kind::Key,
) -> Result<HttpResponse, ApiError> {
    let record = Kind::record(key);
    change_record(caller, write, pool, record, async |conn, (), form| {
        let locked = lock_current::<Kind>(conn, key, write.if_match()?).await?;
        let changes = Kind::read(conn, key, form).await?;
        let before = Kind::audited(conn, &locked.id, &locked.fields).await?;
        let fields = Kind::change(conn, &locked.id, locked.fields, changes).await?;
        let after = Kind::audited(conn, &locked.id, &fields).await?;
        let details = serde_json::json!({"before": before, "after": after});
        record.audit(conn, caller, "updated", details).await?;
        Answer::ok(&view::<Kind>(conn, key).await?)
    })
    .await
}

/// Runs `act` as the request's write changing `record`, once the caller is found to be a
/// national admin.
async fn change_record<Form, Act>(
    caller: &Caller,
    write: &Write<Form>,
    pool: &DbPool,
    record: Record<'_>,
    act: Act,
) -> Result<HttpResponse, ApiError>
where
    Form: Body + Send,
    for<'r> Act: AsyncFnOnce(&'r mut AsyncPgConnection, (), Form) -> Result<Answer, ApiError>
        + StepWith<&'r mut AsyncPgConnection, (), Form, Result<Answer, ApiError>, Fut: Send>
        + Send,
{
    let mut conn = pool.get().await?;
    write
        .run(
            &mut conn,
            caller,
            async |_| may_change(caller, record.noun),
            act,
        )
        .await
}

/// A record a reference-data write changes, named the same way in every answer and audit record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record<'a> {
    /// How answers name its kind: "Hub".
    noun: &'static str,
    /// How the audit trail names its kind (and prefixes its actions): `hub`.
    kind: &'static str,
    /// What names it for good: a slug, a GSS code, an id.
    key: &'a str,
}

impl<'a> Record<'a> {
    pub fn hub(slug: &'a str) -> Self {
        Self {
            noun: "Hub",
            kind: "hub",
            key: slug,
        }
    }

    pub fn teaching_school_hub(slug: &'a str) -> Self {
        Self {
            noun: "Teaching School Hub",
            kind: "teaching_school_hub",
            key: slug,
        }
    }

    pub fn local_authority(code: &'a str) -> Self {
        Self {
            noun: "Local authority",
            kind: "local_authority",
            key: code,
        }
    }

    pub fn strategic_partner(id: &'a str) -> Self {
        Self {
            noun: "Strategic partner",
            kind: "strategic_partner",
            key: id,
        }
    }

    pub fn not_found(self) -> ApiError {
        ApiError::not_found(self)
    }

    /// 409 naming everything that still relies on the record and what to do with it first
    /// (`remedy`).
    fn refuse_while_relied_on(self, reasons: &Reasons, remedy: &str) -> Result<(), ApiError> {
        if reasons.0.is_empty() {
            return Ok(());
        }
        Err(ApiError::Conflict(format!(
            "{self} is still in use: {}. {remedy} before retiring it.",
            reasons.0.join("; ")
        )))
    }

    /// Records `caller`'s change of the record in the audit trail, as the action
    /// `{kind}.{change}` (`hub.retired`).
    pub async fn audit(
        self,
        conn: &mut AsyncPgConnection,
        caller: &Caller,
        change: &str,
        details: serde_json::Value,
    ) -> Result<(), ApiError> {
        let action = format!("{}.{change}", self.kind);
        audit::record(conn, Some(caller.id), &action, self.kind, self.key, details)
            .await
            .map_err(ApiError::from)
    }
}

impl fmt::Display for Record<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.noun, self.key)
    }
}
