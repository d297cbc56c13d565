//! Typed configuration, read once at start from the environment (and an optional `.env` file).
//! Every setting, its default and its meaning is listed in `.env.sample`; a test keeps the two in
//! step. A bad value stops the program at start with a message naming the setting.

use std::{
    collections::HashMap,
    fmt::{self, Display},
    net::SocketAddr,
    path::PathBuf,
    str::FromStr,
    time::Duration,
};
use whoosh_auth::SecretSource;
use whoosh_cache::{Rate, RedisMode};

/// Where the client address of a request comes from, for rate limits and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientIpSource {
    /// The socket peer. Under Lambda, where there is no socket, the rightmost `X-Forwarded-For`
    /// entry, which the ALB itself appends.
    Peer,
    /// The `n`-th `X-Forwarded-For` entry from the right: use when `n` trusted proxies (that
    /// append to the header) stand in front. Client-sent entries further left are ignored.
    ForwardedFor(u8),
}

impl FromStr for ClientIpSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            None if s == "peer" => Ok(Self::Peer),
            Some(("x-forwarded-for", n)) => match n.parse::<u8>() {
                Ok(n) if n >= 1 => Ok(Self::ForwardedFor(n)),
                _ => Err("the number of trusted proxies must be 1–255".into()),
            },
            _ => Err("expected `peer` or `x-forwarded-for:<trusted proxies>`".into()),
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (CloudWatch, production).
    Json,
    /// Human-readable, for a terminal.
    Pretty,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Self::Json),
            "pretty" => Ok(Self::Pretty),
            _ => Err("expected `json` or `pretty`".into()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: String,
    pub pool: whoosh_store::PoolSettings,
}

#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// `None` when the endpoint is to be discovered from ElastiCache.
    pub url: Option<String>,
    pub mode: RedisMode,
    pub key_prefix: String,
    pub elasticache_replication_group_id: Option<String>,
    /// How long one Redis command may take before it fails and callers fall back.
    pub command_timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub bind: SocketAddr,
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    /// Time a connection has to deliver a request's headers (WebSocket upgrades included).
    pub header_timeout: Duration,
    /// Time a connection may leave bytes unread before it is dropped (a stuck client).
    pub write_stall_timeout: Duration,
    pub client_ip: ClientIpSource,
    /// Requests per client (user when authenticated, else address) across the whole API.
    pub rate_limit: Rate,
    /// Browser origins allowed to open edge sockets (checked against `Origin` on upgrade).
    pub allowed_origins: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub keys_source: SecretSource,
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub join_token_ttl: Duration,
    /// Lifetime of an operator-console token (there is no refresh: staff sign in again).
    pub admin_token_ttl: Duration,
    pub login_rate_per_account: Rate,
    pub login_rate_per_ip: Rate,
    pub register_rate_per_ip: Rate,
    /// Password hashes allowed to run at once (each holds ~19 MiB).
    pub hash_concurrency: usize,
    /// Where the HMAC key of action tokens comes from (loaded on first use).
    pub action_key_source: SecretSource,
    /// How long an action token may wait before its score is submitted.
    pub action_token_ttl: Duration,
}

#[derive(Debug, Clone)]
pub struct LeaderboardConfig {
    /// Entries in the live top-N views and the drift check.
    pub top_n: u32,
    /// How often the local stack runs the drift check (on AWS a schedule calls the endpoint).
    pub drift_check_interval: Duration,
}

