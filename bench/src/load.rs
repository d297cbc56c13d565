//! The open-model load generator and the single requests every HTTP scenario sends.
//!
//! Open model: request `n` is sent at `n / rate` seconds after the start whatever became of the
//! earlier ones, and its latency counts from that scheduled time, so a slow server cannot hide
//! its queue (no coordinated omission). Latencies go to HDR histograms (µs, 3 significant
//! digits); failures are counted by HTTP status or transport error.

use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::{collections::BTreeMap, future::Future, time::Duration};

/// What one request came back with: its HTTP status (the body read to the end), or why no
/// status came.
pub(crate) type Answer = Result<u16, String>;

/// Latencies of the successful (2xx) requests of one kind, and the others by status.
#[derive(Debug)]
pub(crate) struct Tally {
    pub(crate) histogram: Histogram<u64>,
    pub(crate) errors: BTreeMap<String, u64>,
}

impl Tally {
    pub(crate) fn new() -> anyhow::Result<Self> {
        Ok(Self {
            histogram: hist()?,
            errors: BTreeMap::new(),
        })
    }

    pub(crate) fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Requests, successes per second over `elapsed`, errors by kind, latency percentiles.
    pub(crate) fn to_json(&self, elapsed: f64) -> Value {
        json!({
            "ok": self.histogram.len(),
            "errors": self.error_count(),
            "errors_by_status": self.errors,
            "ok_per_sec": crate::figures::round(self.histogram.len() as f64 / elapsed.max(1e-9)),
            "latency_ms": percentiles(&self.histogram),
        })
    }
}

pub(crate) fn hist() -> anyhow::Result<Histogram<u64>> {
    Histogram::new(3).map_err(|e| anyhow::anyhow!("{e}"))
}

/// p50/p99/p999/max in milliseconds of a histogram of microseconds.
pub(crate) fn percentiles(h: &Histogram<u64>) -> Value {
    let ms = |q: f64| crate::figures::round(h.value_at_quantile(q) as f64 / 1000.0);
    json!({
        "p50": ms(0.5),
        "p99": ms(0.99),
        "p999": ms(0.999),
        "max": crate::figures::round(h.max() as f64 / 1000.0),
    })
}

/// Sends request `n` at `n / rate` seconds after the start for `window`; `request(n)` says which
/// of `kinds` kinds it is and returns its future. Each latency counts from the scheduled time.
/// Returns one [`Tally`] per kind and the elapsed seconds.
pub(crate) async fn open_loop_mix<F, Fut>(
    rate: u32,
    window: Duration,
    kinds: usize,
    mut request: F,
) -> anyhow::Result<(Vec<Tally>, f64)>
where
    F: FnMut(u64) -> (usize, Fut),
    Fut: Future<Output = Answer> + Send + 'static,
{
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let started = tokio::time::Instant::now();
    let mut sent = Vec::new();
    let mut n = 0u64;
    while started.elapsed() < window {
        let scheduled = started + interval * u32::try_from(n).unwrap_or(u32::MAX);
        tokio::time::sleep_until(scheduled).await;
        let (kind, call) = request(n);
        sent.push((
            kind,
            tokio::spawn(async move { (call.await, scheduled.elapsed()) }),
        ));
        n += 1;
    }
    let mut tallies = (0..kinds)
        .map(|_| Tally::new())
        .collect::<anyhow::Result<Vec<_>>>()?;
    for (kind, task) in sent {
        let (answer, latency) = task.await?;
        let Some(tally) = tallies.get_mut(kind) else {
            anyhow::bail!("request kind {kind} out of range");
        };
        match answer {
            Ok(status) if (200..300).contains(&status) => {
                tally.histogram.record(latency.as_micros() as u64).ok();
            }
            Ok(status) => *tally.errors.entry(status.to_string()).or_default() += 1,
            Err(why) => *tally.errors.entry(why).or_default() += 1,
        }
    }
    Ok((tallies, started.elapsed().as_secs_f64()))
}

