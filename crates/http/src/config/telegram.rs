//! The Telegram bot (account linking in the auth service, delivery in `whoosh notifier`) and the
//! notifier's queue draining.

use super::env::{Env, secs};
use std::time::Duration;
use whoosh_auth::SecretSource;

/// The Telegram bot: account linking (auth service) and delivery (`whoosh notifier`).
#[derive(Debug, Clone)]
pub struct TelegramConfig {
    /// Where the bot token comes from (`env:`, `file:`, `aws-secretsmanager:`); the notifier
    /// refuses to start without one. The token itself is never logged.
    pub bot_token_source: Option<SecretSource>,
    /// Where the webhook secret comes from: Telegram sends it in
    /// `X-Telegram-Bot-Api-Secret-Token`. Without one the webhook refuses every update.
    pub webhook_secret_source: Option<SecretSource>,
    /// The bot's username, for `https://t.me/<bot>?start=<code>` links.
    pub bot_username: String,
    /// The Bot API base URL (a local fake in tests).
    pub api_base: String,
    /// How long a link code stays valid.
    pub link_code_ttl: Duration,
}

/// The notifier's queue draining.
#[derive(Debug, Clone)]
pub struct NotifierConfig {
    /// Notifications claimed per pass.
    pub batch: u32,
    /// Pause between passes that found nothing due.
    pub interval: Duration,
    /// How long a claim holds its notifications; a notifier that dies releases them after this.
    pub lease: Duration,
    /// Timeout of one `sendMessage` call.
    pub send_timeout: Duration,
    /// Attempts before a notification is given up (`failed`).
    pub max_attempts: u32,
    /// First retry delay; doubles with each attempt (with jitter), up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

/// Both sections at once: one check spans them.
pub(super) fn load(env: &mut Env) -> (TelegramConfig, NotifierConfig) {
    let telegram = TelegramConfig {
        bot_token_source: env.optional("TELEGRAM_BOT_TOKEN_SOURCE"),
        webhook_secret_source: env.optional("TELEGRAM_WEBHOOK_SECRET_SOURCE"),
        bot_username: env.get("TELEGRAM_BOT_USERNAME", "WhooshGameBot".to_owned()),
        api_base: env
            .get("TELEGRAM_API_BASE", "https://api.telegram.org".to_owned())
            .trim_end_matches('/')
            .to_owned(),
        link_code_ttl: env.get("TELEGRAM_LINK_CODE_TTL", secs(600)).0,
    };
    let notifier = NotifierConfig {
        batch: env.get("NOTIFIER_BATCH", 20),
        interval: env.get("NOTIFIER_INTERVAL", secs(1)).0,
        lease: env.get("NOTIFIER_LEASE", secs(120)).0,
        send_timeout: env.get("NOTIFIER_SEND_TIMEOUT", secs(10)).0,
        max_attempts: env.get("NOTIFIER_MAX_ATTEMPTS", 8),
        backoff_base: env.get("NOTIFIER_BACKOFF_BASE", secs(2)).0,
        backoff_max: env.get("NOTIFIER_BACKOFF_MAX", secs(600)).0,
    };
    env.positive("NOTIFIER_BATCH", notifier.batch);
    env.positive("NOTIFIER_MAX_ATTEMPTS", notifier.max_attempts);
    env.nonzero(&[
        ("NOTIFIER_INTERVAL", notifier.interval),
        ("NOTIFIER_SEND_TIMEOUT", notifier.send_timeout),
        ("TELEGRAM_LINK_CODE_TTL", telegram.link_code_ttl),
    ]);
    if notifier.lease <= notifier.send_timeout * 2 {
        env.problem(format!(
            "NOTIFIER_LEASE={:?}: must be more than twice NOTIFIER_SEND_TIMEOUT={:?}",
            notifier.lease, notifier.send_timeout
        ));
    }
    if !telegram.api_base.starts_with("http://") && !telegram.api_base.starts_with("https://") {
        env.problem(format!(
            "TELEGRAM_API_BASE={}: must be an http(s) URL",
            telegram.api_base
        ));
    }
    (telegram, notifier)
}