/// The edge game node: who it is, where players reach it, and the limits of its sockets and games.
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// This node's id in the registry (on EKS the pod name).
    pub node_id: String,
    /// Where players reach this node (`ws://` or `wss://` origin, no path).
    pub public_url: String,
    /// Where other edge nodes reach this one, to forward sockets to a lobby's owner (on EKS the
    /// pod address).
    pub internal_url: String,
    pub region: String,
    /// Players this node takes at most (the matchmaker places lobbies within it).
    pub capacity: u32,
    /// Open WebSockets at most; beyond it upgrades are refused with 503.
    pub max_connections: usize,
    /// Open WebSockets per client address at most; beyond it upgrades are refused with 429.
    pub max_connections_per_ip: u32,
    /// Largest message a client may send; larger closes the socket with 1009.
    pub max_message_bytes: usize,
    /// Messages a client may send per period; more closes the socket with 1008.
    pub message_rate: Rate,
    /// Messages queued for one socket at most; a socket further behind is dropped.
    pub outbound_queue: usize,
    /// A socket silent this long (no frame, no pong) is closed.
    pub idle_timeout: Duration,
    /// How long a dropped player keeps the seat.
    pub reconnect_grace: Duration,
    /// One game second (1 s in play; tests and demos run faster).
    pub tick: Duration,
    /// Forces every game's round length (seconds); for tests and demos only.
    pub round_secs_override: Option<u32>,
    /// A matched lobby starts when every member is in, or after this wait with at least three.
    pub quick_start_wait: Duration,
    /// Registry heartbeat TTL (heartbeats go out every third of it).
    pub heartbeat_ttl: Duration,
    /// A lobby owner's lease, renewed with every snapshot (each tick); once it lapses another
    /// node may take the lobby over from its snapshot.
    pub lease_ttl: Duration,
    /// On SIGTERM, games that can finish within this time finish here; the others are handed
    /// over at once. The process exits when every lobby has ended or moved, or at this deadline.
    pub drain_timeout: Duration,
    /// Where results wait when neither PostgreSQL nor Redis takes them.
    pub outbox_dir: PathBuf,
}

/// Matchmaking, parties and private lobbies.
#[derive(Debug, Clone)]
pub struct MatchmakingConfig {
    /// How long a ticket searches before it expires; a matched ticket answers its match as long.
    pub ticket_ttl: Duration,
    /// Half-width of the rating window of a new ticket, the width it grows to, and how long that
    /// takes (linearly).
    pub window_start: u32,
    pub window_max: u32,
    pub window_widen_over: Duration,
    /// Players a matched lobby is filled toward (3–10).
    pub target_size: u8,
    /// A group below the target (but of at least 3) starts once its oldest ticket waited this long.
    pub min_start_wait: Duration,
    /// Round length of matched lobbies.
    pub round: Duration,
    /// Period of the matcher loop.
    pub interval: Duration,
    /// Join-by-code attempts (lobbies and parties) per user and per client address.
    pub lobby_join_rate: Rate,
    pub lobby_join_rate_per_ip: Rate,
    /// The region of tickets and lobbies that name none.
    pub default_region: String,
    /// Every region served (edge nodes register under these names).
    pub regions: Vec<String>,
    /// How long a lobby's directory record (and a party) lives without being touched.
    pub lobby_ttl: Duration,
}

impl MatchmakingConfig {
    /// The grouping rules of the matcher.
    pub fn rules(&self) -> whoosh_core::matchmaking::MatchRules {
        whoosh_core::matchmaking::MatchRules {
            window_start: self.window_start,
            window_max: self.window_max,
            widen_over_ms: self.window_widen_over.as_millis() as u64,
            target_players: self.target_size,
            min_start_wait_ms: self.min_start_wait.as_millis() as u64,
        }
    }
}

