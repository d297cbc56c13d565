//! `whoosh`: the operator CLI.
//!
//! - `whoosh dev`: the whole platform in one process — every Lambda router under `/api` at the
//!   paths the ALB routes to it, the edge, and the web client — and the URL to open.
//! - `whoosh matchmaker`: the matcher loop alone (with health endpoints), for the small
//!   Deployment that forms matches on EKS (edge/k8s/matchmaker.yaml).
//! - `whoosh notifier`: drains the notification queue to Telegram (edge/k8s/notifier.yaml).
//! - `whoosh analytics export|report`: product events as hourly NDJSON files; DAU, matches per
//!   player and purchase conversion for a range of days.
//! - `whoosh migrate`: applies the database migrations.
//! - `whoosh keys generate|rotate|retire|show`: manages the RS256 signing keyring at
//!   `AUTH_KEYS_SOURCE` (a file or a Secrets Manager secret).
//! - `whoosh config check`: validates the configuration and prints it (passwords redacted).

mod demo;

use anyhow::Context;
use axum::{
    Router,
    extract::Request,
    response::{IntoResponse, Response},
};
use clap::{Parser, Subcommand};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};
use whoosh_auth::{Keyring, SecretError, keyring::StoredKeyring};
use whoosh_http::{ApiError, AppState, Config, state::redact_url};

