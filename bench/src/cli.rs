//! `whoosh-bench`'s arguments: one subcommand per scenario.

use crate::{edge, parts};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "whoosh-bench",
    about = "Bounded benchmarks of a Whoosh stack on loopback"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Also write the figures to this JSON file.
    #[arg(long, global = true)]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
