//! What the reference-data writes share: how they name a record (a hub, a Teaching School Hub,
//! a local authority, a strategic partner) in answers and in the audit trail, the checks a
//! record passes before it changes, and the refusal to retire one something still relies on.

use std::fmt;

use actix_web::http::header::HeaderValue;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;

use crate::auth::Caller;
use crate::db::audit;
use crate::error::ApiError;
use crate::http::middleware::etag::require_current;

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

    /// Whether the record, locked for a change, may change: 412 when `If-Match` is sent and
    /// names another version of its view (`view` runs only then), 409 when it is retired, as
    /// retired reference data no longer changes.
    pub async fn require_changeable<View: Serialize>(
        self,
        retired_at: Option<DateTime<Utc>>,
        if_match: Option<&HeaderValue>,
        view: impl AsyncFnOnce() -> Result<View, ApiError>,
    ) -> Result<(), ApiError> {
        if let Some(if_match) = if_match {
            require_current(if_match, &view().await?, self)?;
        }
        if retired_at.is_some() {
            return Err(ApiError::Conflict(format!(
                "{self} is retired: it no longer changes."
            )));
        }
        Ok(())
    }

    /// 409 naming everything that still relies on the record (`reasons`, a phrase each) and
    /// what to do with it first (`remedy`, such as "Move these elsewhere"), so that retiring
    /// never leaves something current pointing at a retired record.
    pub fn refuse_while_relied_on(self, reasons: &[String], remedy: &str) -> Result<(), ApiError> {
        if reasons.is_empty() {
            return Ok(());
        }
        Err(ApiError::Conflict(format!(
            "{self} is still in use: {}. {remedy} before retiring it.",
            reasons.join("; ")
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