/// [`open_loop_mix`] with one kind of request.
pub(crate) async fn open_loop<F, Fut>(
    rate: u32,
    window: Duration,
    mut request: F,
) -> anyhow::Result<(Tally, f64)>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Answer> + Send + 'static,
{
    let (mut tallies, elapsed) = open_loop_mix(rate, window, 1, |n| (0, request(n))).await?;
    Ok((tallies.remove(0), elapsed))
}

/// The status of a sent request once its body is read, or the kind of transport failure.
pub(crate) async fn answer(sent: reqwest::Result<reqwest::Response>) -> Answer {
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(_) => Ok(status),
                Err(e) => Err(transport(&e)),
            }
        }
        Err(e) => Err(transport(&e)),
    }
}

fn transport(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connect".into()
    } else {
        "transport".into()
    }
}

/// `POST /api/auth/login` with a password account's credentials.
pub(crate) async fn login(http: reqwest::Client, url: String, credentials: Value) -> Answer {
    answer(
        http.post(format!("{url}/api/auth/login"))
            .json(&credentials)
            .send()
            .await,
    )
    .await
}

/// `GET /api/profiles/me`: an authenticated read (token verification, revocation check, one row).
pub(crate) async fn me(http: reqwest::Client, url: String, token: String) -> Answer {
    answer(
        http.get(format!("{url}/api/profiles/me"))
            .bearer_auth(token)
            .send()
            .await,
    )
    .await
}

/// `POST /api/store/purchase` of a consumable under a new idempotency key.
pub(crate) async fn purchase(http: reqwest::Client, url: String, token: String) -> Answer {
    answer(
        http.post(format!("{url}/api/store/purchase"))
            .bearer_auth(token)
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .json(&json!({"item_id": "hint-breaking-news"}))
            .send()
            .await,
    )
    .await
}

/// `POST /api/scores`: one action token and its delta.
pub(crate) async fn score(
    http: reqwest::Client,
    url: String,
    token: String,
    action_token: String,
    delta: i64,
) -> Answer {
    answer(
        http.post(format!("{url}/api/scores"))
            .bearer_auth(token)
            .json(&json!({"action_token": action_token, "delta": delta}))
            .send()
            .await,
    )
    .await
}

/// `GET /api/leaderboards/score?limit=100`: the top 100.
pub(crate) async fn top(http: reqwest::Client, url: String) -> Answer {
    answer(
        http.get(format!("{url}/api/leaderboards/score?limit=100"))
            .send()
            .await,
    )
    .await
}

/// Closed loop: `concurrency` workers (tasks), each sending `request()` as soon as its previous
/// one is answered, for `window`: the throughput at saturation. Latency counts from each send.
pub(crate) async fn closed_loop<F, Fut>(
    concurrency: usize,
    window: Duration,
    request: std::sync::Arc<F>,
) -> anyhow::Result<(Tally, f64)>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Answer> + Send + 'static,
{
    let started = tokio::time::Instant::now();
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut tally = Tally::new()?;
                while started.elapsed() < window {
                    let sent = tokio::time::Instant::now();
                    match request().await {
                        Ok(status) if (200..300).contains(&status) => {
                            tally
                                .histogram
                                .record(sent.elapsed().as_micros() as u64)
                                .ok();
                        }
                        Ok(status) => *tally.errors.entry(status.to_string()).or_default() += 1,
                        Err(why) => *tally.errors.entry(why).or_default() += 1,
                    }
                }
                anyhow::Ok(tally)
            })
        })
        .collect();
    let mut total = Tally::new()?;
    for worker in workers {
        let tally = worker.await??;
        total
            .histogram
            .add(&tally.histogram)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for (k, v) in tally.errors {
            *total.errors.entry(k).or_default() += v;
        }
    }
    Ok((total, started.elapsed().as_secs_f64()))
}
