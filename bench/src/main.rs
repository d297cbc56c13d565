//! `whoosh-bench`: bounded, loopback-only measurements that docs/BENCHMARKS.md quotes.
//!
//! - `ceilings`: what this machine can do at most — argon2id hashes per second with the
//!   production parameters on every core, RS256 token verifications per second, an axum
//!   hello-world at saturation, the profiles Router over HTTP and through the Lambda adapter (CPU
//!   per request), a bare tokio-tungstenite broadcast server (see `ceilings.rs`).
//! - `login`: login requests per second against a running stack (closed loop at a fixed
//!   concurrency, bounded in time), with latency percentiles; compare with `ceilings`.
//! - `api`: a mix of login, authenticated GET, score update, top-100 and purchase at a fixed
//!   arrival rate, per endpoint (see `api.rs`).
//! - `purchase`, `scores`, `top`: one endpoint at a fixed arrival rate (open model: each request
//!   is sent at its scheduled time and its latency counts from then, so a slow server cannot hide
//!   its queue; see `load.rs`).
//! - `sse`: time from a score's commit to its arrival at every leaderboard feed subscriber.
//! - `matcher`: one pure matching pass (grouping only, no Redis) over N waiting tickets, for
//!   several N, to show the pass stays O(n log n).
//! - `edge`: N players in private lobbies over WebSockets against a running stack: the server's
//!   memory per connected player (idle and playing), messages delivered per server CPU-second,
//!   and tick delivery latency (see `edge.rs`).
//! - `failover`: two edge nodes on one database and key prefix; games started on A, A killed,
//!   every player reconnects to B: time from the kill to play resuming, per lobby, and whether
//!   every result is recorded once (see `failover.rs`).
//! - `soak`: thousands of players in back-to-back games for minutes, an edge node killed
//!   half-way: lost results, ledger mismatches, RSS over time (see `soak.rs`).
//! - `report`: the JSON of a `scripts/bench` run as the tables of docs/BENCHMARKS.md.
//!
//! The WebSocket scenarios share their client (guest sign-in, lobby set-up, sockets) in
//! `client.rs`. Each scenario prints its figures as JSON and, with `--json FILE`, writes them.

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};
use whoosh_auth::{Grant, Keyring, TokenSpec};

mod api;
mod bare;
mod ceilings;
mod client;
mod edge;
mod failover;
mod load;
mod parts;
mod report;
mod soak;

