//! `whoosh notifier`: drains the notification queue (`whoosh_store::notifications`) to Telegram.
//!
//! Each pass claims a batch of due notifications under a lease and sends them one by one with the
//! Bot API's `sendMessage`, marking each the moment its answer arrives:
//!
//! - 200: `sent`. A notifier killed mid-batch has marked everything it finished; the rest of its
//!   batch is claimed again when the lease runs out. The one window that can repeat a message is
//!   a kill after Telegram answered 200 and before the `sent` mark committed: one UPDATE round
//!   trip (about a millisecond), for at most the one message in flight.
//! - 429: Telegram's flood control is bot-wide, so the notifier waits `parameters.retry_after`
//!   seconds before sending anything; the message and the rest of the batch are due again then
//!   (the rest without counting an attempt).
//! - 5xx, timeouts, network errors, and 401/404 (a wrong bot token: an operator's fault, not the
//!   message's): retried with exponential backoff and jitter, up to `NOTIFIER_MAX_ATTEMPTS`.
//! - 400 and 403 (chat not found, bot blocked): `failed` for good, and the user's link is marked
//!   dead so nothing more is sent there until they link again.
//! - No live Telegram link: `skipped` (Telegram is the only channel today; the row stays as a
//!   record).
//!
//! Before each send the notifier checks that its lease outlasts one more send timeout; if not, it
//! hands the rest of the batch back instead of racing another notifier for it.

use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sqlx::PgPool;
use std::time::{Duration, Instant};
use whoosh_http::config::NotifierConfig;
use whoosh_store::{
    notifications::{self, Claimed, Finish, Kind},
    telegram,
};

/// The Telegram Bot API client (only `sendMessage`).
#[derive(Debug, Clone)]
pub struct Telegram {
    http: reqwest::Client,
    base: String,
    token: SecretString,
}

/// What one `sendMessage` call came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    /// 429: wait this long before sending anything.
    RateLimited(Duration),
    /// Worth retrying later (5xx, network, timeout, a wrong token).
    Transient(String),
    /// The chat will never accept it (400, 403).
    Refused(String),
}

/// Longest Telegram message text.
const MAX_TEXT_CHARS: usize = 4096;
/// Used when a 429 carries no `retry_after`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);
/// Longest `retry_after` honoured; a larger one is capped (and the message retried then).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

impl Telegram {
    pub fn new(base: &str, token: SecretString, timeout: Duration) -> reqwest::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout)
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            token,
        })
    }

    pub async fn send_message(&self, chat_id: i64, text: &str) -> SendOutcome {
        let url = format!(
            "{}/bot{}/sendMessage",
            self.base,
            self.token.expose_secret()
        );
        let body = serde_json::json!({ "chat_id": chat_id, "text": text });
        let response = match self.http.post(url).json(&body).send().await {
            Ok(r) => r,
            // The URL holds the token: never let it reach a message.
            Err(e) => return SendOutcome::Transient(e.without_url().to_string()),
        };
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        let description = answer["description"]
            .as_str()
            .unwrap_or("no description")
            .chars()
            .take(200)
            .collect::<String>();
        match status {
            200..=299 => SendOutcome::Sent,
            429 => SendOutcome::RateLimited(
                answer["parameters"]["retry_after"]
                    .as_u64()
                    .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs)
                    .min(MAX_RETRY_AFTER),
            ),
            400 | 403 => SendOutcome::Refused(format!("{status}: {description}")),
            _ => SendOutcome::Transient(format!("{status}: {description}")),
        }
    }
}

