//! The application state every handler receives: configuration and the clients built once at start.

use crate::Config;
use anyhow::Context;
use std::sync::Arc;
use whoosh_auth::{Keyring, PasswordHasher, TokenSpec, VerifiedTokens};
use whoosh_cache::{
    KeySchema, LeaderboardIndex, LobbyDirectory, NodeRegistry, RateLimiter, Redis, UserEvents,
};

#[derive(Debug, Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: sqlx::PgPool,
    pub redis: Redis,
    /// The URL Redis was reached at (configured or discovered), for connections of their own
    /// such as pub/sub subscribers.
    pub redis_url: Arc<str>,
    pub keys: KeySchema,
    pub limiter: RateLimiter,
    /// Signs and verifies every token.
    pub keyring: Arc<Keyring>,
    /// Tokens verified within the last minute (signature and claims only; revocation is asked
    /// of Redis on every request).
    pub verified: Arc<VerifiedTokens>,
    pub tokens: TokenSpec,
    pub hasher: PasswordHasher,
    /// The Redis index of every leaderboard.
    pub leaderboards: LeaderboardIndex,
    /// Live edge nodes (the matchmaker reads it; edge nodes heartbeat into it).
    pub nodes: NodeRegistry,
    /// Live lobbies: who owns each, its settings and members.
    pub lobbies: LobbyDirectory,
    /// Per-user event logs, announced to the edge's `/ws/me` sockets.
    pub user_events: UserEvents,
    /// The action-token HMAC key, loaded on first use (only the profiles service needs it).
    action_key: Arc<tokio::sync::OnceCell<Arc<[u8]>>>,
    /// The Telegram webhook secret, loaded on first use (only the auth service needs it); `None`
    /// when none is configured.
    telegram_webhook_secret: Arc<tokio::sync::OnceCell<Option<Arc<[u8]>>>>,
}

/// The shortest action-token HMAC key accepted.
pub const MIN_ACTION_KEY_LEN: usize = 32;

impl AppState {
    /// Builds every client from the configuration, failing with a message that names what is
    /// missing and how to fix it.
    pub async fn connect(config: Config) -> anyhow::Result<Self> {
        let aws = if config.redis.url.is_none() || config.auth.keys_source.needs_aws() {
            Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
        } else {
            None
        };
        // Concurrently: a cold start waits for the slowest of the three, not for their sum.
        let (keyring, db, (redis, redis_url)) = tokio::try_join!(
            load_keyring(&config, aws.as_ref()),
            connect_database(&config),
            connect_redis(&config, aws.as_ref()),
        )?;
        let hasher = PasswordHasher::new(config.auth.hash_concurrency)
            .context("setting up password hashing")?;
        let keys = KeySchema::new(config.redis.key_prefix.clone());
        let limiter = RateLimiter::new(redis.clone(), keys.clone());
        let tokens = TokenSpec {
            issuer: config.auth.issuer.clone(),
            audience: config.auth.audience.clone(),
        };
        let leaderboards = LeaderboardIndex::new(redis.clone(), keys.clone());
        let nodes = NodeRegistry::new(redis.clone(), keys.clone());
        let lobbies = LobbyDirectory::new(redis.clone(), keys.clone());
        let user_events = UserEvents::new(redis.clone(), keys.clone());
        Ok(Self {
            config: Arc::new(config),
            db,
            redis,
            redis_url: redis_url.into(),
            keys,
            limiter,
            keyring: Arc::new(keyring),
            verified: Arc::default(),
            tokens,
            hasher,
            leaderboards,
            nodes,
            lobbies,
            user_events,
            action_key: Arc::default(),
            telegram_webhook_secret: Arc::default(),
        })
    }

    /// The action-token HMAC key from `ACTION_KEY_SOURCE`, loaded once.
    pub async fn action_key(&self) -> Result<Arc<[u8]>, crate::ApiError> {
        use secrecy::ExposeSecret;
        self.action_key
            .get_or_try_init(|| async {
                let source = &self.config.auth.action_key_source;
                let aws = if source.needs_aws() {
                    Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
                } else {
                    None
                };
                let secret = source.load(aws.as_ref()).await.map_err(|e| {
                    crate::ApiError::internal(anyhow::anyhow!("cannot load ACTION_KEY_SOURCE={source}: {e}"))
                })?;
                let key = secret.expose_secret().trim().as_bytes().to_vec();
                if key.len() < MIN_ACTION_KEY_LEN {
                    return Err(crate::ApiError::internal(anyhow::anyhow!(
                        "ACTION_KEY_SOURCE={source} holds fewer than {MIN_ACTION_KEY_LEN} characters"
                    )));
                }
                Ok(Arc::from(key))
            })
            .await
            .cloned()
    }
}

