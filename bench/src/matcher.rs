//! `whoosh-bench matcher`: one pure matching pass (grouping only, no Redis) over N waiting tickets,
//! for several N, to show the pass stays O(n log n).

use crate::{figures::round, xorshift::Xorshift};
use anyhow::ensure;
use serde_json::{Value, json};
use std::time::Instant;

/// A queue of `n` waiting tickets as a busy region would hold: ratings roughly normal around
/// 1200 (σ ≈ 250, sum of four uniforms), 80 % solos and 20 % parties of 2–5, waits spread over
/// the last 60 s.
fn waiting_tickets(n: usize, now_ms: i64) -> Vec<whoosh_core::matchmaking::Waiting> {
    let mut rng = Xorshift(0x9E37_79B9_7F4A_7C15 ^ n as u64);
    (0..n)
        .map(|_| {
            let spread: i64 = (0..4).map(|_| (rng.next() % 433) as i64).sum::<i64>() - 866;
            let players = if rng.next() % 5 == 0 {
                2 + (rng.next() % 4) as u8
            } else {
                1
            };
            whoosh_core::matchmaking::Waiting {
                rating: (1200 + spread) as i32,
                players,
                since_ms: now_ms - (rng.next() % 60_000) as i64,
            }
        })
        .collect()
}

pub fn run(sizes: &[usize], passes: usize) -> anyhow::Result<Value> {
    use whoosh_core::matchmaking::{MatchRules, form_groups};
    ensure!(passes > 0, "--passes must be at least 1");
    let rules = MatchRules::default();
    let now_ms = 1_800_000_000_000;
    let mut results = Vec::new();
    for &n in sizes {
        let queue = waiting_tickets(n, now_ms);
        let mut times_ms = Vec::with_capacity(passes);
        let mut groups = Vec::new();
        for _ in 0..passes {
            let started = Instant::now();
            groups =
                std::hint::black_box(form_groups(std::hint::black_box(&queue), now_ms, &rules));
            times_ms.push(started.elapsed().as_secs_f64() * 1e3);
        }
        times_ms.sort_by(f64::total_cmp);
        let median = times_ms[times_ms.len() / 2];
        let placed: usize = groups.iter().map(Vec::len).sum();
        let players: usize = groups
            .iter()
            .flatten()
            .map(|&i| usize::from(queue[i].players))
            .sum();
        let n_log_n = (n as f64) * (n.max(2) as f64).log2();
        results.push(json!({
            "tickets": n,
            "median_ms": round(median),
            "min_ms": round(times_ms[0]),
            "max_ms": round(times_ms[times_ms.len() - 1]),
            "ns_per_ticket": round(median * 1e6 / n.max(1) as f64),
            "ns_per_n_log2_n": round(median * 1e6 / n_log_n),
            "lobbies": groups.len(),
            "tickets_placed": placed,
            "players_placed": players,
        }));
    }
    Ok(json!({
        "rules": {
            "window": format!("±{}..±{} over {} ms", rules.window_start, rules.window_max, rules.widen_over_ms),
            "target_players": rules.target_players,
            "min_start_wait_ms": rules.min_start_wait_ms,
        },
        "passes_per_size": passes,
        "results": results,
    }))
}
