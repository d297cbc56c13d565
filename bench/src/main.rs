//! `whoosh-bench`: bounded, loopback-only measurements that docs/BENCHMARKS.md quotes.
//!
//! - `ceilings`: what this machine can do at most — argon2id hashes per second with the
//!   production parameters on every core, and RS256 token verifications per second.
//! - `login`: login requests per second against a running stack (closed loop at a fixed
//!   concurrency, bounded in time), with latency percentiles; compare with `ceilings`.
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
    let ms = |q: f64| round(total.value_at_quantile(q) as f64 / 1000.0);
    Ok(json!({
        "concurrency": concurrency,
        "seconds": round(elapsed),
        "logins": total.len(),
        "errors": errors,
        "logins_per_sec": round(total.len() as f64 / elapsed),
        "latency_ms": { "p50": ms(0.5), "p99": ms(0.99), "p999": ms(0.999) },
    }))
}
