//! Webhook endpoints and deliveries as their partner reads them.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::webhooks::{DeliveryRow, EndpointRow};
use crate::domain::{ChangeKind, DeliveryStatus, EndpointStatus, LondonTime};

/// A webhook endpoint (without its signing secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpoint {
    pub id: Uuid,
    #[schema(example = "https://tsh.example/hooks/mathshub")]
    pub url: String,
    /// The kinds of change delivered: those of `GET /partners/me/changes`.
    #[schema(example = json!(["opened", "filled", "cancelled"]))]
    pub event_types: Vec<ChangeKind>,
    /// GSS codes of the authorities of the area whose hubs' changes are delivered; `null` for
    /// the whole area.
    #[schema(example = json!(["E09000025"]))]
    pub local_authorities: Option<Vec<String>>,
    pub status: EndpointStatus,
    /// Since when every attempt has failed; `null` while deliveries succeed.
    pub failing_since: Option<LondonTime>,
    /// When the service disabled it for failing too long.
    pub disabled_at: Option<LondonTime>,
    /// Until when deliveries are also signed with the secret a rotation replaced.
    pub previous_secret_valid_until: Option<LondonTime>,
    pub created_at: LondonTime,
    pub updated_at: LondonTime,
}

impl From<EndpointRow> for WebhookEndpoint {
    fn from(row: EndpointRow) -> Self {
        Self {
            id: row.id,
            url: row.url,
            event_types: row.event_types,
            local_authorities: row.local_authorities,
            status: row.status,
            failing_since: row.failing_since.map(LondonTime),
            disabled_at: row.disabled_at.map(LondonTime),
            previous_secret_valid_until: row
                .previous_secret_until
                .filter(|until| *until > chrono::Utc::now())
                .map(LondonTime),
            created_at: LondonTime(row.created_at),
            updated_at: LondonTime(row.updated_at),
        }
    }
}

/// An endpoint with its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpointWithSecret {
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// The key deliveries are signed with, as Standard Webhooks libraries take it. Not shown
    /// again: store it safely.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// One event's delivery to an endpoint, and how its attempts went.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDelivery {
    /// Sent as `webhook-id` on every attempt: drop a delivery whose id you have seen.
    pub id: Uuid,
    /// The change's number in the change feed (`Change.id`).
    #[schema(example = 42)]
    pub event_id: i64,
    pub event_type: ChangeKind,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    #[schema(example = 1)]
    pub attempts: i32,
    /// When it is next tried, while `pending`.
    pub next_attempt_at: Option<LondonTime>,
    /// The HTTP status the endpoint last answered with.
    #[schema(example = 204)]
    pub response_status: Option<i32>,
    /// The start of the endpoint's last answer (at most 256 characters; the rest is not
    /// read).
    pub response_excerpt: Option<String>,
    /// Why the last attempt failed.
    #[schema(example = "answered 503 Service Unavailable")]
    pub last_error: Option<String>,
    pub created_at: LondonTime,
    /// When it was delivered or given up.
    pub finished_at: Option<LondonTime>,
}

impl From<DeliveryRow> for WebhookDelivery {
    fn from(row: DeliveryRow) -> Self {
        Self {
            id: row.id,
            event_id: row.event_id,
            event_type: row.event_type,
            status: row.status,
            attempts: row.attempts,
            next_attempt_at: (row.status == DeliveryStatus::Pending)
                .then_some(LondonTime(row.next_attempt_at)),
            response_status: row.response_status,
            response_excerpt: row.response_excerpt,
            last_error: row.last_error,
            created_at: LondonTime(row.created_at),
            finished_at: row.finished_at.map(LondonTime),
        }
    }
}