#[derive(Debug, Parser)]
#[command(
    name = "whoosh",
    version,
    about = "Operate a Whoosh deployment or run it whole on one machine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole platform locally (API, edge, web client) and print the URL to open.
    Dev,
    /// Run the matcher loop (every MATCHMAKING_INTERVAL) and serve /healthz and /readyz on
    /// WHOOSH_BIND; several may run at once.
    Matchmaker,
    /// Deliver queued notifications (match found, battle invitation, passed on a leaderboard) to
    /// players' linked Telegram chats until SIGTERM; serves /healthz and /readyz on WHOOSH_BIND.
    /// Needs TELEGRAM_BOT_TOKEN_SOURCE; several may run at once.
    Notifier,
    /// Product analytics: export events as NDJSON files, or print a report.
    Analytics {
        #[command(subcommand)]
        command: AnalyticsCommand,
    },
    /// Apply every pending database migration to DATABASE_URL.
    Migrate,
    /// Manage the RS256 signing keyring at AUTH_KEYS_SOURCE.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Leaderboard index maintenance.
    Leaderboards {
        #[command(subcommand)]
        command: LeaderboardsCommand,
    },
    /// Configuration commands.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Player accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Demo data for a fresh stack.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// The game-result outbox (results that waited for PostgreSQL).
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// Staff accounts of the operator console (`/console`).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a staff account (e.g. the first one), reading its password (8–128 characters)
    /// from the first line of stdin: `printf '%s\n' "$PASSWORD" | whoosh admin create alice`.
    /// Recorded in the audit log as done on the command line.
    Create {
        /// 3–24 characters of `a–z A–Z 0–9 _ - .`; unique regardless of case.
        username: String,
        /// viewer (reads), support (also coins, sessions, bans) or admin (also leaderboards).
        #[arg(long, default_value = "admin")]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
enum AnalyticsCommand {
    /// Write every settled UTC hour of events (ended over 5 minutes ago) after the watermark to
    /// <OUT>/YYYY-MM-DD/HH.ndjson, one JSON event per line; <OUT>/_watermark remembers where it
    /// stopped, so a re-run writes nothing twice.
    Export {
        /// Where to write: a folder, or s3://<bucket>/<prefix> (AWS credentials and region from
        /// the environment, as every AWS tool reads them).
        #[arg(long, env = "ANALYTICS_OUT")]
        out: String,
        /// Start here (YYYY-MM-DD or RFC 3339) when there is no watermark, or when it is later.
        #[arg(long, value_parser = whoosh::analytics::parse_since)]
        since: Option<time::OffsetDateTime>,
    },
    /// Print daily active users, matches per player and purchase conversion for a range of UTC
    /// days (both ends included).
    Report {
        /// First day, YYYY-MM-DD.
        #[arg(long, value_parser = whoosh::analytics::parse_day)]
        from: time::Date,
        /// Last day, YYYY-MM-DD.
        #[arg(long, value_parser = whoosh::analytics::parse_day)]
        to: time::Date,
    },
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Delete an account for good (e.g. a data-erasure request): sessions ended, live sockets
    /// closed, rows removed, audit rows anonymised, leaderboard entries removed.
    Delete {
        /// The account's user id.
        user_id: uuid::Uuid,
    },
}

#[derive(Debug, Subcommand)]
enum DemoCommand {
    /// Create demo players, finished matches (played by the real rules) and arcade scores, so
    /// profiles, match history and leaderboards have something to show. Idempotent per --seed.
    Seed {
        /// Demo players to create.
        #[arg(long, default_value_t = 40)]
        players: usize,
        /// Matches to play among them.
        #[arg(long, default_value_t = 60)]
        matches: usize,
        /// Seed of the demo world (same seed, same players and matches).
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
enum OutboxCommand {
    /// Write every waiting game result to PostgreSQL now (each exactly once) and report what is
    /// left: the Redis stream, and the files in EDGE_OUTBOX_DIR of this machine.
    Drain,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a keyring with one key, unless one exists.
    Generate,
    /// Add a new key. It verifies at once and signs after --activate-in, giving every service
    /// time to load it first; older keys keep verifying until retired.
    Rotate {
        /// Seconds until the new key starts signing.
        #[arg(long, default_value_t = 3600)]
        activate_in: i64,
    },
    /// Stop a key from verifying (once every token it signed has expired).
    Retire { kid: String },
    /// List the keys (never the private halves).
    Show,
    /// Mint a service token for a trusted game service (e.g. the edge, a game server).
    ServiceToken {
        /// The service's name (the token's subject; grants and actions record it).
        name: String,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 86_400)]
        ttl: u64,
    },
}

#[derive(Debug, Subcommand)]
enum LeaderboardsCommand {
    /// Rebuild the Redis index of one board (or every board) from PostgreSQL.
    Rebuild {
        /// The board; every active board when omitted.
        board: Option<String>,
    },
    /// Compare the top N of every board in Redis with PostgreSQL and repair any drift (what the
    /// schedule runs on AWS). Also `whoosh leaderboards check`.
    #[command(alias = "check")]
    DriftCheck,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate the configuration from the environment (and .env) and print it.
    Check,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    whoosh_http::telemetry::init(config.log_format, &config.log_filter);
    whoosh_http::emf::init(&config.metrics, "whoosh");
    match cli.command {
        Command::Dev => dev(config).await,
        Command::Matchmaker => matchmaker(config).await,
        Command::Notifier => notifier(config).await,
        Command::Analytics { command } => analytics(&config, command).await,
        Command::Migrate => migrate(&config).await,
        Command::Keys { command } => keys(&config, command).await,
        Command::Leaderboards { command } => leaderboards(config, command).await,
        Command::Users {
            command: UsersCommand::Delete { user_id },
        } => {
            let state = AppState::connect(config).await?;
            let deleted = whoosh_lambda_profiles::erase_account(&state, user_id.into())
                .await
                .map_err(|e| anyhow::anyhow!("deleting {user_id}: {e}"))?;
            anyhow::ensure!(deleted, "no account {user_id}");
            println!("deleted account {user_id}");
            Ok(())
        }
        Command::Demo {
            command:
                DemoCommand::Seed {
                    players,
                    matches,
                    seed,
                },
        } => {
            use std::io::IsTerminal;
            let state = AppState::connect(config).await?;
            let progress = std::io::stderr().is_terminal();
            let seeded = demo::seed(&state, players, matches, seed, progress).await?;
            println!(
                "demo seed {seed}: {} players, {} matches recorded ({} already there)",
                seeded.players, seeded.matches_recorded, seeded.matches_already_there
            );
            Ok(())
        }
        Command::Outbox {
            command: OutboxCommand::Drain,
        } => {
            let dir = config.edge.outbox_dir.clone();
            let state = AppState::connect(config).await?;
            let results = whoosh_edge::results::Results::new(state, dir);
            let mut left = results.drain().await;
            // Each pass takes a batch; go on while passes make progress.
            loop {
                let now = results.drain().await;
                if now == 0 || now >= left {
                    left = now;
                    break;
                }
                left = now;
            }
            println!("outbox drained; {left} result(s) still waiting");
            anyhow::ensure!(
                left == 0,
                "{left} result(s) could not be written yet (is PostgreSQL up?)"
            );
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Create { username, role },
        } => admin_create(&config, &username, &role).await,
        Command::Config {
            command: ConfigCommand::Check,
        } => {
            let mut shown = config.clone();
            shown.database.url = redact_url(&shown.database.url);
            shown.redis.url = shown.redis.url.as_deref().map(redact_url);
            println!("{shown:#?}");
            Ok(())
        }
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

async fn aws_for(config: &Config) -> Option<aws_config::SdkConfig> {
    if config.auth.keys_source.needs_aws() {
        Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
    } else {
        None
    }
}

/// The stored keyring, or `None` when the source holds nothing yet.
async fn read_keyring(
    config: &Config,
    aws: Option<&aws_config::SdkConfig>,
) -> anyhow::Result<Option<StoredKeyring>> {
    use secrecy::ExposeSecret;
    let source = &config.auth.keys_source;
    match source.load(aws).await {
        Ok(secret) => Ok(Some(
            serde_json::from_str(secret.expose_secret())
                .with_context(|| format!("AUTH_KEYS_SOURCE={source} does not hold a keyring"))?,
        )),
        Err(SecretError::File { source: e, .. }) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(None)
        }
        Err(SecretError::SecretsManager { message, .. })
            if message.contains("ResourceNotFound") =>
        {
            Ok(None)
        }
        Err(e) => Err(e).with_context(|| format!("reading AUTH_KEYS_SOURCE={source}")),
    }
}

async fn write_keyring(
    config: &Config,
    aws: Option<&aws_config::SdkConfig>,
    stored: &StoredKeyring,
) -> anyhow::Result<()> {
    // Refuse to write a keyring that would not load.
    Keyring::from_stored(stored, unix_now()).context("the resulting keyring would be unusable")?;
    let source = &config.auth.keys_source;
    source
        .store(aws, &stored.to_json())
        .await
        .with_context(|| format!("writing AUTH_KEYS_SOURCE={source}"))
}

/// Creates the keyring when missing; returns whether it did.
async fn ensure_keyring(config: &Config) -> anyhow::Result<bool> {
    let aws = aws_for(config).await;
    if read_keyring(config, aws.as_ref()).await?.is_some() {
        return Ok(false);
    }
    let (_, stored) = Keyring::generate(unix_now())?;
    write_keyring(config, aws.as_ref(), &stored).await?;
    Ok(true)
}

async fn keys(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    let source = &config.auth.keys_source;
    let aws = aws_for(config).await;
    match command {
        KeysCommand::Generate => {
            if ensure_keyring(config).await? {
                println!("created a keyring at {source}");
            } else {
                println!("{source} already holds a keyring; use `whoosh keys rotate` to add a key");
            }
        }
        KeysCommand::Rotate { activate_in } => {
            let mut stored = read_keyring(config, aws.as_ref())
                .await?
                .unwrap_or_default();
            let kid = stored.rotate(unix_now(), activate_in.max(0))?;
            write_keyring(config, aws.as_ref(), &stored).await?;
            println!(
                "added key {kid} to {source}; it signs in {activate_in} s. Restart or redeploy every service before then."
            );
        }
        KeysCommand::Retire { kid } => {
            let mut stored = read_keyring(config, aws.as_ref())
                .await?
                .unwrap_or_default();
            anyhow::ensure!(stored.retire(&kid), "no key {kid} at {source}");
            write_keyring(config, aws.as_ref(), &stored).await?;
            println!("retired {kid}; tokens it signed no longer verify");
        }
        KeysCommand::ServiceToken { name, ttl } => {
            let ring = Keyring::from_stored(
                &read_keyring(config, aws.as_ref())
                    .await?
                    .unwrap_or_default(),
                unix_now(),
            )?;
            let spec = whoosh_auth::TokenSpec {
                issuer: config.auth.issuer.clone(),
                audience: config.auth.audience.clone(),
            };
            let token = ring.mint(
                &spec,
                whoosh_auth::Grant::service(&name),
                unix_now(),
                std::time::Duration::from_secs(ttl),
            )?;
            println!("{token}");
        }
        KeysCommand::Show => {
            let stored = read_keyring(config, aws.as_ref())
                .await?
                .unwrap_or_default();
            let ring = Keyring::from_stored(&stored, unix_now()).ok();
            for key in &stored.keys {
                let signing = ring
                    .as_ref()
                    .is_some_and(|r| r.signing_kid_at(unix_now()) == key.kid);
                let state = if key.retired {
                    "retired"
                } else if signing {
                    "signing"
                } else {
                    "verifying"
                };
                println!(
                    "{}\t{state}\tcreated {}\tsigns from {}",
                    key.kid, key.created_at, key.signs_from
                );
            }
        }
    }
    Ok(())
}

async fn leaderboards(config: Config, command: LeaderboardsCommand) -> anyhow::Result<()> {
    let state = AppState::connect(config).await?;
    let boards: Vec<String> = match &command {
        LeaderboardsCommand::Rebuild { board: Some(board) } => {
            anyhow::ensure!(
                whoosh_store::leaderboards::board(&state.db, board)
                    .await?
                    .is_some(),
                "no active board {board}"
            );
            vec![board.clone()]
        }
        _ => whoosh_store::leaderboards::boards(&state.db)
            .await?
            .into_iter()
            .map(|b| b.id)
            .collect(),
    };
    for board in boards {
        let outcome = match command {
            LeaderboardsCommand::Rebuild { .. } => {
                whoosh_http::leaderboards::rebuild(&state, &board)
                    .await
                    .map(|n| format!("{board}: rebuilt with {n} entries"))
            }
            LeaderboardsCommand::DriftCheck => {
                whoosh_http::leaderboards::drift_check(&state, &board)
                    .await
                    .map(|n| format!("{board}: {n} position(s) differed"))
            }
        };
        println!("{}", outcome.map_err(|e| anyhow::anyhow!("{board}: {e}"))?);
    }
    // The drift metrics go to the CloudWatch agent from a background thread; let them leave.
    whoosh_http::emf::flush(std::time::Duration::from_secs(5));
    Ok(())
}

/// `whoosh admin create`: a staff account with its password from stdin, and its audit row.
async fn admin_create(config: &Config, username: &str, role: &str) -> anyhow::Result<()> {
    use whoosh_store::admin::{self, Actor, AdminError, Role};
    let username = whoosh_core::Username::parse(username)
        .map_err(|e| anyhow::anyhow!("username {username:?}: {e}"))?;
    let role = Role::parse(role)
        .with_context(|| format!("--role {role:?}: use viewer, support or admin"))?;
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let password = whoosh_core::Password::parse(line.trim_end_matches(['\r', '\n']))
        .map_err(|e| anyhow::anyhow!("the password on stdin: {e}"))?;
    let db = whoosh_http::state::connect_database(config).await?;
    let hasher = whoosh_auth::PasswordHasher::new(1).context("setting up password hashing")?;
    let hash = hasher
        .hash(&password)
        .await
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    match admin::create_admin(&db, &Actor::command_line(), &username, &hash, role).await {
        Ok(created) => {
            println!(
                "created {} staff account {} ({})",
                role.as_str(),
                created.username,
                created.id
            );
            Ok(())
        }
        Err(AdminError::UsernameTaken) => {
            anyhow::bail!("a staff account named {} exists already", username.as_str())
        }
        Err(AdminError::Db(e)) => Err(anyhow::Error::new(e)
            .context("creating the staff account (run `whoosh migrate` first?)")),
    }
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    if let Some(admin) = &config.database.admin_source {
        provision_roles(config, admin).await?;
    }
    let db = whoosh_http::state::connect_database(config).await?;
    whoosh_store::MIGRATOR
        .run(&db)
        .await
        .context("applying migrations")?;
    tracing::info!("migrations applied");
    Ok(())
}

/// Creates and grants the database roles as the administrator whose `{"username", "password"}`
/// is at `admin` (DATABASE_ADMIN_SOURCE, the RDS master secret in AWS), read now, so a rotated
/// password is simply the current one: the migration role is DATABASE_URL's user, the application
/// role DATABASE_APP_ROLE. The administrator logs in at DATABASE_URL's host and database.
async fn provision_roles(config: &Config, admin: &whoosh_auth::SecretSource) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    #[derive(serde::Deserialize)]
    struct Administrator {
        username: String,
        password: String,
    }
    let aws = if admin.needs_aws() {
        Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
    } else {
        None
    };
    let secret = admin.load(aws.as_ref()).await.with_context(|| {
        format!("cannot load the administrator from DATABASE_ADMIN_SOURCE={admin}")
    })?;
    let who: Administrator = serde_json::from_str(secret.expose_secret()).with_context(|| {
        format!("DATABASE_ADMIN_SOURCE={admin} must hold {{\"username\": ..., \"password\": ...}}")
    })?;
    let options = whoosh_store::connect_options(&config.database.url, &config.database.pool)
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    let roles = whoosh_store::roles::Roles {
        app: config.database.app_role.clone(),
        migration: options.get_username().to_owned(),
        iam: config.database.auth == whoosh_http::database::DatabaseAuth::Iam,
    };
    let pool = whoosh_store::pool_with(
        options.username(&who.username).password(&who.password),
        &config.database.pool,
    );
    let provisioned = whoosh_store::roles::provision(&pool, &roles)
        .await
        .with_context(|| {
            format!(
                "provisioning the roles {} and {} as {}",
                roles.app, roles.migration, who.username
            )
        });
    pool.close().await;
    provisioned?;
    tracing::info!(app = %roles.app, migration = %roles.migration, "database roles provisioned");
    Ok(())
}

/// The local stack generates its action-token HMAC key on first run (file sources only).
async fn ensure_dev_action_key(config: &Config) -> anyhow::Result<()> {
    let source = &config.auth.action_key_source;
    if let whoosh_auth::SecretSource::File(path) = source {
        if !path.exists() {
            let key = format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            );
            source
                .store(None, &key)
                .await
                .with_context(|| format!("writing ACTION_KEY_SOURCE={source}"))?;
            tracing::info!(%source, "generated the development action-token key");
        }
    }
    Ok(())
}