#[derive(Debug, Parser)]
#[command(
    name = "whoosh-bench",
    about = "Bounded benchmarks of a Whoosh stack on loopback"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Also write the figures to this JSON file.
    #[arg(long, global = true)]
    json: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Machine ceilings: argon2id hashes/s on all cores, token verifications/s on one, an axum
    /// hello-world at saturation, the profiles Router over HTTP and through the Lambda adapter
    /// (CPU per request), a bare tokio-tungstenite broadcast server (messages per CPU-second).
    Ceilings {
        /// How long to hash.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// How long each HTTP stage runs (after a 1 s warm-up).
        #[arg(long, default_value_t = 10)]
        http_seconds: u64,
        /// Requests in flight at once in the HTTP stages.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Sockets of the broadcast stage, as many as the edge run's players (0 skips it).
        #[arg(long, default_value_t = 5000)]
        sockets: usize,
        /// The broadcast stage's measured window.
        #[arg(long, default_value_t = 20)]
        ws_seconds: u64,
        /// PostgreSQL for the router stages (a database of its own; created and migrated).
        #[arg(long, env = "DATABASE_URL")]
        database_url: Option<String>,
        /// Redis for the router stages.
        #[arg(long, env = "REDIS_URL")]
        redis_url: Option<String>,
    },
    /// Where an authenticated request's CPU goes (each part alone, then the request), the
    /// Lambda adapter with and without the Runtime API's calls, and each bootstrap's init time.
    Parts(parts::Args),
    /// Login throughput and latency against a running stack.
    Login {
        /// Base URL of the stack (loopback only).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// How long to run.
        #[arg(long, default_value_t = 15)]
        seconds: u64,
    },
    /// Purchases at a fixed arrival rate against a running stack.
    Purchase {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The stack's signing keyring (AUTH_KEYS_SOURCE file), to mint the service token that
        /// funds the benchmark players.
        #[arg(long, default_value = ".whoosh/keys.json")]
        keys: PathBuf,
        /// Purchases per second.
        #[arg(long, default_value_t = 200)]
        rate: u32,
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        /// Players the purchases are spread over.
        #[arg(long, default_value_t = 20)]
        players: usize,
    },
    /// Score updates (action token + delta) at a fixed arrival rate.
    Scores {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, default_value = ".whoosh/keys.json")]
        keys: PathBuf,
        #[arg(long, default_value_t = 500)]
        rate: u32,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 100)]
        players: usize,
    },
    /// Top-100 leaderboard reads at a fixed arrival rate.
    Top {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, default_value_t = 500)]
        rate: u32,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// SSE delivery: time from a score's commit to its arrival at every subscriber.
    Sse {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, default_value = ".whoosh/keys.json")]
        keys: PathBuf,
        /// Concurrent SSE subscribers.
        #[arg(long, default_value_t = 200)]
        subscribers: usize,
        /// Score commits to time (one every 400 ms, longer than the feed's coalescing window).
        #[arg(long, default_value_t = 25)]
        commits: u32,
    },
    /// A mix of player requests (login, authenticated GET, score update, top-100, purchase) at
    /// a fixed arrival rate: per-endpoint latency and errors by status.
    Api {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, default_value = ".whoosh/keys.json")]
        keys: PathBuf,
        /// Requests per second, all kinds together.
        #[arg(long, default_value_t = 200)]
        rate: u32,
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        /// Funded guests the requests are spread over.
        #[arg(long, default_value_t = 50)]
        players: usize,
        /// Relative weight of each kind of request.
        #[arg(long, default_value = "login=1,me=40,score=20,top=29,purchase=10")]
        mix: String,
    },
    /// One pure matchmaking pass (sort + sweep, no I/O) over N waiting tickets.
    Matcher {
        /// Waiting tickets per pass; several sizes show the growth.
        #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
        tickets: Vec<usize>,
        /// Passes timed per size (the median is reported).
        #[arg(long, default_value_t = 7)]
        passes: usize,
    },
    /// Players in private lobbies over WebSockets: server RSS per player, messages per server
    /// CPU-second, tick delivery latency.
    Edge {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Players to simulate (a multiple of --lobby-size).
        #[arg(long, default_value_t = 100)]
        players: usize,
        /// Players per private lobby (3–10).
        #[arg(long, default_value_t = 10)]
        lobby_size: usize,
        /// The server's process id, for VmRSS (/proc/<pid>/status) and CPU time (/proc/<pid>/stat).
        #[arg(long)]
        server_pid: u32,
        /// Wait after the last socket connected before reading the idle RSS.
        #[arg(long, default_value_t = 5)]
        settle_seconds: u64,
        /// Play before the measured window opens (every lobby ticking).
        #[arg(long, default_value_t = 3)]
        warmup_seconds: u64,
        /// The measured window of play.
        #[arg(long, default_value_t = 20)]
        play_seconds: u64,
        /// HTTP calls and handshakes in flight at once during setup.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Round length asked for each lobby (60–600; the window must fit in it).
        #[arg(long, default_value_t = 180)]
        round_secs: u32,
        /// What the players play against: the stack at --url, or a bare lobby server at
        /// --url (`ws://…`, see `bare-server`).
        #[arg(long, value_enum, default_value_t = edge::System::Stack)]
        system: edge::System,
        /// Each playing player sends SUSPECT at a random lobby mate this often (0: idle).
        #[arg(long, default_value_t = 0)]
        suspect_every_ms: u64,
    },
    /// The yardstick of the edge: a bare tokio-tungstenite lobby server (see `bare.rs`),
    /// serving until stopped.
    BareServer {
        #[arg(long, default_value = "127.0.0.1:18394")]
        bind: std::net::SocketAddr,
        #[arg(long, default_value_t = 10)]
        lobby_size: usize,
        /// The tick period.
        #[arg(long, default_value_t = 1000)]
        tick_ms: u64,
    },
    /// Thousands of players in back-to-back games for a bounded time, an edge node killed
    /// half-way: lost results, ledger mismatches, RSS over time.
    Soak {
        /// The API and an edge (e.g. `whoosh dev`), loopback only.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The edge players reconnect to when theirs dies (`ws://…`; default: --url's edge).
        #[arg(long)]
        fallback: Option<String>,
        /// An edge node's process id, killed with SIGKILL half-way.
        #[arg(long)]
        kill_pid: Option<u32>,
        /// A shell command starting a replacement node 5 s after the kill (stopped at the end).
        #[arg(long)]
        restart_command: Option<String>,
        /// Processes whose RSS is sampled (e.g. every edge node).
        #[arg(long, value_delimiter = ',')]
        watch_pids: Vec<u32>,
        #[arg(long, default_value_t = 2000)]
        players: usize,
        #[arg(long, default_value_t = 10)]
        lobby_size: usize,
        /// How long games keep starting (at most 60).
        #[arg(long, default_value_t = 10.0)]
        minutes: f64,
        /// Round length asked for each lobby (60–600); run the nodes with a short
        /// EDGE_ROUND_SECS_OVERRIDE so that games end within the run.
        #[arg(long, default_value_t = 60)]
        round_secs: u32,
        /// HTTP calls and handshakes in flight at once.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        sample_seconds: u64,
        /// How long games in progress may take to finish after the end.
        #[arg(long, default_value_t = 120)]
        drain_seconds: u64,
        /// The nodes' PostgreSQL, to check results and ledgers (`psql`).
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
    },
    /// Rewrites the tables of docs/BENCHMARKS.md (between its bench markers) from the JSON files
    /// of a `scripts/bench` run.
    Report {
        /// The run's directory of JSON files (ceilings.json, login.json, api.json, …).
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value = "docs/BENCHMARKS.md")]
        doc: PathBuf,
        /// The command that produced the figures, quoted in the document.
        #[arg(long, default_value = "scripts/bench")]
        command: String,
        /// The cargo profile the binaries were built with.
        #[arg(long, default_value = "release")]
        profile: String,
        #[arg(long, default_value_t = 0)]
        elapsed_secs: u64,
    },
    /// A node of the platform for the smoke tests: every API router and an edge (as `whoosh dev`
    /// composes them, without the web client and the matcher), configured from the environment
    /// like every service, serving on WHOOSH_BIND until SIGTERM.
    #[command(hide = true)]
    Stack,
    /// Games on node A, A killed (SIGKILL), every player reconnects to node B: time from the kill
    /// to the first TICK from B per lobby, and results recorded once in PostgreSQL.
    Failover {
        /// Node A: the API and an edge (e.g. `whoosh dev`), loopback only.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Node B's edge (e.g. a `whoosh-edge` process), `ws://…`.
        #[arg(long)]
        node_b: String,
        /// Node A's process id, killed with SIGKILL.
        #[arg(long)]
        owner_pid: u32,
        /// Lobbies to play (each of --lobby-size players).
        #[arg(long, default_value_t = 50)]
        lobbies: usize,
        #[arg(long, default_value_t = 10)]
        lobby_size: usize,
        /// Play on A before the kill.
        #[arg(long, default_value_t = 5)]
        play_seconds: u64,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Round length asked for each lobby (60–600); run both nodes with a short
        /// EDGE_ROUND_SECS_OVERRIDE so the games end within the run.
        #[arg(long, default_value_t = 60)]
        round_secs: u32,
        /// The nodes' PostgreSQL, to count the `matches` rows (`psql`).
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        /// How long after the kill every game must have ended.
        #[arg(long, default_value_t = 120)]
        deadline_seconds: u64,
        /// Retry every this many ms instead of the documented backoff.
        #[arg(long)]
        retry_ms: Option<u64>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let figures = match cli.command {
        Command::Stack => return stack().await,
        Command::BareServer {
            bind,
            lobby_size,
            tick_ms,
        } => {
            return bare::serve(bare::Options {
                bind,
                lobby_size,
                tick: Duration::from_millis(tick_ms.max(1)),
            })
            .await;
        }
        Command::Report {
            dir,
            doc,
            command,
            profile,
            elapsed_secs,
        } => report::run(&report::Options {
            dir,
            doc,
            command,
            profile,
            elapsed_secs,
        })?,
        Command::Ceilings {
            seconds,
            http_seconds,
            concurrency,
            sockets,
            ws_seconds,
            database_url,
            redis_url,
        } => {
            ceilings::run(ceilings::Options {
                hash_window: Duration::from_secs(seconds),
                http_window: Duration::from_secs(http_seconds),
                concurrency,
                sockets,
                ws_window: Duration::from_secs(ws_seconds),
                database_url,
                redis_url,
            })
            .await?
        }
        Command::Parts(args) => parts::run(args).await?,
        Command::Login {
            url,
            concurrency,
            seconds,
        } => login(&url, concurrency, Duration::from_secs(seconds)).await?,
        Command::Purchase {
            url,
            keys,
            rate,
            seconds,
            players,
        } => purchase(&url, &keys, rate, Duration::from_secs(seconds), players).await?,
        Command::Scores {
            url,
            keys,
            rate,
            seconds,
            players,
        } => scores(&url, &keys, rate, Duration::from_secs(seconds), players).await?,
        Command::Top { url, rate, seconds } => {
            top(&url, rate, Duration::from_secs(seconds)).await?
        }
        Command::Sse {
            url,
            keys,
            subscribers,
            commits,
        } => sse(&url, &keys, subscribers, commits).await?,
        Command::Api {
            url,
            keys,
            rate,
            seconds,
            players,
            mix,
        } => {
            api::run(api::Options {
                url,
                keys,
                rate,
                window: Duration::from_secs(seconds),
                players,
                mix: api::parse_mix(&mix)?,
            })
            .await?
        }
        Command::Matcher { tickets, passes } => matcher(&tickets, passes)?,
        Command::Edge {
            url,
            players,
            lobby_size,
            server_pid,
            settle_seconds,
            warmup_seconds,
            play_seconds,
            concurrency,
            round_secs,
            system,
            suspect_every_ms,
        } => {
            ensure!(
                u64::from(round_secs) > warmup_seconds + play_seconds + 10,
                "--round-secs must outlast the warm-up and the window"
            );
            edge::run(edge::Options {
                url,
                players,
                lobby_size,
                server_pid,
                settle: Duration::from_secs(settle_seconds),
                warmup: Duration::from_secs(warmup_seconds),
                play: Duration::from_secs(play_seconds),
                concurrency,
                round_secs,
                system,
                suspect_every: (suspect_every_ms > 0)
                    .then(|| Duration::from_millis(suspect_every_ms)),
            })
            .await?
        }
        Command::Soak {
            url,
            fallback,
            kill_pid,
            restart_command,
            watch_pids,
            players,
            lobby_size,
            minutes,
            round_secs,
            concurrency,
            sample_seconds,
            drain_seconds,
            database_url,
        } => {
            ensure!(
                minutes > 0.0 && minutes <= soak::MAX_MINUTES as f64,
                "--minutes must be above 0 and at most {}",
                soak::MAX_MINUTES
            );
            let fallback = fallback.unwrap_or_else(|| url.replacen("http", "ws", 1));
            soak::run(soak::Options {
                url,
                fallback,
                kill_pid,
                restart_command,
                watch_pids,
                players,
                lobby_size,
                duration: Duration::from_secs_f64(minutes * 60.0),
                round_secs,
                concurrency,
                sample: Duration::from_secs(sample_seconds.max(1)),
                drain: Duration::from_secs(drain_seconds),
                database_url,
            })
            .await?
        }
        Command::Failover {
            url,
            node_b,
            owner_pid,
            lobbies,
            lobby_size,
            play_seconds,
            concurrency,
            round_secs,
            database_url,
            deadline_seconds,
            retry_ms,
        } => {
            failover::run(failover::Options {
                url,
                node_b,
                owner_pid,
                lobbies,
                lobby_size,
                play: Duration::from_secs(play_seconds),
                concurrency,
                round_secs,
                database_url,
                deadline: Duration::from_secs(deadline_seconds),
                retry: retry_ms.map(Duration::from_millis),
            })
            .await?
        }
    };
    println!("{}", serde_json::to_string_pretty(&figures)?);
    if let Some(path) = cli.json {
        std::fs::write(&path, serde_json::to_vec_pretty(&figures)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Serves the API routers and an edge node until SIGTERM (see `Command::Stack`).
async fn stack() -> anyhow::Result<()> {
    let config = whoosh_http::Config::from_env()?;
    whoosh_http::telemetry::init(config.log_format, &config.log_filter);
    let bind = config.http.bind;
    let timeouts = whoosh_http::ConnTimeouts::from(&config.http);
    let state = whoosh_http::AppState::connect(config).await?;
    whoosh_store::MIGRATOR
        .run(&state.db)
        .await
        .context("applying migrations")?;
    let edge = whoosh_edge::Edge::start(&state);
    let routes = whoosh_lambda_auth::routes()
        .merge(whoosh_lambda_matchmaking::routes())
        .merge(whoosh_lambda_profiles::routes())
        .merge(whoosh_lambda_economy::routes())
        .merge(whoosh_edge::routes(edge.clone()));
    let app = whoosh_http::app(routes, state);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on WHOOSH_BIND={bind}"))?;
    whoosh_http::serve_http(listener, app, timeouts, whoosh_http::shutdown_signal()).await?;
    edge.drained().await;
    Ok(())
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn ensure_loopback(url: &str) -> anyhow::Result<()> {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or_default()
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    ensure!(
        matches!(host, "127.0.0.1" | "localhost" | "[::1]") || host.starts_with("127."),
        "benchmarks target loopback only, not {host}"
    );
    Ok(())
}

async fn login(url: &str, concurrency: usize, window: Duration) -> anyhow::Result<Value> {
    ensure_loopback(url)?;
    let http = reqwest::Client::new();
    let username = format!("bench{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let credentials = json!({"username": username, "password": "benchmark password"});
    let created = http
        .post(format!("{url}/api/auth/register"))
        .json(&credentials)
        .send()
        .await?;
    ensure!(
        created.status().as_u16() == 201,
        "register answered {}: {}",
        created.status(),
        created.text().await?
    );

    let credentials = Arc::new(credentials);
    let started = Instant::now();
    let workers = (0..concurrency).map(|_| {
        let http = http.clone();
        let credentials = credentials.clone();
        let endpoint = format!("{url}/api/auth/login");
        async move {
            let mut histogram = Histogram::<u64>::new(3).map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut errors = 0u64;
            while started.elapsed() < window {
                let sent = Instant::now();
                match http.post(&endpoint).json(&*credentials).send().await {
                    Ok(r) if r.status().is_success() => {
                        histogram.record(sent.elapsed().as_micros() as u64).ok();
                    }
                    _ => errors += 1,
                }
            }
            anyhow::Ok((histogram, errors))
        }
    });
    let mut total = Histogram::<u64>::new(3).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut errors = 0;
    for result in futures_util::future::join_all(workers).await {
        let (h, e) = result?;
        total.add(h).map_err(|e| anyhow::anyhow!("{e}"))?;
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let failed = failed_login_times(&http, url, &username).await?;
    Ok(json!({
        "concurrency": concurrency,
        "seconds": round(elapsed),
        "logins": total.len(),
        "errors": errors,
        "logins_per_sec": round(total.len() as f64 / elapsed),
        "latency_ms": load::percentiles(&total),
        "failed_login_ms": failed,
    }))
}

/// How long a wrong password and an unknown username take to be refused: one request at a time,
/// alternating, so both meet the same machine. They should take the same time (the unknown user
/// is checked against a dummy hash), or a client could tell which usernames exist.
async fn failed_login_times(
    http: &reqwest::Client,
    url: &str,
    username: &str,
) -> anyhow::Result<Value> {
    const EACH: usize = 40;
    let endpoint = format!("{url}/api/auth/login");
    let mut wrong = Histogram::<u64>::new(3).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut unknown = Histogram::<u64>::new(3).map_err(|e| anyhow::anyhow!("{e}"))?;
    for i in 0..EACH * 2 {
        let (histogram, name) = if i % 2 == 0 {
            (&mut wrong, username.to_owned())
        } else {
            (
                &mut unknown,
                format!("nobody{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
            )
        };
        let body = json!({"username": name, "password": "not the password"});
        let sent = Instant::now();
        let answer = http.post(&endpoint).json(&body).send().await?;
        let took = sent.elapsed();
        ensure!(
            answer.status().as_u16() == 401,
            "a failed login answered {}",
            answer.status()
        );
        histogram.record(took.as_micros() as u64).ok();
    }
    let p50 = |h: &Histogram<u64>| h.value_at_quantile(0.5) as f64 / 1000.0;
    Ok(json!({
        "attempts_each": EACH,
        "wrong_password_p50": round(p50(&wrong)),
        "unknown_user_p50": round(p50(&unknown)),
        "unknown_over_wrong": round(p50(&unknown) / p50(&wrong)),
    }))
}

fn unix_now() -> anyhow::Result<i64> {
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64)
}

async fn purchase(
    url: &str,
    keys: &std::path::Path,
    rate: u32,
    window: Duration,
    players: usize,
) -> anyhow::Result<Value> {
    ensure_loopback(url)?;
    ensure!(rate > 0 && players > 0, "rate and players must be positive");
    let service = service_token(keys)?;
    let http = reqwest::Client::new();
    let tokens = funded_players(&http, url, &service, players).await?;
    let url = url.to_owned();
    let (tally, elapsed) = load::open_loop(rate, window, move |n| {
        let token = tokens[n as usize % tokens.len()].clone();
        load::purchase(http.clone(), url.clone(), token)
    })
    .await?;
    Ok(json!({
        "target_rate": rate,
        "seconds": round(elapsed),
        "purchases": tally.histogram.len(),
        "errors": tally.error_count(),
        "errors_by_status": tally.errors,
        "purchases_per_sec": round(tally.histogram.len() as f64 / elapsed),
        "latency_ms": load::percentiles(&tally.histogram),
    }))
}

/// The issuer/audience the local stack uses (override with JWT_ISSUER / JWT_AUDIENCE).
fn spec() -> TokenSpec {
    TokenSpec {
        issuer: std::env::var("JWT_ISSUER").unwrap_or_else(|_| "whoosh".into()),
        audience: std::env::var("JWT_AUDIENCE").unwrap_or_else(|_| "whoosh-players".into()),
    }
}

/// A service token minted with the stack's keyring file.
fn service_token(keys: &std::path::Path) -> anyhow::Result<String> {
    let ring = Keyring::from_json(
        &std::fs::read_to_string(keys).with_context(|| format!("reading {}", keys.display()))?,
        unix_now()?,
    )?;
    Ok(ring.mint(
        &spec(),
        Grant::service("whoosh-bench"),
        unix_now()?,
        Duration::from_secs(3600),
    )?)
}

/// Guest players, each funded with coins; returns (user id, access token) pairs.
async fn players(
    http: &reqwest::Client,
    url: &str,
    service: &str,
    count: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for _ in 0..count {
        let device = uuid::Uuid::new_v4().to_string();
        let session: Value = http
            .post(format!("{url}/api/auth/guest"))
            .json(&json!({"device_id": device}))
            .send()
            .await?
            .json()
            .await?;
        let user = session["user"]["id"]
            .as_str()
            .context("guest login failed")?
            .to_owned();
        let funded = http
            .post(format!("{url}/api/wallet/grants"))
            .bearer_auth(service)
            .header("idempotency-key", format!("bench-{}", uuid::Uuid::new_v4()))
            .json(&json!({"user_id": user, "currency": "coins", "amount": 1_000_000_000, "reason": "grant"}))
            .send()
            .await?;
        ensure!(
            funded.status().as_u16() == 201,
            "funding answered {}",
            funded.status()
        );
        out.push((
            user,
            session["access_token"]
                .as_str()
                .context("no access token")?
                .to_owned(),
        ));
    }
    Ok(out)
}

async fn funded_players(
    http: &reqwest::Client,
    url: &str,
    service: &str,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    Ok(players(http, url, service, count)
        .await?
        .into_iter()
        .map(|(_, token)| token)
        .collect())
}

/// Registers an action worth `max_score` for `user`; returns its token.
async fn action(
    http: &reqwest::Client,
    url: &str,
    service: &str,
    user: &str,
    max_score: i64,
) -> anyhow::Result<String> {
    let body: Value = http
        .post(format!("{url}/api/actions"))
        .bearer_auth(service)
        .json(&json!({"user_id": user, "max_score": max_score}))
        .send()
        .await?
        .json()
        .await?;
    Ok(body["action_token"]
        .as_str()
        .context("no action token")?
        .to_owned())
}

async fn scores(
    url: &str,
    keys: &std::path::Path,
    rate: u32,
    window: Duration,
    count: usize,
) -> anyhow::Result<Value> {
    ensure_loopback(url)?;
    let service = service_token(keys)?;
    let http = reqwest::Client::new();
    let players = players(&http, url, &service, count.max(1)).await?;
    // Every submission needs its own action; register them all before the clock starts.
    let needed = (u64::from(rate) * window.as_secs() + u64::from(rate)) as usize;
    let mut submissions = Vec::with_capacity(needed);
    for i in 0..needed {
        let (user, token) = &players[i % players.len()];
        submissions.push((token.clone(), action(&http, url, &service, user, 10).await?));
    }
    let url = url.to_owned();
    let (tally, elapsed) = load::open_loop(rate, window, move |n| {
        let submission = submissions.get(n as usize).cloned();
        let (http, url) = (http.clone(), url.clone());
        async move {
            let Some((token, action_token)) = submission else {
                return Err("no action token left".to_owned());
            };
            load::score(http, url, token, action_token, 7).await
        }
    })
    .await?;
    Ok(json!({
        "target_rate": rate,
        "seconds": round(elapsed),
        "score_updates": tally.histogram.len(),
        "errors": tally.error_count(),
        "errors_by_status": tally.errors,
        "latency_ms": load::percentiles(&tally.histogram),
    }))
}

async fn top(url: &str, rate: u32, window: Duration) -> anyhow::Result<Value> {
    ensure_loopback(url)?;
    let http = reqwest::Client::new();
    let url = url.to_owned();
    let (tally, elapsed) =
        load::open_loop(rate, window, move |_| load::top(http.clone(), url.clone())).await?;
    Ok(json!({
        "target_rate": rate,
        "seconds": round(elapsed),
        "reads": tally.histogram.len(),
        "errors": tally.error_count(),
        "errors_by_status": tally.errors,
        "latency_ms": load::percentiles(&tally.histogram),
    }))
}

/// Score added per timed commit: large, so the player sits at the top of any board.
const STEP: i64 = 1_000_000;

async fn sse(
    url: &str,
    keys: &std::path::Path,
    subscribers: usize,
    commits: u32,
) -> anyhow::Result<Value> {
    ensure_loopback(url)?;
    let service = service_token(keys)?;
    let http = reqwest::Client::new();
    let (user, token) = players(&http, url, &service, 1).await?.remove(0);
    // Each subscriber reports (value seen, when) for every event that shows the player's score.
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<(i64, Instant)>();
    let mut readers = Vec::new();
    for _ in 0..subscribers {
        let response = http
            .get(format!("{url}/sse/leaderboards/score"))
            .send()
            .await?;
        ensure!(
            response.status().is_success(),
            "subscribe answered {}",
            response.status()
        );
        let seen_tx = seen_tx.clone();
        let user = user.clone();
        readers.push(tokio::spawn(async move {
            let mut body = response.bytes_stream();
            let mut buffer = String::new();
            while let Some(Ok(chunk)) = body.next().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) else {
                        continue;
                    };
                    let Ok(event) = serde_json::from_str::<Value>(data.trim_start()) else {
                        continue;
                    };
                    let mine = event["entries"].as_array().and_then(|rows| {
                        rows.iter().find(|r| r["user_id"] == user.as_str()).cloned()
                    });
                    if let Some(value) = mine.and_then(|r| r["value"].as_i64()) {
                        let _ = seen_tx.send((value, Instant::now()));
                    }
                }
            }
        }));
    }
    drop(seen_tx);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut histogram = Histogram::<u64>::new(3).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut missing = 0u64;
    let mut value = 0i64;
    for _ in 0..commits {
        let action_token = action(&http, url, &service, &user, STEP).await?;
        let submitted = http
            .post(format!("{url}/api/scores"))
            .bearer_auth(&token)
            .json(&json!({"action_token": action_token, "delta": STEP}))
            .send()
            .await?;
        let committed = Instant::now();
        ensure!(
            submitted.status().is_success(),
            "score answered {}",
            submitted.status()
        );
        value += STEP;
        let mut arrived = 0usize;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while arrived < subscribers {
            match tokio::time::timeout_at(deadline, seen_rx.recv()).await {
                Ok(Some((v, at))) if v >= value => {
                    histogram
                        .record(at.saturating_duration_since(committed).as_micros() as u64)
                        .ok();
                    arrived += 1;
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        missing += (subscribers - arrived) as u64;
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    for reader in readers {
        reader.abort();
    }
    Ok(json!({
        "subscribers": subscribers,
        "commits": commits,
        "deliveries": histogram.len(),
        "missing": missing,
        "commit_to_receipt_ms": load::percentiles(&histogram),
    }))
}

/// A deterministic pseudo-random sequence (xorshift64*), so every run times the same queue.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// A queue of `n` waiting tickets as a busy region would hold: ratings roughly normal around
/// 1200 (σ ≈ 250, sum of four uniforms), 80 % solos and 20 % parties of 2–5, waits spread over
/// the last 60 s.
fn waiting_tickets(n: usize, now_ms: i64) -> Vec<whoosh_core::matchmaking::Waiting> {
    let mut rng = Xorshift(0x9E37_79B9_7F4A_7C15 ^ n as u64);
    (0..n)
        .map(|_| {
            let spread: i64 = (0..4).map(|_| (rng.next() % 433) as i64).sum::<i64>() - 866;
            let players = if rng.next() % 5 == 0 {
                2 + (rng.next() % 4) as u8
            } else {
                1
            };
            whoosh_core::matchmaking::Waiting {
                rating: (1200 + spread) as i32,
                players,
                since_ms: now_ms - (rng.next() % 60_000) as i64,
            }
        })
        .collect()
}

fn matcher(sizes: &[usize], passes: usize) -> anyhow::Result<Value> {
    use whoosh_core::matchmaking::{MatchRules, form_groups};
    ensure!(passes > 0, "--passes must be at least 1");
    let rules = MatchRules::default();
    let now_ms = 1_800_000_000_000;
    let mut results = Vec::new();
    for &n in sizes {
        let queue = waiting_tickets(n, now_ms);
        let mut times_ms = Vec::with_capacity(passes);
        let mut groups = Vec::new();
        for _ in 0..passes {
            let started = Instant::now();
            groups =
                std::hint::black_box(form_groups(std::hint::black_box(&queue), now_ms, &rules));
            times_ms.push(started.elapsed().as_secs_f64() * 1e3);
        }
        times_ms.sort_by(f64::total_cmp);
        let median = times_ms[times_ms.len() / 2];
        let placed: usize = groups.iter().map(Vec::len).sum();
        let players: usize = groups
            .iter()
            .flatten()
            .map(|&i| usize::from(queue[i].players))
            .sum();
        let n_log_n = (n as f64) * (n.max(2) as f64).log2();
        results.push(json!({
            "tickets": n,
            "median_ms": round(median),
            "min_ms": round(times_ms[0]),
            "max_ms": round(times_ms[times_ms.len() - 1]),
            "ns_per_ticket": round(median * 1e6 / n.max(1) as f64),
            "ns_per_n_log2_n": round(median * 1e6 / n_log_n),
            "lobbies": groups.len(),
            "tickets_placed": placed,
            "players_placed": players,
        }));
    }
    Ok(json!({
        "rules": {
            "window": format!("±{}..±{} over {} ms", rules.window_start, rules.window_max, rules.widen_over_ms),
            "target_players": rules.target_players,
            "min_start_wait_ms": rules.min_start_wait_ms,
        },
        "passes_per_size": passes,
        "results": results,
    }))
}
