//! `whoosh-bench purchase`: purchases at a fixed arrival rate by funded players.

use crate::{
    figures::round,
    load,
    stack::{ensure_loopback, funded_players, service_token},
};
use anyhow::ensure;
use serde_json::{Value, json};
use std::time::Duration;

pub async fn run(
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