/// A region name: 1–32 characters of `a–z 0–9 -`.
fn valid_region(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn load_matchmaking(env: &mut Env) -> MatchmakingConfig {
    use whoosh_core::matchmaking::{MAX_LOBBY_PLAYERS, MIN_LOBBY_PLAYERS};
    let config = MatchmakingConfig {
        ticket_ttl: env.get("MATCHMAKING_TICKET_TTL", secs(120)).0,
        window_start: env.get("MATCHMAKING_WINDOW_START", 100),
        window_max: env.get("MATCHMAKING_WINDOW_MAX", 400),
        window_widen_over: env.get("MATCHMAKING_WINDOW_WIDEN_OVER", secs(30)).0,
        target_size: env.get("MATCHMAKING_TARGET_SIZE", 6),
        min_start_wait: env.get("MATCHMAKING_MIN_START_WAIT", secs(10)).0,
        round: env.get("MATCHMAKING_ROUND", secs(180)).0,
        interval: env
            .get(
                "MATCHMAKING_INTERVAL",
                HumanDuration(Duration::from_millis(500)),
            )
            .0,
        lobby_join_rate: env.get("LOBBY_JOIN_RATE", rate(10, 60)).0,
        lobby_join_rate_per_ip: env.get("LOBBY_JOIN_RATE_PER_IP", rate(30, 60)).0,
        default_region: env.get("DEFAULT_REGION", "local".to_owned()),
        regions: env
            .get("MATCHMAKING_REGIONS", "local".to_owned())
            .split(',')
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect(),
        lobby_ttl: env.get("LOBBY_TTL", secs(7200)).0,
    };
    let mut problem = |p: String| env.problems.push(p);
    for (name, value) in [
        ("MATCHMAKING_TICKET_TTL", config.ticket_ttl),
        ("MATCHMAKING_INTERVAL", config.interval),
        ("LOBBY_TTL", config.lobby_ttl),
    ] {
        if value.is_zero() {
            problem(format!("{name}: must be greater than zero"));
        }
    }
    if config.window_max < config.window_start {
        problem(format!(
            "MATCHMAKING_WINDOW_MAX={}: must be at least MATCHMAKING_WINDOW_START={}",
            config.window_max, config.window_start
        ));
    }
    if !(MIN_LOBBY_PLAYERS..=MAX_LOBBY_PLAYERS).contains(&config.target_size) {
        problem(format!(
            "MATCHMAKING_TARGET_SIZE={}: must be {MIN_LOBBY_PLAYERS}–{MAX_LOBBY_PLAYERS}",
            config.target_size
        ));
    }
    if !(60..=600).contains(&config.round.as_secs()) || config.round.subsec_nanos() != 0 {
        problem(format!(
            "MATCHMAKING_ROUND={:?}: must be whole seconds from 60s to 600s",
            config.round
        ));
    }
    if config.regions.is_empty() || !config.regions.iter().all(|r| valid_region(r)) {
        problem(format!(
            "MATCHMAKING_REGIONS={:?}: a comma-separated list of names of a–z, 0–9 and -",
            config.regions.join(",")
        ));
    }
    if !config.regions.contains(&config.default_region) {
        problem(format!(
            "DEFAULT_REGION={}: must be one of MATCHMAKING_REGIONS ({})",
            config.default_region,
            config.regions.join(",")
        ));
    }
    config
}

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

fn load_telegram(env: &mut Env) -> (TelegramConfig, NotifierConfig) {
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
    positive(env, "NOTIFIER_BATCH", notifier.batch);
    positive(env, "NOTIFIER_MAX_ATTEMPTS", notifier.max_attempts);
    for (name, value) in [
        ("NOTIFIER_INTERVAL", notifier.interval),
        ("NOTIFIER_SEND_TIMEOUT", notifier.send_timeout),
        ("TELEGRAM_LINK_CODE_TTL", telegram.link_code_ttl),
    ] {
        if value.is_zero() {
            env.problems
                .push(format!("{name}: must be greater than zero"));
        }
    }
    if notifier.lease <= notifier.send_timeout * 2 {
        env.problems.push(format!(
            "NOTIFIER_LEASE={:?}: must be more than twice NOTIFIER_SEND_TIMEOUT={:?}",
            notifier.lease, notifier.send_timeout
        ));
    }
    if !telegram.api_base.starts_with("http://") && !telegram.api_base.starts_with("https://") {
        env.problems.push(format!(
            "TELEGRAM_API_BASE={}: must be an http(s) URL",
            telegram.api_base
        ));
    }
    (telegram, notifier)
}

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

/// A `tracing` filter directive, checked at start.
#[derive(Debug, Clone)]
struct LogFilter(String);

impl FromStr for LogFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        tracing_subscriber::EnvFilter::try_new(s)
            .map(|_| Self(s.to_owned()))
            .map_err(|e| e.to_string())
    }
}

