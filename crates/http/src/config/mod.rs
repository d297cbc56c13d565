//! Typed configuration, read once at start from the environment (and an optional `.env` file).
//! Every setting, its default and its meaning is listed in `.env.sample`; a test keeps the two in
//! step. A bad value stops the program at start with a message naming the setting.
//!
//! One module per section reads that section's settings; [`Config::load`] reads them all and
//! reports every problem at once.

mod auth;
mod database;
mod edge;
mod env;
mod http;
mod leaderboards;
mod logging;
mod matchmaking;
mod metrics;
mod redis;
mod telegram;

pub use self::{
    auth::AuthConfig,
    database::DatabaseConfig,
    edge::EdgeConfig,
    env::{Env, LocalDir},
    http::{ClientIpSource, HttpConfig},
    leaderboards::LeaderboardConfig,
    logging::LogFormat,
    matchmaking::MatchmakingConfig,
    redis::RedisConfig,
    telegram::{NotifierConfig, TelegramConfig},
};
use std::{
    fmt::{self, Display},
    path::PathBuf,
};

/// Everything a Whoosh process needs to know, typed.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub http: HttpConfig,
    pub auth: AuthConfig,
    pub leaderboards: LeaderboardConfig,
    pub edge: EdgeConfig,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// The URL players open (printed by `whoosh dev`; used in links and edge URLs).
    pub public_url: String,
    /// Static files of the web client served by the local stack.
    pub web_dir: PathBuf,
    pub matchmaking: MatchmakingConfig,
    /// Where metrics go as Embedded Metric Format lines (`crate::emf`).
    pub metrics: crate::emf::MetricsConfig,
    pub telegram: TelegramConfig,
    pub notifier: NotifierConfig,
}

/// Every setting that was bad or missing, each naming the setting.
#[derive(Debug)]
pub struct ConfigError(pub Vec<String>);

impl Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "invalid configuration (see .env.sample for every setting):"
        )?;
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the configuration of this process. Call once, at start.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::load(&mut Env::from_process())
    }

    /// Reads the configuration from `env`; every problem is reported at once.
    pub fn load(env: &mut Env) -> Result<Self, ConfigError> {
        let database = DatabaseConfig::load(env);
        let redis = RedisConfig::load(env);
        let http = HttpConfig::load(env);
        let auth = AuthConfig::load(env);
        let leaderboards = LeaderboardConfig::load(env);
        let public_url = env
            .get("WHOOSH_PUBLIC_URL", "http://localhost:8080".to_owned())
            .trim_end_matches('/')
            .to_owned();
        let edge = EdgeConfig::load(env, &public_url);
        let (telegram, notifier) = telegram::load(env);
        let (log_format, log_filter) = logging::load(env);
        let config = Config {
            database,
            redis,
            http,
            auth,
            leaderboards,
            edge,
            log_format,
            log_filter,
            public_url,
            web_dir: env.get("WHOOSH_WEB_DIR", PathBuf::from("web")),
            matchmaking: MatchmakingConfig::load(env),
            metrics: metrics::load(env),
            telegram,
            notifier,
        };
        let problems = env.take_problems();
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError(problems))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use whoosh_cache::Rate;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::load(&mut Env::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        ))
    }

    #[test]
    fn defaults_are_valid() {
        let config = load(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            config.auth.login_rate_per_account,
            Rate::new(5, Duration::from_secs(600))
        );
        assert_eq!(config.redis.url.as_deref(), Some("redis://127.0.0.1:6379"));
        assert_eq!(config.http.client_ip, ClientIpSource::Peer);
    }

    #[test]
    fn every_bad_setting_is_named() {
        let err = load(&[
            ("DATABASE_ACQUIRE_TIMEOUT", "soon"),
            ("RATE_LIMIT_PER_CLIENT", "lots"),
            ("CLIENT_IP_SOURCE", "x-forwarded-for:0"),
            ("WHOOSH_BIND", "nowhere"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("AUTH_KEYS_SOURCE", "vault:jwt"),
            ("LOG_LEVEL", "info,[=broken"),
            ("REDIS_COMMAND_TIMEOUT", "0ms"),
            ("EDGE_OUTBOX_DIR", "s3://whoosh-outbox/"),
            ("EDGE_TICK_HZ", "31"),
        ])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        for name in [
            "DATABASE_ACQUIRE_TIMEOUT",
            "RATE_LIMIT_PER_CLIENT",
            "CLIENT_IP_SOURCE",
            "WHOOSH_BIND",
            "DATABASE_MAX_CONNECTIONS",
            "AUTH_KEYS_SOURCE",
            "LOG_LEVEL",
            "REDIS_COMMAND_TIMEOUT",
            "EDGE_OUTBOX_DIR",
            "EDGE_TICK_HZ",
        ] {
            assert!(err.contains(name), "{name} missing from: {err}");
        }
    }

    #[test]
    fn redis_url_is_left_to_discovery_only_when_a_replication_group_is_named() {
        let discovered = load(&[("ELASTICACHE_REPLICATION_GROUP_ID", "whoosh-prod")]).ok();
        assert_eq!(discovered.map(|c| c.redis.url), Some(None));
        let explicit = load(&[
            ("ELASTICACHE_REPLICATION_GROUP_ID", "g"),
            ("REDIS_URL", "rediss://h:6379"),
        ])
        .ok();
        assert_eq!(
            explicit.and_then(|c| c.redis.url).as_deref(),
            Some("rediss://h:6379")
        );
    }

    #[test]
    fn matchmaking_settings_are_checked() {
        let config = load(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.matchmaking.rules().window(15_000), 250);
        assert_eq!(config.matchmaking.default_region, "local");
        let err = load(&[
            ("MATCHMAKING_TARGET_SIZE", "11"),
            ("MATCHMAKING_WINDOW_MAX", "50"),
            ("MATCHMAKING_ROUND", "30s"),
            ("DEFAULT_REGION", "mars"),
        ])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        for name in [
            "MATCHMAKING_TARGET_SIZE",
            "MATCHMAKING_WINDOW_MAX",
            "MATCHMAKING_ROUND",
            "DEFAULT_REGION",
        ] {
            assert!(err.contains(name), "{name} missing from: {err}");
        }
    }

    #[test]
    fn env_sample_lists_every_setting() {
        let sample = include_str!("../../../../.env.sample");
        let mut env = Env::new(std::iter::empty());
        let _ = Config::load(&mut env);
        for name in env.asked() {
            assert!(
                sample
                    .lines()
                    .any(|l| l.trim_start_matches("# ").starts_with(&format!("{name}="))),
                ".env.sample does not list {name}"
            );
        }
    }
}