/// The local stack owns its database: create it on first run.
async fn create_database_if_missing(config: &Config) -> anyhow::Result<()> {
    use sqlx::migrate::MigrateDatabase;
    let url = &config.database.url;
    let exists = sqlx::Postgres::database_exists(url).await.with_context(|| {
        format!("cannot reach PostgreSQL at DATABASE_URL={}; start it or point DATABASE_URL at a running server", redact_url(url))
    })?;
    if !exists {
        sqlx::Postgres::create_database(url)
            .await
            .context("creating the database")?;
        tracing::info!(database = %redact_url(url), "created the database");
    }
    Ok(())
}

/// Where the local stack serves the browsable API reference, and its page in the web directory
/// (it renders `/api/openapi.json` in the browser, without external assets).
const API_DOCS_PATH: &str = "/api/docs";
const API_DOCS_PAGE: &str = "api-docs.html";

/// Every service's routes at the paths the ALB routes to it (DESIGN.md §3), and the whole API
/// document at `/api/openapi.json`.
fn platform_routes(state: &AppState) -> Router<AppState> {
    whoosh_lambda_auth::routes()
        .merge(whoosh_lambda_matchmaking::routes())
        .merge(whoosh_lambda_profiles::routes())
        .merge(whoosh_lambda_economy::routes())
        .merge(whoosh_lambda_admin::routes())
        .merge(whoosh_http::openapi::router(&whoosh::openapi::document()))
        .merge(whoosh_edge::start(state))
}