/// The message a notification becomes, or `None` for a kind this notifier does not know.
/// `site` is the public URL players open.
pub fn render(kind: &str, payload: &Value, site: &str) -> Option<String> {
    let text = |key: &str| payload[key].as_str().unwrap_or_default().to_owned();
    let number = |key: &str| payload[key].as_i64().unwrap_or_default();
    let message = match Kind::parse(kind)? {
        Kind::MatchFound => format!(
            "Match found! Your {} game with {} players is ready. Open Whoosh to join: {site}",
            text("mode"),
            number("players")
        ),
        Kind::BattleInvitation => {
            let from = Some(text("from_display_name"))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "A friend".to_owned());
            let group = Some(text("group_name"))
                .filter(|s| !s.is_empty())
                .map(|g| format!(" in {g}"))
                .unwrap_or_default();
            format!("{from} invited you to a battle{group}. Open Whoosh to accept: {site}")
        }
        Kind::LeaderboardOvertaken => format!(
            "{} just passed you on the {} leaderboard ({} to your {}); you are now #{}. Win it back: {site}",
            Some(text("by_display_name"))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "Someone".to_owned()),
            text("board"),
            number("their_value"),
            number("your_value"),
            number("your_rank"),
        ),
    };
    Some(message.chars().take(MAX_TEXT_CHARS).collect())
}

/// The delay before retry number `attempts` (1-based): `base · 2^(attempts−1)`, at most `max`,
/// drawn uniformly from its upper half (jitter, so that a burst of failures does not retry in
/// step).
pub fn backoff(attempts: u32, base: Duration, max: Duration) -> Duration {
    let exp = base
        .checked_mul(1u32 << attempts.saturating_sub(1).min(20))
        .unwrap_or(max)
        .min(max);
    let half = exp / 2;
    half + rand::thread_rng().gen_range(Duration::ZERO..=half)
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub claimed: usize,
    pub sent: usize,
    pub skipped: usize,
    pub failed: usize,
    pub retried: usize,
    /// Handed back untried (shutdown, lease, rate limit).
    pub released: usize,
    /// Telegram asked for a pause this long before the next send.
    pub pause: Option<Duration>,
}

/// The notifier: the database, the bot, and how to drain.
#[derive(Debug, Clone)]
pub struct Notifier {
    pub db: PgPool,
    pub telegram: Telegram,
    pub config: NotifierConfig,
    /// The public URL messages point to.
    pub site: String,
}

impl Notifier {
    /// Claims one batch and works through it; stops early (handing the rest back) when `stop`
    /// says so.
    pub async fn pass(&self, stop: &(dyn Fn() -> bool + Sync)) -> Result<PassReport, sqlx::Error> {
        let lease = self.config.lease;
        let claimed_at = Instant::now();
        let batch = notifications::claim(&self.db, i64::from(self.config.batch), lease).await?;
        let mut report = PassReport {
            claimed: batch.len(),
            ..PassReport::default()
        };
        for (i, n) in batch.iter().enumerate() {
            let lease_left = lease.saturating_sub(claimed_at.elapsed());
            if stop() || lease_left <= self.config.send_timeout * 2 {
                report.released +=
                    notifications::release(&self.db, &batch[i..], Duration::ZERO).await? as usize;
                break;
            }
            match self.deliver(n).await? {
                Delivery::Sent => report.sent += 1,
                Delivery::Skipped => report.skipped += 1,
                Delivery::Failed => report.failed += 1,
                Delivery::Retried => report.retried += 1,
                Delivery::Paused(pause) => {
                    report.retried += 1;
                    report.released +=
                        notifications::release(&self.db, &batch[i + 1..], pause).await? as usize;
                    report.pause = Some(pause);
                    break;
                }
            }
        }
        Ok(report)
    }

