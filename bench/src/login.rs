//! `whoosh-bench login`: login requests per second against a running stack (closed loop at a fixed
//! concurrency, bounded in time), with latency percentiles, and how long failed logins take.

use crate::{figures::round, load, stack::ensure_loopback};
use anyhow::ensure;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

pub async fn run(url: &str, concurrency: usize, window: Duration) -> anyhow::Result<Value> {
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