async fn dev(config: Config) -> anyhow::Result<()> {
    let bind = config.http.bind;
    let timeouts = whoosh_http::ConnTimeouts::from(&config.http);
    let public_url = config.public_url.clone();
    let web_dir = config.web_dir.clone();
    anyhow::ensure!(
        web_dir.join("index.html").is_file(),
        "WHOOSH_WEB_DIR={} has no index.html; run from the repository root",
        web_dir.display()
    );
    if ensure_keyring(&config).await? {
        tracing::info!(source = %config.auth.keys_source, "generated development signing keys");
    }
    ensure_dev_action_key(&config).await?;
    create_database_if_missing(&config).await?;
    let state = AppState::connect(config).await?;
    whoosh_store::MIGRATOR
        .run(&state.db)
        .await
        .context("applying migrations")?;
    tokio::spawn(drift_checks(state.clone()));
    tokio::spawn(whoosh_lambda_matchmaking::run_matcher(
        state.clone(),
        state.config.matchmaking.interval,
        whoosh_http::serve::shutting_down(),
    ));
    // Notifications wait in PostgreSQL until a bot token is configured; with one, they are sent
    // from here as from `whoosh notifier` on AWS.
    match state.config.telegram.bot_token_source.clone() {
        Some(source) => {
            let notifier = build_notifier(&state, &source).await?;
            tokio::spawn(notifier.run(whoosh_http::serve::shutting_down()));
            tracing::info!(api = %state.config.telegram.api_base, "notifier running");
        }
        None => tracing::info!(
            "notifier off: set TELEGRAM_BOT_TOKEN_SOURCE to send notifications to linked Telegram chats"
        ),
    }
    let site = ServeDir::new(&web_dir).fallback(ServeFile::new(web_dir.join("index.html")));
    let routes = platform_routes(&state)
        .route_service(API_DOCS_PATH, ServeFile::new(web_dir.join(API_DOCS_PAGE)))
        .fallback(move |req: Request| web_or_api_404(site.clone(), req));
    let app = whoosh_http::serve::stack(routes, state);
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| {
        format!("cannot listen on WHOOSH_BIND={bind}; is another stack running?")
    })?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "whoosh dev listening");
    println!(
        "\n  Whoosh is up: {public_url}\n  (API under {public_url}/api, its reference at {public_url}{API_DOCS_PATH}, edge under {public_url}/ws, readiness at {public_url}/readyz)\n"
    );
    whoosh_http::serve_http(listener, app, timeouts, whoosh_http::shutdown_signal()).await
}

