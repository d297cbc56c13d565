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
//! Each scenario is a module named after its subcommand (`login.rs`, `sse.rs`, …); `cli.rs` holds
//! the arguments, and this file only hands them to the scenario. The WebSocket scenarios share
//! their client (guest sign-in, lobby set-up, sockets) in `client.rs`; the API scenarios their
//! stack (loopback guard, service token, players) in `stack.rs`; the in-process measurements their
//! server runtime in `server.rs`. Each scenario prints its figures as JSON and, with `--json
//! FILE`, writes them.

use anyhow::{Context, ensure};
use clap::Parser;
use cli::{Cli, Command};
use std::time::Duration;

mod api;
mod bare;
mod bootstrap;
mod ceilings;
mod cli;
mod client;
mod edge;
mod failover;
mod figures;
mod load;
mod login;
mod matcher;
mod parts;
mod purchase;
mod report;
mod scores;
mod server;
mod soak;
mod sse;
mod stack;
mod top;
mod xorshift;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let figures = match cli.command {
        Command::Stack => return stack::serve().await,
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
        } => login::run(&url, concurrency, Duration::from_secs(seconds)).await?,
        Command::Purchase {
            url,
            keys,
            rate,
            seconds,
            players,
        } => purchase::run(&url, &keys, rate, Duration::from_secs(seconds), players).await?,
        Command::Scores {
            url,
            keys,
            rate,
            seconds,
            players,
        } => scores::run(&url, &keys, rate, Duration::from_secs(seconds), players).await?,
        Command::Top { url, rate, seconds } => {
            top::run(&url, rate, Duration::from_secs(seconds)).await?
        }
        Command::Sse {
            url,
            keys,
            subscribers,
            commits,
        } => sse::run(&url, &keys, subscribers, commits).await?,
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
        Command::Matcher { tickets, passes } => matcher::run(&tickets, passes)?,
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
