//! Partner webhooks: the change feed of a Teaching School Hub's area, pushed to the endpoints
//! it registers, signed the Standard Webhooks way.
//!
//! Every server process runs a dispatcher on a connection of its own. Each round it first
//! hands the feed's new events to the endpoints wanting them (`db::webhooks` says how that
//! hands each event over once), then claims due deliveries with `FOR UPDATE SKIP LOCKED`,
//! posts them side by side and records every outcome before committing, as the outbox's
//! worker does (`notify`): failures are tried again with backoff and jitter
//! (`domain::retry`), and a delivery whose every attempt failed is dead, for the partner to
//! redeliver. An endpoint whose every attempt has failed for a set time is disabled, and the
//! partner's people are told by email.

pub mod target;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use futures_util::future::join_all;
use url::Url;

use crate::api::change_feed::ChangeEvent;
use crate::db::DbPool;
use crate::db::change_feed;
use crate::db::webhooks::{self as queries, Attempted, ClaimedDelivery, Handed};
use crate::domain::DeliveryStatus;
use crate::domain::retry::{AfterFailure, RetryPolicy};
use crate::domain::webhook::{SigningKey, signature_header};
use crate::error::ApiError;
use crate::observability::Metrics;
use target::{CheckedResolver, TargetPolicy};

/// Endpoints brought up to the frontier, and deliveries claimed and posted side by side, at
/// once. A claim's transaction stays open while its deliveries go (at most one timeout).
const BATCH: i64 = 20;

/// Events handed to one endpoint at once; an endpoint further behind is brought on next time
/// round the loop.
const EVENTS_AT_ONCE: i64 = 100;

/// Characters of an endpoint's answer kept with the delivery.
pub const EXCERPT_CHARS: usize = 256;

/// How deliveries are made.
#[derive(Debug, Clone, Copy)]
pub struct WebhookSettings {
    pub targets: TargetPolicy,
    /// The longest an attempt may take, connecting included.
    pub timeout: Duration,
    /// How long an endpoint may fail every attempt before it is disabled.
    pub disable_after: Duration,
    pub retry: RetryPolicy,
}

/// Everything the dispatcher needs.
#[derive(Clone)]
pub struct Dispatcher {
    /// Connections of its own: one is held for each batch.
    pub pool: DbPool,
    pub settings: WebhookSettings,
    pub metrics: Arc<Metrics>,
    client: reqwest::Client,
}

/// What one round of delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub delivered: usize,
    pub retried: usize,
    pub dead: usize,
    pub disabled: usize,
}

impl Dispatcher {
    pub fn new(pool: DbPool, settings: WebhookSettings, metrics: Arc<Metrics>) -> Self {
        Self {
            client: client(&settings),
            pool,
            settings,
            metrics,
        }
    }

    /// Hands every event final by now to the endpoints wanting it; how many deliveries that
    /// made. Events final later wait for the next round: with a frontier that moved on as it
    /// went, a steady stream of changes would keep it handing out and never delivering.
    pub async fn hand_out(&self) -> Result<usize, ApiError> {
        let mut conn = self.pool.get().await?;
        let frontier = change_feed::frontier(&mut conn).await?;
        let mut made = 0;
        loop {
            let (endpoints, deliveries) = conn
                .transaction::<_, ApiError, _>(async |conn| {
                    let behind = queries::behind(conn, frontier, BATCH).await?;
                    let mut deliveries = 0;
                    for endpoint in &behind {
                        let page = change_feed::read(
                            conn,
                            endpoint.teaching_school_hub_id,
                            &endpoint.filter(),
                            (endpoint.position()?, frontier),
                            EVENTS_AT_ONCE,
                        )
                        .await?;
                        let events = page
                            .events
                            .into_iter()
                            .map(|row| {
                                let (event_id, event_type) = (row.id, row.kind);
                                let payload = serde_json::to_value(ChangeEvent::try_from(row)?)
                                    .map_err(ApiError::internal)?;
                                Ok(Handed {
                                    event_id,
                                    event_type,
                                    payload,
                                })
                            })
                            .collect::<Result<Vec<_>, ApiError>>()?;
                        deliveries += events.len();
                        queries::hand_over(conn, endpoint.id, events, page.next).await?;
                    }
                    Ok((behind.len(), deliveries))
                })
                .await?;
            made += deliveries;
            if endpoints == 0 {
                return Ok(made);
            }
        }
    }