/// The matcher loop on its own, with the health endpoints for the orchestrator's probes. Stops
/// on SIGTERM once the pass in progress is done.
async fn matchmaker(config: Config) -> anyhow::Result<()> {
    let bind = config.http.bind;
    let timeouts = whoosh_http::ConnTimeouts::from(&config.http);
    let state = AppState::connect(config).await?;
    let interval = state.config.matchmaking.interval;
    let matcher = tokio::spawn(whoosh_lambda_matchmaking::run_matcher(
        state.clone(),
        interval,
        whoosh_http::serve::shutting_down(),
    ));
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on WHOOSH_BIND={bind}"))?;
    tracing::info!(addr = %listener.local_addr()?, ?interval, "matchmaker running");
    let health = whoosh_http::app(Router::new(), state);
    whoosh_http::serve_http(listener, health, timeouts, whoosh_http::shutdown_signal()).await?;
    matcher.await.context("the matcher task failed")?;
    Ok(())
}

/// The notifier on its own, with the health endpoints for the orchestrator's probes. Stops on
/// SIGTERM once the send in flight is marked.
async fn notifier(config: Config) -> anyhow::Result<()> {
    let bind = config.http.bind;
    let timeouts = whoosh_http::ConnTimeouts::from(&config.http);
    let source = config.telegram.bot_token_source.clone().context(
        "set TELEGRAM_BOT_TOKEN_SOURCE (env:NAME, file:PATH or aws-secretsmanager:ID) to run the notifier",
    )?;
    let state = AppState::connect(config).await?;
    let worker = tokio::spawn(
        build_notifier(&state, &source)
            .await?
            .run(whoosh_http::serve::shutting_down()),
    );
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on WHOOSH_BIND={bind}"))?;
    tracing::info!(addr = %listener.local_addr()?, api = %state.config.telegram.api_base, "notifier running");
    let health = whoosh_http::app(Router::new(), state);
    whoosh_http::serve_http(listener, health, timeouts, whoosh_http::shutdown_signal()).await?;
    worker.await.context("the notifier task failed")?;
    Ok(())
}

