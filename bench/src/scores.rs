//! `whoosh-bench scores`: score updates at a fixed arrival rate, each with its own action.

use crate::{
    figures::round,
    load,
    stack::{action, ensure_loopback, players, service_token},
};
use serde_json::{Value, json};
use std::time::Duration;

pub async fn run(
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
