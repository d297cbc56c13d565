//! `whoosh-bench sse`: time from a score's commit to its arrival at every leaderboard feed
//! subscriber.

use crate::{
    load,
    stack::{action, ensure_loopback, players, service_token},
};
use anyhow::ensure;
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Score added per timed commit: large, so the player sits at the top of any board.
const STEP: i64 = 1_000_000;

pub async fn run(
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
