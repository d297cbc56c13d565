//! `whoosh-bench`: bounded, loopback-only measurements that docs/BENCHMARKS.md quotes.
//!
//! - `ceilings`: what this machine can do at most — argon2id hashes per second with the
//!   production parameters on every core, and RS256 token verifications per second.
//! - `login`: login requests per second against a running stack (closed loop at a fixed
//!   concurrency, bounded in time), with latency percentiles; compare with `ceilings`.
//! - `purchase`: store purchases at a fixed arrival rate (open model: each request is sent at its
//!   scheduled time and its latency counts from then, so a slow server cannot hide its queue).
//!
//! Each prints a human summary and, with `--json FILE`, writes the figures as JSON.

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};
use whoosh_auth::{Grant, Keyring, TokenKind, TokenSpec};

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
    /// Machine ceilings: argon2id hashes/s on all cores, token verifications/s on one.
    Ceilings {
        /// How long to hash.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let figures = match cli.command {
        Command::Ceilings { seconds } => ceilings(Duration::from_secs(seconds)).await?,
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
    };
    println!("{}", serde_json::to_string_pretty(&figures)?);
    if let Some(path) = cli.json {
        std::fs::write(&path, serde_json::to_vec_pretty(&figures)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

async fn ceilings(window: Duration) -> anyhow::Result<Value> {
    // argon2id: one hashing thread per core, as the server's blocking pool would run them.
    let threads = cores();
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            std::thread::spawn(move || {
                let mut n = 0u64;
                while started.elapsed() < window {
                    if whoosh_auth::password::hash_blocking("benchmark password").is_ok() {
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();
    let hashes: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    let hashes_per_sec = hashes as f64 / started.elapsed().as_secs_f64();

    // Token verification: the cost every authenticated request pays, on one core.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let (ring, _) = Keyring::generate(now)?;
    let spec = TokenSpec {
        issuer: "whoosh".into(),
        audience: "whoosh-players".into(),
    };
    let token = ring.mint(
        &spec,
        Grant::access("00000000-0000-0000-0000-000000000001", uuid::Uuid::nil()),
        now,
        Duration::from_secs(900),
    )?;
    let rounds = 20_000u32;
    let started = Instant::now();
    for _ in 0..rounds {
        ensure!(
            ring.verify(&spec, &token, TokenKind::Access).is_ok(),
            "verification failed"
        );
    }
    let verify_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
    Ok(json!({
        "cores": threads,
        "argon2id": { "params": "m=19456,t=2,p=1", "hashes_per_sec": round(hashes_per_sec) },
        "token_verify": { "rounds": rounds, "us_per_verify": round(verify_us) },
    }))
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
    Ok(json!({
        "concurrency": concurrency,
        "seconds": round(elapsed),
        "logins": total.len(),
        "errors": errors,
        "logins_per_sec": round(total.len() as f64 / elapsed),
        "latency_ms": percentiles(&total),
    }))
}

/// p50/p99/p999 in milliseconds of a histogram of microseconds.
fn percentiles(h: &Histogram<u64>) -> Value {
    let ms = |q: f64| round(h.value_at_quantile(q) as f64 / 1000.0);
    json!({ "p50": ms(0.5), "p99": ms(0.99), "p999": ms(0.999) })
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
    let ring = Keyring::from_json(
        &std::fs::read_to_string(keys).with_context(|| format!("reading {}", keys.display()))?,
        unix_now()?,
    )?;
    // The stack's own issuer and audience defaults; pass the same settings the stack runs with.
    let spec = TokenSpec {
        issuer: std::env::var("JWT_ISSUER").unwrap_or_else(|_| "whoosh".into()),
        audience: std::env::var("JWT_AUDIENCE").unwrap_or_else(|_| "whoosh-players".into()),
    };
    let service = ring.mint(
        &spec,
        Grant::service("whoosh-bench"),
        unix_now()?,
        Duration::from_secs(3600),
    )?;
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for _ in 0..players {
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
            .bearer_auth(&service)
            .header("idempotency-key", format!("bench-{}", uuid::Uuid::new_v4()))
            .json(&json!({"user_id": user, "currency": "coins", "amount": 1_000_000_000, "reason": "grant"}))
            .send()
            .await?;
        ensure!(
            funded.status().as_u16() == 201,
            "funding answered {}",
            funded.status()
        );
        tokens.push(
            session["access_token"]
                .as_str()
                .context("no access token")?
                .to_owned(),
        );
    }
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    let started = tokio::time::Instant::now();
    let mut sent = Vec::new();
    let mut n = 0u64;
    while started.elapsed() < window {
        let scheduled = started + interval * u32::try_from(n).unwrap_or(u32::MAX);
        tokio::time::sleep_until(scheduled).await;
        let http = http.clone();
        let token = tokens[n as usize % tokens.len()].clone();
        let endpoint = format!("{url}/api/store/purchase");
        sent.push(tokio::spawn(async move {
            let r = http
                .post(endpoint)
                .bearer_auth(token)
                .header("idempotency-key", uuid::Uuid::new_v4().to_string())
                .json(&json!({"item_id": "hint-breaking-news"}))
                .send()
                .await;
            (
                r.map(|r| r.status().as_u16() == 201).unwrap_or(false),
                scheduled.elapsed(),
            )
        }));
        n += 1;
    }
    let mut histogram = Histogram::<u64>::new(3).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut errors = 0u64;
    for task in sent {
        let (ok, latency) = task.await?;
        if ok {
            histogram.record(latency.as_micros() as u64).ok();
        } else {
            errors += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok(json!({
        "target_rate": rate,
        "seconds": round(elapsed),
        "purchases": histogram.len(),
        "errors": errors,
        "purchases_per_sec": round(histogram.len() as f64 / elapsed),
        "latency_ms": percentiles(&histogram),
    }))
}
