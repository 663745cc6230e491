//! Telling people what happened: every server process runs a worker that claims the outbox's
//! due messages (`db::outbox`), writes each as a letter and mails them all at once, and
//! records the outcomes in the claim's transaction:
//! delivered; suppressed (a disabled account, or reminders turned off); tried again later
//! with exponential backoff and jitter (`domain::retry`); or, after the last attempt, dead,
//! kept for admins to see and retry. The same worker writes the reminders due before
//! sessions. A mail server that is down delays messages and loses none; no request waits
//! for it, since requests only write to the outbox.

pub mod letters;
pub mod mail;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use futures_util::future::join_all;
use lettre::message::Mailbox;

use crate::db::DbPool;
use crate::db::outbox::{self, ClaimedMessage, Outcome};
use crate::domain::notice;
use crate::domain::retry::{AfterFailure, RetryPolicy};
use crate::error::ApiError;
use crate::observability::Metrics;
use letters::Letters;
use mail::Mailer;

/// Messages claimed, and mailed side by side, at once. The claim's transaction stays open
/// while they go (for at most one SMTP timeout, as they go together).
const BATCH: i64 = 20;

/// Everything the worker needs.
#[derive(Clone)]
pub struct Notifier {
    /// Connections of the worker's own, so that delivering never waits for requests' (nor
    /// they for it): one is held for each batch.
    pub pool: DbPool,
    pub mailer: Mailer,
    pub from: Mailbox,
    pub letters: Letters,
    pub retry: RetryPolicy,
    /// How long before a session its participants are reminded of it.
    pub reminder_lead: Duration,
    pub metrics: Arc<Metrics>,
}

/// What one round of delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub delivered: usize,
    pub suppressed: usize,
    pub retried: usize,
    pub dead: usize,
}

impl Round {
    fn count(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Delivered => self.delivered += 1,
            Outcome::Suppressed(_) => self.suppressed += 1,
            Outcome::RetryIn(..) => self.retried += 1,
            Outcome::Dead(_) => self.dead += 1,
        }
    }

    fn total(&self) -> usize {
        self.delivered + self.suppressed + self.retried + self.dead
    }
}

impl Notifier {
    /// Delivers every message due by `now`, batch after batch, until none is left.
    pub async fn deliver_due_at(&self, now: DateTime<Utc>) -> Result<Round, ApiError> {
        let mut round = Round::default();
        let mut conn = self.pool.get().await?;
        loop {
            let outcomes = conn
                .transaction::<_, ApiError, _>(async |conn| {
                    let claimed = outbox::claim(conn, now, BATCH).await?;
                    let outcomes =
                        join_all(claimed.iter().map(|message| self.deliver(message))).await;
                    let attempts: Vec<_> = claimed.iter().zip(outcomes).collect();
                    if !attempts.is_empty() {
                        outbox::record(conn, &attempts).await?;
                    }
                    Ok(attempts
                        .into_iter()
                        .map(|(_, outcome)| outcome)
                        .collect::<Vec<_>>())
                })
                .await?;
            if outcomes.is_empty() {
                return Ok(round);
            }
            for outcome in &outcomes {
                self.metrics.count_delivery("email", outcome_label(outcome));
                round.count(outcome);
            }
        }
    }

    /// Writes the reminders due by `now`; how many were new.
    pub async fn remind_at(&self, now: DateTime<Utc>) -> Result<usize, ApiError> {
        let mut conn = self.pool.get().await?;
        Ok(outbox::remind(&mut conn, now, self.reminder_lead).await?)
    }

    /// Reminds and delivers every `poll` for as long as the server runs.
    pub async fn run(self, poll: Duration) {
        let mut ticks = tokio::time::interval(poll);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let now = Utc::now();
            if let Err(error) = self.remind_at(now).await {
                log::warn!("reminders failed (tried again next time): {error}");
            }
            match self.deliver_due_at(now).await {
                Ok(round) if round.total() > 0 => log::info!("outbox: {round:?}"),
                Ok(_) => {}
                Err(error) => log::warn!("outbox delivery failed (tried again next time): {error}"),
            }
        }
    }

    /// One attempt at one message.
    async fn deliver(&self, message: &ClaimedMessage) -> Outcome {
        if message.disabled {
            return Outcome::Suppressed("the account is disabled");
        }
        if notice::may_be_turned_off(message.kind) && !message.session_reminders {
            return Outcome::Suppressed("the recipient turned reminders off");
        }
        let letter = match self
            .letters
            .write_message(message.kind, &message.name, &message.facts)
        {
            Ok(letter) => letter,
            // Writing it again would fail the same way: a bug to fix, then retry.
            Err(error) => {
                return Outcome::Dead(format!("the letter could not be written: {error}"));
            }
        };
        let to = match message.email.parse() {
            Ok(address) => Mailbox::new(Some(message.name.clone()), address),
            Err(error) => {
                return Outcome::Dead(format!("the address is not one mail can use: {error}"));
            }
        };
        match self.mailer.send(message.id, &self.from, to, letter).await {
            Ok(()) => Outcome::Delivered,
            Err(error) => {
                let attempt = u32::try_from(message.attempt).unwrap_or(u32::MAX);
                match self.retry.after_failure(attempt, rand::random()) {
                    AfterFailure::RetryIn(wait) => Outcome::RetryIn(wait, error),
                    AfterFailure::GiveUp => Outcome::Dead(error),
                }
            }
        }
    }
}

fn outcome_label(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Delivered => "delivered",
        Outcome::Suppressed(_) => "suppressed",
        Outcome::RetryIn(..) => "retried",
        Outcome::Dead(_) => "dead",
    }
}