/// A duration written as `<number><unit>` with unit `ms`, `s`, `m`, `h` or `d`.
#[derive(Debug, Clone, Copy)]
struct HumanDuration(Duration);

impl FromStr for HumanDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let n: u64 = num.parse().map_err(|_| {
            format!("expected a duration like 500ms, 10s, 5m, 2h or 30d, got {s:?}")
        })?;
        let secs = |k: u64| Duration::from_secs(n.saturating_mul(k));
        Ok(Self(match unit {
            "ms" => Duration::from_millis(n),
            "s" => secs(1),
            "m" => secs(60),
            "h" => secs(3600),
            "d" => secs(86_400),
            _ => return Err(format!("unknown unit in {s:?}; use ms, s, m, h or d")),
        }))
    }
}

/// A rate written as `<limit>/<period>`, e.g. `20/10m`.
#[derive(Debug, Clone, Copy)]
struct HumanRate(Rate);

impl FromStr for HumanRate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (limit, period) = s
            .split_once('/')
            .ok_or_else(|| format!("expected <limit>/<period> like 20/10m, got {s:?}"))?;
        let limit: u32 = limit.parse().map_err(|_| format!("bad limit in {s:?}"))?;
        if limit == 0 {
            return Err("the limit must be at least 1".into());
        }
        let HumanDuration(period) = period.parse()?;
        if period.is_zero() {
            return Err("the period must be positive".into());
        }
        Ok(Self(Rate::new(limit, period)))
    }
}

fn secs(n: u64) -> HumanDuration {
    HumanDuration(Duration::from_secs(n))
}

fn rate(limit: u32, period_secs: u64) -> HumanRate {
    HumanRate(Rate::new(limit, Duration::from_secs(period_secs)))
}

/// Reads settings from a map of variables, remembering every problem and every name asked for.
#[derive(Debug)]
pub struct Env {
    vars: HashMap<String, String>,
    problems: Vec<String>,
    asked: Vec<&'static str>,
}