    async fn deliver(&self, n: &Claimed) -> Result<Delivery, sqlx::Error> {
        let Some(chat) = n.chat_id else {
            notifications::finish(&self.db, n, Finish::Skipped, Some("no telegram link")).await?;
            return Ok(Delivery::Skipped);
        };
        let Some(text) = render(&n.kind, &n.payload, &self.site) else {
            notifications::finish(&self.db, n, Finish::Failed, Some("unknown kind")).await?;
            return Ok(Delivery::Failed);
        };
        match self.telegram.send_message(chat, &text).await {
            SendOutcome::Sent => {
                // Marked at once: everything sent before a crash stays sent.
                if !notifications::finish(&self.db, n, Finish::Sent, None).await? {
                    tracing::warn!(notification = n.id, "sent after its claim was lost");
                }
                Ok(Delivery::Sent)
            }
            SendOutcome::RateLimited(pause) => {
                tracing::warn!(notification = n.id, ?pause, "telegram rate limit; pausing");
                notifications::retry(&self.db, n, pause, "429: rate limited").await?;
                Ok(Delivery::Paused(pause))
            }
            SendOutcome::Refused(error) => {
                tracing::warn!(notification = n.id, user_id = %n.user_id, %error, "telegram refused the chat; link marked dead");
                notifications::finish(&self.db, n, Finish::Failed, Some(&error)).await?;
                telegram::mark_dead(&self.db, chat, &error).await?;
                Ok(Delivery::Failed)
            }
            SendOutcome::Transient(error) => {
                let attempts = u32::try_from(n.attempts).unwrap_or(u32::MAX);
                if attempts >= self.config.max_attempts {
                    tracing::warn!(notification = n.id, attempts, %error, "notification given up");
                    notifications::finish(&self.db, n, Finish::Failed, Some(&error)).await?;
                    return Ok(Delivery::Failed);
                }
                let after = backoff(attempts, self.config.backoff_base, self.config.backoff_max);
                tracing::info!(notification = n.id, attempts, ?after, %error, "send failed; will retry");
                notifications::retry(&self.db, n, after, &error).await?;
                Ok(Delivery::Retried)
            }
        }
    }

    /// Passes until `shutdown` resolves: back to back while there is work, every
    /// `NOTIFIER_INTERVAL` otherwise. A send in flight at shutdown finishes and is marked; the
    /// rest of its batch is handed back.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        });
        let stopped = || *stop_rx.borrow();
        tracing::info!(batch = self.config.batch, lease = ?self.config.lease, "notifier started");
        let mut last_backlog: Option<Instant> = None;
        while !stopped() {
            if last_backlog.is_none_or(|at| at.elapsed() >= BACKLOG_EVERY) {
                last_backlog = Some(Instant::now());
                self.log_backlog().await;
            }
            let wait = match self.pass(&stopped).await {
                Ok(report) => {
                    if report.claimed > 0 {
                        tracing::info!(
                            claimed = report.claimed,
                            sent = report.sent,
                            skipped = report.skipped,
                            failed = report.failed,
                            retried = report.retried,
                            released = report.released,
                            "notifier pass"
                        );
                    }
                    match report.pause {
                        Some(pause) => pause,
                        None if report.claimed > 0 => Duration::ZERO,
                        None => self.config.interval,
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "notifier pass failed; retrying");
                    self.config.interval
                }
            };
            if !wait.is_zero() {
                let mut stop = stop_rx.clone();
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = stop.wait_for(|s| *s) => {}
                }
            }
        }
        tracing::info!("notifier stopped");
    }

    /// The `notifier backlog` line and metrics (`NotificationBacklog`, …) the alarm reads.
    async fn log_backlog(&self) {
        match (
            notifications::backlog(&self.db).await,
            telegram::dead_links(&self.db).await,
        ) {
            (Ok(b), Ok(dead_links)) => {
                tracing::info!(
                    due = b.due,
                    oldest_due_secs = b.oldest_due_secs,
                    failed = b.failed,
                    dead_links,
                    "notifier backlog"
                );
                whoosh_http::emf::notifier_backlog(b.due, b.oldest_due_secs, b.failed, dead_links);
            }
            (Err(error), _) | (_, Err(error)) => {
                tracing::warn!(%error, "notifier backlog unknown");
            }
        }
    }
}

/// How often the notifier logs its backlog.
const BACKLOG_EVERY: Duration = Duration::from_secs(60);

enum Delivery {
    Sent,
    Skipped,
    Failed,
    Retried,
    Paused(Duration),
}
