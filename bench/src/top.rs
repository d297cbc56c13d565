//! `whoosh-bench top`: top-100 reads at a fixed arrival rate.

use crate::{figures::round, load, stack::ensure_loopback};
use serde_json::{Value, json};
use std::time::Duration;

pub async fn run(url: &str, rate: u32, window: Duration) -> anyhow::Result<Value> {
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
