//! The edge against the bare lobby server in the report: the side-by-side table and the ratios
//! the edge is held to. A `scripts/bench` run leaves `versus-<n>-bare.json` and
//! `versus-<n>-edge.json` for each size, `suspect-100.json` (the small end of the tick-latency
//! ratio, same client mode) and `tenhz-<n>.json` (the edge pinned to one core at 10 Hz, at each
//! size tried: the figure is the largest size whose tick p99 stays within [`TEN_HZ_P99_MS`] with
//! every player connected and none dropped).

use super::{Ratio, at, div, show};
use serde_json::Value;
use std::{collections::BTreeMap, fmt::Write as _, path::Path};

/// Every playing player sends `SUSPECT` this often in the side-by-side runs (`scripts/bench`).
pub const SUSPECT_EVERY_SECS: u64 = 2;
/// Tick delivery p99 the 10 Hz figure is held to.
pub const TEN_HZ_P99_MS: f64 = 50.0;

#[derive(Debug, Default)]
pub struct Versus {
    /// Per size: (bare, edge).
    pub sizes: BTreeMap<u64, (Value, Value)>,
    pub small: Value,
    /// Per size tried: the 10 Hz run.
    pub ten_hz: BTreeMap<u64, Value>,
}

impl Versus {
    pub fn read(dir: &Path) -> Versus {
        let read = |name: &str| -> Value {
            std::fs::read_to_string(dir.join(format!("{name}.json")))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(Value::Null)
        };
        let mut sizes = BTreeMap::new();
        let mut ten_hz = BTreeMap::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(n) = name
                .strip_prefix("tenhz-")
                .and_then(|rest| rest.strip_suffix(".json"))
                .and_then(|n| n.parse::<u64>().ok())
            {
                ten_hz.insert(n, read(&format!("tenhz-{n}")));
                continue;
            }
            let Some(n) = name
                .strip_prefix("versus-")
                .and_then(|rest| rest.strip_suffix("-edge.json"))
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            sizes.insert(
                n,
                (
                    read(&format!("versus-{n}-bare")),
                    read(&format!("versus-{n}-edge")),
                ),
            );
        }
        Versus {
            sizes,
            small: read("suspect-100"),
            ten_hz,
        }
    }

    /// The largest size tried at 10 Hz that held: every player connected, none dropped, tick
    /// p99 within the bound; with its p99.
    fn held_at_ten_hz(&self) -> Option<(u64, f64)> {
        self.ten_hz
            .iter()
            .filter_map(|(n, v)| {
                let p99 = at(v, "tick_latency_ms.p99")?;
                let whole = at(v, "connected") == Some(*n as f64)
                    && at(v, "dropped_by_server") == Some(0.0);
                (whole && p99 <= TEN_HZ_P99_MS).then_some((*n, p99))
            })
            .next_back()
    }

    fn at_size(&self, n: u64) -> (&Value, &Value) {
        self.sizes
            .get(&n)
            .map_or((&Value::Null, &Value::Null), |(b, e)| (b, e))
    }

    pub fn ratios(&self) -> Vec<Ratio> {
        let tick_cost = |n: u64| {
            let (bare, edge) = self.at_size(n);
            let (b, e) = (
                at(bare, "window.ticks_per_server_cpu_sec"),
                at(edge, "window.ticks_per_server_cpu_sec"),
            );
            Ratio {
                name: if n == 2000 {
                    "edge ÷ bare TICKs per server CPU-s at 2,000 players, SUSPECT every 2 s"
                } else {
                    "edge ÷ bare TICKs per server CPU-s at 5,000 players, SUSPECT every 2 s"
                },
                value: div(e, b),
                target: "≥ 0.8",
                at_least: true,
                bound: 0.8,
                how: format!("{} ÷ {}", show(e), show(b)),
            }
        };
        let (bare5, edge5) = self.at_size(5000);
        let (rss_b, rss_e) = (
            at(bare5, "rss_per_player_kb.playing"),
            at(edge5, "rss_per_player_kb.playing"),
        );
        let (_, edge10) = self.at_size(10_000);
        let (p99_small, p99_big) = (
            at(&self.small, "tick_latency_ms.p99"),
            at(edge10, "tick_latency_ms.p99"),
        );
        let faults = match (
            at(edge10, "dropped_by_server"),
            at(edge10, "seq_violations"),
        ) {
            (Some(d), Some(v)) => Some(d + v),
            _ => None,
        };
        let held = self.held_at_ten_hz();
        let tried: Vec<String> = self
            .ten_hz
            .iter()
            .map(|(n, v)| format!("{n}: {} ms", show(at(v, "tick_latency_ms.p99"))))
            .collect();
        vec![
            tick_cost(2000),
            tick_cost(5000),
            Ratio {
                name: "RSS per playing player, edge ÷ bare, at 5,000 players",
                value: div(rss_e, rss_b),
                target: "≤ 1.2",
                at_least: false,
                bound: 1.2,
                how: format!("{} KiB ÷ {} KiB", show(rss_e), show(rss_b)),
            },
            Ratio {
                name: "tick p99 at 10,000 players ÷ at 100, SUSPECT every 2 s",
                value: div(p99_big, p99_small),
                target: "≤ 1.5",
                at_least: false,
                bound: 1.5,
                how: format!("{} ms ÷ {} ms", show(p99_big), show(p99_small)),
            },
            Ratio {
                name: "dropped sockets + seq violations at 10,000 players",
                value: faults,
                target: "≤ 0",
                at_least: false,
                bound: 0.0,
                how: format!(
                    "{} dropped, {} violations",
                    show(at(edge10, "dropped_by_server")),
                    show(at(edge10, "seq_violations"))
                ),
            },
            Ratio {
                name: "players held on one core at 10 Hz with tick p99 ≤ 50 ms",
                value: if self.ten_hz.is_empty() {
                    None
                } else {
                    Some(held.map_or(0.0, |(n, _)| n as f64))
                },
                target: "≥ 2500",
                at_least: true,
                bound: 2500.0,
                how: format!(
                    "`whoosh dev` on one core (taskset), EDGE_TICK_HZ=10, SUSPECT every 2 s; tick p99 by size: {}",
                    tried.join(", ")
                ),
            },
        ]
    }

    pub fn render(&self, s: &mut String) {
        if self.sizes.is_empty() {
            return;
        }
        let _ = writeln!(
            s,
            "\n### Edge against a bare lobby server (SUSPECT every {SUSPECT_EVERY_SECS} s)\n"
        );
        let _ = writeln!(
            s,
            "The same client, one system after the other; TICKs per server CPU-second are the \
             TICKs delivered in the window over the utime + stime of the server process in it.\n"
        );
        let _ = writeln!(
            s,
            "| players | system | connected / dropped | RSS per idle player KiB | per playing player KiB | TICKs per server CPU-s | tick p50 / p99 / p999 ms | SUSPECTs applied/s | seq violations | edge ÷ bare |"
        );
        let _ = writeln!(s, "|---:|---|---|---:|---:|---:|---|---:|---:|---:|");
        // The edge at 100 players first (no bare run: the small end of the latency ratio).
        let mut rows: Vec<(u64, &str, &Value, Option<f64>)> = Vec::new();
        if !self.small.is_null() {
            rows.push((100, "edge", &self.small, None));
        }
        for (n, (bare, edge)) in &self.sizes {
            let ratio = div(
                at(edge, "window.ticks_per_server_cpu_sec"),
                at(bare, "window.ticks_per_server_cpu_sec"),
            );
            rows.push((*n, "bare", bare, None));
            rows.push((*n, "edge", edge, ratio));
        }
        for (n, system, v, ratio) in rows {
            let _ = writeln!(
                s,
                "| {n} | {system} | {} / {} | {} | {} | {} | {} / {} / {} | {} | {} | {} |",
                show(at(v, "connected")),
                show(at(v, "dropped_by_server")),
                show(at(v, "rss_per_player_kb.idle")),
                show(at(v, "rss_per_player_kb.playing")),
                show(at(v, "window.ticks_per_server_cpu_sec")),
                show(at(v, "tick_latency_ms.p50")),
                show(at(v, "tick_latency_ms.p99")),
                show(at(v, "tick_latency_ms.p999")),
                show(at(v, "window.suspects_applied_per_sec")),
                show(at(v, "seq_violations")),
                ratio.map_or_else(String::new, |r| r.to_string()),
            );
        }
        if !self.ten_hz.is_empty() {
            let _ = writeln!(
                s,
                "\n### The edge at 10 Hz on one core (SUSPECT every {SUSPECT_EVERY_SECS} s)\n"
            );
            let _ = writeln!(
                s,
                "| players | connected / dropped | TICKs per player per s | server cores busy | tick p50 / p99 / p999 ms | seq violations |"
            );
            let _ = writeln!(s, "|---:|---|---:|---:|---|---:|");
            for (n, v) in &self.ten_hz {
                let _ = writeln!(
                    s,
                    "| {n} | {} / {} | {} | {} | {} / {} / {} | {} |",
                    show(at(v, "connected")),
                    show(at(v, "dropped_by_server")),
                    show(at(v, "window.ticks_per_player_per_sec")),
                    show(at(v, "window.server_cores_busy")),
                    show(at(v, "tick_latency_ms.p50")),
                    show(at(v, "tick_latency_ms.p99")),
                    show(at(v, "tick_latency_ms.p999")),
                    show(at(v, "seq_violations")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ratios_come_from_the_side_by_side_files_and_ten_hz_holds_its_largest_good_size() {
        let dir = std::env::temp_dir().join(format!("whoosh-versus-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let write = |name: &str, v: Value| {
            std::fs::write(dir.join(format!("{name}.json")), v.to_string()).expect("written");
        };
        let run = |ticks: f64, rss: f64, p99: f64| {
            json!({"window": {"ticks_per_server_cpu_sec": ticks}, "rss_per_player_kb": {"playing": rss},
                   "tick_latency_ms": {"p99": p99}, "dropped_by_server": 0, "seq_violations": 0})
        };
        write("versus-2000-bare", run(100.0, 10.0, 2.0));
        write("versus-2000-edge", run(85.0, 11.0, 2.0));
        write("versus-5000-bare", run(100.0, 10.0, 2.0));
        write("versus-5000-edge", run(70.0, 13.0, 2.0));
        write("versus-10000-edge", run(70.0, 13.0, 3.0));
        write("suspect-100", run(50.0, 20.0, 2.0));
        let ten = |p99: f64, n: u64| json!({"tick_latency_ms": {"p99": p99}, "connected": n, "dropped_by_server": 0});
        write("tenhz-2500", ten(20.0, 2500));
        write("tenhz-4000", ten(80.0, 4000));
        let versus = Versus::read(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        let ratios = versus.ratios();
        let met: Vec<(Option<f64>, Option<bool>)> =
            ratios.iter().map(|r| (r.value, r.met())).collect();
        assert_eq!(
            met,
            vec![
                (Some(0.85), Some(true)),
                (Some(0.7), Some(false)),
                (Some(1.3), Some(false)),
                (Some(1.5), Some(true)),
                (Some(0.0), Some(true)),
                (Some(2500.0), Some(true)),
            ]
        );
        let mut s = String::new();
        versus.render(&mut s);
        assert!(s.contains("| 2000 | edge |"), "{s}");
        assert!(s.contains("| 4000 | 4000 / 0 |"), "{s}");
    }
}