impl AppState {
    /// The webhook secret from `TELEGRAM_WEBHOOK_SECRET_SOURCE`, loaded once; `None` when unset.
    pub async fn telegram_webhook_secret(&self) -> Result<Option<Arc<[u8]>>, crate::ApiError> {
        use secrecy::ExposeSecret;
        self.telegram_webhook_secret
            .get_or_try_init(|| async {
                let Some(source) = &self.config.telegram.webhook_secret_source else {
                    return Ok(None);
                };
                let aws = if source.needs_aws() {
                    Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
                } else {
                    None
                };
                let secret = source.load(aws.as_ref()).await.map_err(|e| {
                    crate::ApiError::internal(anyhow::anyhow!(
                        "cannot load TELEGRAM_WEBHOOK_SECRET_SOURCE={source}: {e}"
                    ))
                })?;
                let secret = secret.expose_secret().trim().as_bytes().to_vec();
                Ok(Some(Arc::from(secret)).filter(|s: &Arc<[u8]>| !s.is_empty()))
            })
            .await
            .cloned()
    }
}

/// Loads the signing keyring from `AUTH_KEYS_SOURCE`.
pub async fn load_keyring(
    config: &Config,
    aws: Option<&aws_config::SdkConfig>,
) -> anyhow::Result<Keyring> {
    use secrecy::ExposeSecret;
    let source = &config.auth.keys_source;
    let secret = source
        .load(aws)
        .await
        .with_context(|| format!("cannot load the signing keys from AUTH_KEYS_SOURCE={source}"))?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    Keyring::from_json(secret.expose_secret(), now)
        .with_context(|| format!("the signing keys at AUTH_KEYS_SOURCE={source} are unusable"))
}

/// Opens the pool and proves the database answers.
pub async fn connect_database(config: &Config) -> anyhow::Result<sqlx::PgPool> {
    let url = &config.database.url;
    let shown = redact_url(url);
    let pool = whoosh_store::connect_lazy(url, &config.database.pool)
        .with_context(|| format!("DATABASE_URL={shown} is not a valid PostgreSQL URL"))?;
    whoosh_store::ping(&pool).await.with_context(|| {
        format!("cannot reach PostgreSQL at DATABASE_URL={shown}; start it or point DATABASE_URL at a running server")
    })?;
    Ok(pool)
}

/// Connects to Redis at `REDIS_URL`, or at the endpoint ElastiCache reports for
/// `ELASTICACHE_REPLICATION_GROUP_ID`.
pub async fn connect_redis(
    config: &Config,
    aws: Option<&aws_config::SdkConfig>,
) -> anyhow::Result<(Redis, String)> {
    let (url, mode) = match (
        &config.redis.url,
        &config.redis.elasticache_replication_group_id,
        aws,
    ) {
        (Some(url), _, _) => (url.clone(), config.redis.mode),
        (None, Some(group), Some(aws)) => {
            let endpoint = whoosh_cache::discovery::discover(aws, group)
                .await
                .with_context(|| {
                    format!("cannot discover Redis from ELASTICACHE_REPLICATION_GROUP_ID={group}")
                })?;
            tracing::info!(url = %endpoint.url, mode = ?endpoint.mode, "discovered ElastiCache endpoint");
            (endpoint.url, endpoint.mode)
        }
        _ => anyhow::bail!("set REDIS_URL or ELASTICACHE_REPLICATION_GROUP_ID"),
    };
    let shown = redact_url(&url);
    let redis = Redis::connect_with(&url, mode, config.redis.command_timeout)
        .await
        .with_context(|| {
            format!("cannot reach Redis at {shown} ({mode:?}); start it or set REDIS_URL")
        })?;
    redis
        .ping()
        .await
        .with_context(|| format!("Redis at {shown} does not answer PING"))?;
    Ok((redis, url))
}

/// A URL with its password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            super::redact_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }
}