impl Env {
    pub fn new(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            vars: vars.into_iter().collect(),
            problems: Vec::new(),
            asked: Vec::new(),
        }
    }

    /// The process environment, after loading `.env` from the working directory if present
    /// (variables already set win over the file).
    pub fn from_process() -> Self {
        let _ = dotenvy::dotenv();
        Self::new(std::env::vars())
    }

    /// Every setting name read so far.
    pub fn asked(&self) -> &[&'static str] {
        &self.asked
    }

    fn raw(&mut self, name: &'static str) -> Option<String> {
        self.asked.push(name);
        self.vars
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn optional<T: FromStr>(&mut self, name: &'static str) -> Option<T>
    where
        T::Err: Display,
    {
        let raw = self.raw(name)?;
        match raw.parse() {
            Ok(v) => Some(v),
            Err(e) => {
                self.problems.push(format!("{name}={raw:?}: {e}"));
                None
            }
        }
    }

    fn get<T: FromStr>(&mut self, name: &'static str, default: T) -> T
    where
        T::Err: Display,
    {
        self.optional(name).unwrap_or(default)
    }
}

fn positive<T: PartialOrd + Default + Display + Copy>(
    env: &mut Env,
    name: &'static str,
    value: T,
) -> T {
    if value <= T::default() {
        env.problems
            .push(format!("{name}={value}: must be greater than zero"));
    }
    value
}

impl Config {
    /// Reads the configuration of this process. Call once, at start.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::load(&mut Env::from_process())
    }

    /// Reads the configuration from `env`; every problem is reported at once.
    pub fn load(env: &mut Env) -> Result<Self, ConfigError> {
        let pool = whoosh_store::PoolSettings {
            max_connections: env.get("DATABASE_MAX_CONNECTIONS", 10),
            min_connections: env.get("DATABASE_MIN_CONNECTIONS", 0),
            acquire_timeout: env.get("DATABASE_ACQUIRE_TIMEOUT", secs(3)).0,
            statement_timeout: env.get("DATABASE_STATEMENT_TIMEOUT", secs(10)).0,
        };
        positive(env, "DATABASE_MAX_CONNECTIONS", pool.max_connections);
        let database = DatabaseConfig {
            url: env.get(
                "DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/whoosh".to_owned(),
            ),
            pool,
        };
        let elasticache_replication_group_id = env.optional("ELASTICACHE_REPLICATION_GROUP_ID");
        let redis_url: Option<String> = env.optional("REDIS_URL");
        let redis = RedisConfig {
            url: match (&redis_url, &elasticache_replication_group_id) {
                (None, None) => Some("redis://127.0.0.1:6379".to_owned()),
                (url, _) => url.clone(),
            },
            mode: if env.get("REDIS_CLUSTER", false) {
                RedisMode::Cluster
            } else {
                RedisMode::Single
            },
            key_prefix: env.get("REDIS_KEY_PREFIX", "whoosh:".to_owned()),
            elasticache_replication_group_id,
            command_timeout: env
                .get(
                    "REDIS_COMMAND_TIMEOUT",
                    HumanDuration(whoosh_cache::client::COMMAND_TIMEOUT),
                )
                .0,
        };
        if redis.command_timeout.is_zero() {
            env.problems
                .push("REDIS_COMMAND_TIMEOUT=0: must be greater than zero".to_owned());
        }
        let http = HttpConfig {
            bind: env.get("WHOOSH_BIND", SocketAddr::from(([127, 0, 0, 1], 8080))),
            body_limit_bytes: env.get("HTTP_BODY_LIMIT_BYTES", 65_536),
            request_timeout: env.get("HTTP_REQUEST_TIMEOUT", secs(15)).0,
            header_timeout: env.get("HTTP_HEADER_TIMEOUT", secs(10)).0,
            write_stall_timeout: env.get("HTTP_WRITE_STALL_TIMEOUT", secs(30)).0,
            client_ip: env.get("CLIENT_IP_SOURCE", ClientIpSource::Peer),
            rate_limit: env.get("RATE_LIMIT_PER_CLIENT", rate(600, 60)).0,
            allowed_origins: env
                .get(
                    "ALLOWED_ORIGINS",
                    "http://localhost:8080,http://127.0.0.1:8080".to_owned(),
                )
                .split(',')
                .map(|s| s.trim().trim_end_matches('/').to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
        };
        positive(env, "HTTP_BODY_LIMIT_BYTES", http.body_limit_bytes);
        let auth = AuthConfig {
            keys_source: env.get(
                "AUTH_KEYS_SOURCE",
                SecretSource::File(".whoosh/keys.json".into()),
            ),
            issuer: env.get("JWT_ISSUER", "whoosh".to_owned()),
            audience: env.get("JWT_AUDIENCE", "whoosh-players".to_owned()),
            access_token_ttl: env.get("ACCESS_TOKEN_TTL", secs(15 * 60)).0,
            refresh_token_ttl: env.get("REFRESH_TOKEN_TTL", secs(30 * 86_400)).0,
            join_token_ttl: env.get("JOIN_TOKEN_TTL", secs(120)).0,
            admin_token_ttl: env.get("ADMIN_TOKEN_TTL", secs(15 * 60)).0,
            login_rate_per_account: env.get("LOGIN_RATE_PER_ACCOUNT", rate(5, 600)).0,
            login_rate_per_ip: env.get("LOGIN_RATE_PER_IP", rate(20, 600)).0,
            register_rate_per_ip: env.get("REGISTER_RATE_PER_IP", rate(20, 3600)).0,
            hash_concurrency: env.get("PASSWORD_HASH_CONCURRENCY", 0),
            action_key_source: env.get(
                "ACTION_KEY_SOURCE",
                SecretSource::File(".whoosh/action.key".into()),
            ),
            action_token_ttl: env.get("ACTION_TOKEN_TTL", secs(600)).0,
        };
        let leaderboards = LeaderboardConfig {
            top_n: env.get("LEADERBOARD_TOP_N", 100),
            drift_check_interval: env.get("DRIFT_CHECK_INTERVAL", secs(300)).0,
        };
        positive(env, "LEADERBOARD_TOP_N", leaderboards.top_n);
        let public_url = env
            .get("WHOOSH_PUBLIC_URL", "http://localhost:8080".to_owned())
            .trim_end_matches('/')
            .to_owned();
        let edge_public_url = env
            .get("EDGE_PUBLIC_URL", public_url.replacen("http", "ws", 1))
            .trim_end_matches('/')
            .to_owned();
        let edge = EdgeConfig {
            internal_url: env
                .get("EDGE_INTERNAL_URL", edge_public_url.clone())
                .trim_end_matches('/')
                .to_owned(),
            lease_ttl: env.get("EDGE_LEASE_TTL", secs(5)).0,
            drain_timeout: env.get("EDGE_DRAIN_TIMEOUT", secs(60)).0,
            node_id: env.get(
                "EDGE_NODE_ID",
                format!("edge-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
            ),
            public_url: edge_public_url,
            region: env.get("EDGE_REGION", "local".to_owned()),
            capacity: env.get("EDGE_CAPACITY", 5_000),
            max_connections: env.get("EDGE_MAX_CONNECTIONS", 10_000),
            max_connections_per_ip: env.get("EDGE_MAX_CONNECTIONS_PER_IP", 32),
            max_message_bytes: env.get("EDGE_MAX_MESSAGE_BYTES", 4_096),
            message_rate: env.get("EDGE_MESSAGE_RATE", rate(20, 1)).0,
            outbound_queue: env.get("EDGE_OUTBOUND_QUEUE", 64),
            idle_timeout: env.get("EDGE_IDLE_TIMEOUT", secs(60)).0,
            reconnect_grace: env.get("EDGE_RECONNECT_GRACE", secs(30)).0,
            tick: env.get("EDGE_TICK", secs(1)).0,
            round_secs_override: env.optional("EDGE_ROUND_SECS_OVERRIDE"),
            quick_start_wait: env.get("EDGE_QUICK_START_WAIT", secs(20)).0,
            heartbeat_ttl: env.get("EDGE_HEARTBEAT_TTL", secs(15)).0,
            outbox_dir: env.get("EDGE_OUTBOX_DIR", PathBuf::from(".whoosh/outbox")),
        };
        positive(env, "EDGE_CAPACITY", edge.capacity);
        positive(env, "EDGE_MAX_CONNECTIONS", edge.max_connections);
        positive(
            env,
            "EDGE_MAX_CONNECTIONS_PER_IP",
            edge.max_connections_per_ip,
        );
        positive(env, "EDGE_MAX_MESSAGE_BYTES", edge.max_message_bytes);
        positive(env, "EDGE_OUTBOUND_QUEUE", edge.outbound_queue);
        let (telegram, notifier) = load_telegram(env);
        let config = Config {
            database,
            redis,
            http,
            auth,
            leaderboards,
            edge,
            log_format: env.get("LOG_FORMAT", LogFormat::Json),
            log_filter: env.get("LOG_LEVEL", LogFilter("info".to_owned())).0,
            public_url,
            web_dir: env.get("WHOOSH_WEB_DIR", PathBuf::from("web")),
            matchmaking: load_matchmaking(env),
            metrics: crate::emf::MetricsConfig {
                sink: env.get("METRICS_EMF", crate::emf::Sink::Auto),
                namespace: env.get("METRICS_NAMESPACE", "Whoosh/local".to_owned()),
                log_group: env.optional("METRICS_LOG_GROUP"),
            },
            telegram,
            notifier,
        };
        if env.problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError(std::mem::take(&mut env.problems)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn durations_and_rates_parse() {
        assert_eq!(
            "250ms".parse::<HumanDuration>().map(|d| d.0).ok(),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            "30d".parse::<HumanDuration>().map(|d| d.0).ok(),
            Some(Duration::from_secs(30 * 86_400))
        );
        assert!("10 s".parse::<HumanDuration>().is_err());
        assert!("0/1m".parse::<HumanRate>().is_err());
        assert!("5/0s".parse::<HumanRate>().is_err());
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
        let sample = include_str!("../../../.env.sample");
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