    /// Posts every delivery due by `now`, batch after batch, until none is left.
    pub async fn deliver_due_at(&self, now: DateTime<Utc>) -> Result<Round, ApiError> {
        let mut round = Round::default();
        let mut conn = self.pool.get().await?;
        loop {
            let (statuses, disabled) = conn
                .transaction::<_, ApiError, _>(async |conn| {
                    let claimed = queries::claim(conn, now, BATCH).await?;
                    if claimed.is_empty() {
                        return Ok((Vec::new(), 0));
                    }
                    let outcomes = join_all(claimed.iter().map(|one| self.attempt(one))).await;
                    let statuses: Vec<_> = outcomes.iter().map(|done| done.status).collect();
                    let attempts: Vec<_> = claimed.iter().zip(outcomes).collect();
                    let disabled =
                        queries::record(conn, &attempts, self.settings.disable_after).await?;
                    Ok((statuses, disabled))
                })
                .await?;
            if statuses.is_empty() {
                return Ok(round);
            }
            round.disabled += disabled;
            for status in statuses {
                let outcome = match status {
                    DeliveryStatus::Delivered => {
                        round.delivered += 1;
                        "delivered"
                    }
                    DeliveryStatus::Pending => {
                        round.retried += 1;
                        "retried"
                    }
                    DeliveryStatus::Dead => {
                        round.dead += 1;
                        "dead"
                    }
                };
                self.metrics.count_delivery("webhook", outcome);
            }
        }
    }

    /// Hands out and delivers every `poll` for as long as the server runs.
    pub async fn run(self, poll: Duration) {
        let mut ticks = tokio::time::interval(poll);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = self.hand_out().await {
                log::warn!("handing out webhook events failed (tried again next time): {error}");
            }
            match self.deliver_due_at(Utc::now()).await {
                Ok(round) if round != Round::default() => log::info!("webhooks: {round:?}"),
                Ok(_) => {}
                Err(error) => {
                    log::warn!("webhook delivery failed (tried again next time): {error}")
                }
            }
        }
    }

    /// One attempt at one delivery: signed afresh (the timestamp is the attempt's), to an
    /// address judged again now.
    async fn attempt(&self, delivery: &ClaimedDelivery) -> Attempted {
        let url = match Url::parse(&delivery.url) {
            Ok(url) => url,
            Err(error) => return self.failed(delivery, None, None, error.to_string()),
        };
        if let Err(why) = self.settings.targets.check_literal(&url) {
            return self.failed(delivery, None, None, why);
        }
        let id = delivery.id.to_string();
        let timestamp = Utc::now().timestamp();
        let key = SigningKey::from_bytes(delivery.secret.clone());
        let previous = delivery.previous_secret.clone().map(SigningKey::from_bytes);
        let keys: Vec<&SigningKey> = std::iter::once(&key).chain(previous.as_ref()).collect();
        let signature = signature_header(&keys, &id, timestamp, delivery.body.as_bytes());
        let sent = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.body.clone())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let code = response.status();
                let excerpt = excerpt(response).await;
                if code.is_success() {
                    Attempted {
                        status: DeliveryStatus::Delivered,
                        response_status: Some(i32::from(code.as_u16())),
                        response_excerpt: excerpt,
                        error: None,
                        retry_in: Duration::ZERO,
                    }
                } else {
                    let why = if code.is_redirection() {
                        format!("answered {code}; redirects are not followed")
                    } else {
                        format!("answered {code}")
                    };
                    self.failed(delivery, Some(i32::from(code.as_u16())), excerpt, why)
                }
            }
            Err(error) => self.failed(delivery, None, None, with_sources(&error)),
        }
    }

    fn failed(
        &self,
        delivery: &ClaimedDelivery,
        response_status: Option<i32>,
        response_excerpt: Option<String>,
        error: String,
    ) -> Attempted {
        let attempt = u32::try_from(delivery.attempt).unwrap_or(u32::MAX);
        let (status, retry_in) = match self.settings.retry.after_failure(attempt, rand::random()) {
            AfterFailure::RetryIn(wait) => (DeliveryStatus::Pending, wait),
            AfterFailure::GiveUp => (DeliveryStatus::Dead, Duration::ZERO),
        };
        Attempted {
            status,
            response_status,
            response_excerpt,
            error: Some(error),
            retry_in,
        }
    }
}

/// The HTTP client deliveries go through: TLS with the Mozilla roots, the checked resolver,
/// no redirects, no proxy, a timeout on every attempt.
fn client(settings: &WebhookSettings) -> reqwest::Client {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    // ring, which the mail client already brings: aws-lc-rs (with post-quantum key
    // exchange) would add a C and assembly build for little gain on these deliveries.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .dns_resolver(CheckedResolver(settings.targets))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(settings.timeout)
        .timeout(settings.timeout)
        .user_agent(concat!("mathshub-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the webhook client's settings are valid")
}

/// The start of an answer's body, as text; the rest is never read.
async fn excerpt(mut response: reqwest::Response) -> Option<String> {
    let mut bytes = Vec::new();
    while bytes.len() < EXCERPT_CHARS * 4 {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text: String = String::from_utf8_lossy(&bytes)
        .chars()
        .take(EXCERPT_CHARS)
        .collect();
    (!text.is_empty()).then_some(text)
}

/// An error with the errors under it, which say what actually went wrong (refused, timed out,
/// a certificate not trusted).
fn with_sources(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