/// The notifier over `state`, with the bot token read from `source` (never logged).
async fn build_notifier(
    state: &AppState,
    source: &whoosh_auth::SecretSource,
) -> anyhow::Result<whoosh::notifier::Notifier> {
    let aws = if source.needs_aws() {
        Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
    } else {
        None
    };
    let token = source.load(aws.as_ref()).await.with_context(|| {
        format!("cannot load the bot token from TELEGRAM_BOT_TOKEN_SOURCE={source}")
    })?;
    let telegram = whoosh::notifier::Telegram::new(
        &state.config.telegram.api_base,
        secrecy::SecretString::from(
            secrecy::ExposeSecret::expose_secret(&token)
                .trim()
                .to_owned(),
        ),
        state.config.notifier.send_timeout,
    )
    .context("building the HTTP client")?;
    Ok(whoosh::notifier::Notifier {
        db: state.db.clone(),
        telegram,
        config: state.config.notifier.clone(),
        site: state.config.public_url.clone(),
    })
}

async fn analytics(config: &Config, command: AnalyticsCommand) -> anyhow::Result<()> {
    let db = whoosh_http::state::connect_database(config).await?;
    match command {
        AnalyticsCommand::Export { out, since } => {
            let destination = whoosh::analytics::Destination::open(&out).await?;
            let done = whoosh::analytics::export(&db, &destination, since).await?;
            let watermark = done
                .watermark
                .and_then(|w| {
                    w.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_else(|| "none".to_owned());
            println!(
                "exported {} event(s) in {} file(s) to {out}; watermark {watermark}",
                done.events,
                done.files.len(),
            );
        }
        AnalyticsCommand::Report { from, to } => {
            anyhow::ensure!(from <= to, "--from {from} is after --to {to}");
            let report = whoosh_store::analytics::report(&db, from, to).await?;
            print!("{}", whoosh::analytics::render_report(from, to, &report));
        }
    }
    Ok(())
}

/// The local stack's leaderboard drift check, every `DRIFT_CHECK_INTERVAL` (on AWS a schedule
/// calls `POST /api/leaderboards/{board}/drift-check`). Stops with the process.
async fn drift_checks(state: AppState) {
    let mut every = tokio::time::interval(state.config.leaderboards.drift_check_interval);
    loop {
        every.tick().await;
        let boards = match whoosh_store::leaderboards::boards(&state.db).await {
            Ok(boards) => boards,
            Err(error) => {
                tracing::warn!(%error, "drift check skipped: PostgreSQL unavailable");
                continue;
            }
        };
        for board in boards {
            if let Err(error) = whoosh_http::leaderboards::drift_check(&state, &board.id).await {
                tracing::warn!(board = %board.id, %error, "drift check failed");
            }
        }
    }
}

/// Unknown API, socket and feed paths answer the JSON 404; everything else is the web client.
async fn web_or_api_404(site: ServeDir<ServeFile>, req: Request) -> Response {
    let path = req.uri().path();
    if ["/api/", "/ws/", "/sse/", "/.well-known/"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        return ApiError::not_found().into_response();
    }
    match site.oneshot(req).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}
