//! `whoosh-bench api`: the player-facing API under a mixed load at a fixed arrival rate.
//!
//! Setup (not timed): `--players` funded guests, one password account (for logins) and, for
//! every score update the run can send, an action registered with the service token. Then the
//! open-model generator of `load.rs` sends `--rate` requests per second for `--seconds`, each
//! request's kind chosen by a smooth weighted round robin over `--mix` (the same sequence on
//! every run): login, `GET /api/profiles/me`, a score update (action token + delta), the top-100
//! leaderboard, a store purchase. Per kind: successes per second, latency p50/p99/p999 from the
//! scheduled time, and failures by HTTP status.

use crate::load::{self, Tally};
use anyhow::{Context, ensure};
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

/// The kinds of request, in the order of `--mix`.
pub const KINDS: [&str; 5] = ["login", "me", "score", "top", "purchase"];

#[derive(Debug, Clone)]
pub struct Options {
    pub url: String,
    pub keys: std::path::PathBuf,
    pub rate: u32,
    pub window: Duration,
    pub players: usize,
    /// Weight of each kind of [`KINDS`].
    pub mix: [u32; 5],
}

/// Parses `login=1,me=40,…` into weights in the order of [`KINDS`] (missing kinds weigh 0).
pub fn parse_mix(text: &str) -> anyhow::Result<[u32; 5]> {
    let mut mix = [0u32; 5];
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (name, weight) = part
            .split_once('=')
            .with_context(|| format!("`{part}`: expected kind=weight"))?;
        let i = KINDS
            .iter()
            .position(|k| *k == name.trim())
            .with_context(|| format!("unknown kind `{name}` (one of {KINDS:?})"))?;
        mix[i] = weight.trim().parse().with_context(|| format!("`{part}`"))?;
    }
    ensure!(
        mix.iter().any(|w| *w > 0),
        "--mix gives every kind weight 0"
    );
    Ok(mix)
}

/// The order of kinds in one cycle of the smooth weighted round robin: each kind appears its
/// weight's times, spread out (as nginx balances weighted upstreams).
pub fn schedule(mix: &[u32; 5]) -> Vec<usize> {
    let total: i64 = mix.iter().map(|w| i64::from(*w)).sum();
    let mut current = [0i64; 5];
    (0..total)
        .map(|_| {
            for (c, w) in current.iter_mut().zip(mix) {
                *c += i64::from(*w);
            }
            let best = (0..5)
                .max_by_key(|&i| (current[i], -(i as i64)))
                .unwrap_or(0);
            current[best] -= total;
            best
        })
        .collect()
}

pub async fn run(o: Options) -> anyhow::Result<Value> {
    crate::stack::ensure_loopback(&o.url)?;
    ensure!(
        o.rate > 0 && o.players > 0,
        "rate and players must be positive"
    );
    let url = o.url.clone();
    let service = crate::stack::service_token(&o.keys)?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let order = schedule(&o.mix);
    let planned = |kind: usize| {
        let per_cycle = order.iter().filter(|k| **k == kind).count() as u64;
        let requests = u64::from(o.rate) * o.window.as_secs() + u64::from(o.rate);
        (requests * per_cycle).div_ceil(order.len() as u64) as usize
    };

    // Setup: players, a password account, the actions every score update needs.
    let players = crate::stack::players(&http, &url, &service, o.players).await?;
    let username = format!("bench{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let credentials = json!({"username": username, "password": "benchmark password"});
    if o.mix[0] > 0 {
        let created = http
            .post(format!("{url}/api/auth/register"))
            .json(&credentials)
            .send()
            .await?;
        ensure!(
            created.status().as_u16() == 201,
            "register answered {}",
            created.status()
        );
    }
    let scores_needed = if o.mix[2] > 0 { planned(2) } else { 0 };
    let submissions: Vec<(String, String)> = stream::iter(0..scores_needed)
        .map(|i| {
            let (user, token) = players[i % players.len()].clone();
            let (http, url, service) = (http.clone(), url.clone(), service.clone());
            async move {
                let action = crate::stack::action(&http, &url, &service, &user, 10).await?;
                anyhow::Ok((token, action))
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    eprintln!(
        "{} players, {} actions registered; {} req/s for {:?}",
        players.len(),
        submissions.len(),
        o.rate,
        o.window
    );

    let submissions = Arc::new(submissions);
    let next_score = Arc::new(AtomicUsize::new(0));
    let tokens: Arc<Vec<String>> = Arc::new(players.into_iter().map(|(_, t)| t).collect());
    let credentials = Arc::new(credentials);
    let (tallies, elapsed) = load::open_loop_mix(o.rate, o.window, KINDS.len(), |n| {
        let kind = order[n as usize % order.len()];
        let (http, url) = (http.clone(), url.clone());
        let token = tokens[n as usize % tokens.len()].clone();
        let credentials = credentials.clone();
        let submissions = submissions.clone();
        let next_score = next_score.clone();
        let call = async move {
            match kind {
                0 => load::login(http, url, (*credentials).clone()).await,
                1 => load::me(http, url, token).await,
                2 => {
                    let i = next_score.fetch_add(1, Ordering::Relaxed);
                    let Some((token, action)) = submissions.get(i).cloned() else {
                        return Err("no action token left".to_owned());
                    };
                    load::score(http, url, token, action, 7).await
                }
                3 => load::top(http, url).await,
                _ => load::purchase(http, url, token).await,
            }
        };
        (kind, call)
    })
    .await?;
    Ok(report(&o, &tallies, elapsed))
}

fn report(o: &Options, tallies: &[Tally], elapsed: f64) -> Value {
    let mix: BTreeMap<&str, u32> = KINDS.iter().copied().zip(o.mix).collect();
    let endpoints: serde_json::Map<String, Value> = KINDS
        .iter()
        .zip(tallies)
        .zip(o.mix)
        .filter(|(_, weight)| *weight > 0)
        .map(|((kind, tally), _)| ((*kind).to_owned(), tally.to_json(elapsed)))
        .collect();
    let ok: u64 = tallies.iter().map(|t| t.histogram.len()).sum();
    let errors: u64 = tallies.iter().map(Tally::error_count).sum();
    json!({
        "target_rate": o.rate,
        "seconds": crate::figures::round(elapsed),
        "players": o.players,
        "mix": mix,
        "requests": ok + errors,
        "ok": ok,
        "errors": errors,
        "endpoints": endpoints,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_spreads_each_kind_by_its_weight() {
        let mix = parse_mix("login=1,me=4,score=2,top=2,purchase=1").expect("valid mix");
        let order = schedule(&mix);
        assert_eq!(order.len(), 10);
        for (kind, weight) in mix.iter().enumerate() {
            assert_eq!(
                order.iter().filter(|k| **k == kind).count(),
                *weight as usize
            );
        }
        // Spread out: `me` (weight 4 of 10) never runs three times in a row.
        assert!(!order.windows(3).any(|w| w.iter().all(|k| *k == 1)));
    }

    #[test]
    fn a_mix_with_an_unknown_kind_or_no_weight_is_refused() {
        assert!(parse_mix("login=1,lunch=2").is_err());
        assert!(parse_mix("login=0").is_err());
        assert!(parse_mix("login").is_err());
    }
}
