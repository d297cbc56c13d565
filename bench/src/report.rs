//! `whoosh-bench report`: the figures of a `scripts/bench` run (its JSON files) as the tables of
//! docs/BENCHMARKS.md, written between the document's `<!-- bench:begin -->` and
//! `<!-- bench:end -->` markers; the rest of the document is left as it is.

use anyhow::{Context, ensure};
use serde_json::Value;
use std::fmt::Write as _;

mod versus;

pub const BEGIN: &str = "<!-- bench:begin -->";
pub const END: &str = "<!-- bench:end -->";

#[derive(Debug, Clone)]
pub struct Options {
    pub dir: std::path::PathBuf,
    pub doc: std::path::PathBuf,
    pub command: String,
    pub profile: String,
    pub elapsed_secs: u64,
}

pub fn run(o: &Options) -> anyhow::Result<Value> {
    let read = |name: &str| -> Value {
        std::fs::read_to_string(o.dir.join(format!("{name}.json")))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null)
    };
    let mut edges: Vec<(u64, Value)> = std::fs::read_dir(&o.dir)
        .with_context(|| format!("reading {}", o.dir.display()))?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let n = name
                .strip_prefix("edge-")?
                .strip_suffix(".json")?
                .parse()
                .ok()?;
            Some((n, read(&format!("edge-{n}"))))
        })
        .collect();
    edges.sort_by_key(|(n, _)| *n);
    let run = Run {
        ceilings: read("ceilings"),
        login: read("login"),
        api: read("api"),
        scores: read("scores"),
        top: read("top"),
        sse: read("sse"),
        soak: read("soak"),
        parts: read("parts"),
        login_cpu: read("login-cpu"),
        edges,
        versus: versus::Versus::read(&o.dir),
        load: std::fs::read_to_string(o.dir.join("load.txt")).unwrap_or_default(),
        machine: machine(),
        commit: commit(),
        date: date(),
    };
    let section = render(&run, o);
    let doc =
        std::fs::read_to_string(&o.doc).with_context(|| format!("reading {}", o.doc.display()))?;
    let updated = replace_between_markers(&doc, &section)?;
    std::fs::write(&o.doc, updated).with_context(|| format!("writing {}", o.doc.display()))?;
    Ok(
        serde_json::json!({ "ratios": run.ratios().iter().map(|r| serde_json::json!({
        "figure": r.name, "measured": r.value, "target": r.target, "met": r.met(),
    })).collect::<Vec<_>>() }),
    )
}

/// `doc` with everything between the markers replaced by `section`.
pub fn replace_between_markers(doc: &str, section: &str) -> anyhow::Result<String> {
    let start = doc
        .find(BEGIN)
        .with_context(|| format!("no `{BEGIN}` marker in the document"))?;
    let end = doc
        .find(END)
        .with_context(|| format!("no `{END}` marker in the document"))?;
    ensure!(start < end, "`{END}` comes before `{BEGIN}`");
    Ok(format!(
        "{}{BEGIN}\n{}\n{}",
        &doc[..start],
        section.trim_end(),
        &doc[end..]
    ))
}

struct Run {
    ceilings: Value,
    login: Value,
    api: Value,
    scores: Value,
    top: Value,
    sse: Value,
    soak: Value,
    parts: Value,
    /// The node's CPU during the login scenario (`scripts/bench` reads it from /proc).
    login_cpu: Value,
    edges: Vec<(u64, Value)>,
    versus: versus::Versus,
    load: String,
    machine: String,
    commit: String,
    date: String,
}

pub(crate) struct Ratio {
    pub(crate) name: &'static str,
    pub(crate) value: Option<f64>,
    /// `≥ x` or `≤ x`.
    pub(crate) target: &'static str,
    pub(crate) at_least: bool,
    pub(crate) bound: f64,
    pub(crate) how: String,
}

impl Ratio {
    fn met(&self) -> Option<bool> {
        self.value.map(|v| {
            if self.at_least {
                v >= self.bound
            } else {
                v <= self.bound
            }
        })
    }
}

pub(crate) fn at(v: &Value, path: &str) -> Option<f64> {
    path.split('.').try_fold(v, |v, p| v.get(p))?.as_f64()
}

pub(crate) fn div(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some((a / b * 100.0).round() / 100.0),
        _ => None,
    }
}

pub(crate) fn show(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v}"))
}

impl Run {
    fn small_edge(&self) -> Option<&(u64, Value)> {
        self.edges.first()
    }

    fn big_edge(&self) -> Option<&(u64, Value)> {
        self.edges.last().filter(|_| self.edges.len() > 1)
    }

    fn ratios(&self) -> Vec<Ratio> {
        let c = &self.ceilings;
        let hashes = at(c, "argon2id.hashes_per_sec");
        let logins = at(&self.login, "logins_per_sec");
        let bare = at(c, "bare_broadcast.messages_per_server_cpu_sec");
        let (small_n, small) = self
            .small_edge()
            .map_or((0, &Value::Null), |(n, v)| (*n, v));
        let (big_n, big) = self.big_edge().map_or((0, &Value::Null), |(n, v)| (*n, v));
        let edge_msgs = at(big, "window.messages_per_server_cpu_sec");
        let p99_small = at(small, "tick_latency_ms.p99");
        let p99_big = at(big, "tick_latency_ms.p99");
        let mut ratios = vec![
            Ratio {
                name: "login/s ÷ argon2id hashes/s",
                value: div(logins, hashes),
                target: "≥ 0.9",
                at_least: true,
                bound: 0.9,
                how: format!("{} ÷ {}", show(logins), show(hashes)),
            },
            Ratio {
                name: "authenticated GET/s ÷ axum hello-world/s",
                value: at(c, "ratios.authenticated_get_per_sec_over_hello_per_sec"),
                target: "≥ 0.5",
                at_least: true,
                bound: 0.5,
                how: format!(
                    "{} ÷ {}",
                    show(at(c, "router_over_http.ok_per_sec")),
                    show(at(c, "axum_hello.ok_per_sec"))
                ),
            },
            Ratio {
                name: "Lambda adapter CPU (one at a time) ÷ HTTP CPU (concurrency 32) per request, ceilings",
                value: at(c, "ratios.lambda_adapter_cpu_over_http_cpu"),
                target: "≤ 1.2",
                at_least: false,
                bound: 1.2,
                how: format!(
                    "{} µs ÷ {} µs",
                    show(at(
                        c,
                        "router_through_lambda_adapter.server_cpu_us_per_request"
                    )),
                    show(at(c, "router_over_http.server_cpu_us_per_request"))
                ),
            },
            Ratio {
                name: "edge messages per CPU-s ÷ bare tungstenite broadcast",
                value: div(edge_msgs, bare),
                target: "≥ 0.5",
                at_least: true,
                bound: 0.5,
                how: format!("{} ÷ {} (at {big_n} sockets)", show(edge_msgs), show(bare)),
            },
            Ratio {
                name: "tick p99 at the large N ÷ at the small N",
                value: div(p99_big, p99_small),
                target: "≤ 1.5",
                at_least: false,
                bound: 1.5,
                how: format!(
                    "{} ms at {big_n} ÷ {} ms at {small_n}",
                    show(p99_big),
                    show(p99_small)
                ),
            },
            Ratio {
                name: "RSS per idle player (KiB)",
                value: at(big, "rss_per_player_kb.idle"),
                target: "≤ 16",
                at_least: false,
                bound: 16.0,
                how: format!("at {big_n} players"),
            },
            Ratio {
                name: "score update p99 at 500 req/s (ms)",
                value: at(&self.scores, "latency_ms.p99"),
                target: "≤ 10",
                at_least: false,
                bound: 10.0,
                how: format!(
                    "{} updates, {} errors",
                    show(at(&self.scores, "score_updates")),
                    show(at(&self.scores, "errors"))
                ),
            },
            Ratio {
                name: "top-100 p99 at 500 req/s (ms)",
                value: at(&self.top, "latency_ms.p99"),
                target: "≤ 5",
                at_least: false,
                bound: 5.0,
                how: format!(
                    "{} reads, {} errors",
                    show(at(&self.top, "reads")),
                    show(at(&self.top, "errors"))
                ),
            },
            Ratio {
                name: "SSE commit → receipt p99 (ms)",
                value: at(&self.sse, "commit_to_receipt_ms.p99"),
                target: "≤ 50",
                at_least: false,
                bound: 50.0,
                how: format!(
                    "{} deliveries, {} missing",
                    show(at(&self.sse, "deliveries")),
                    show(at(&self.sse, "missing"))
                ),
            },
            {
                let wrong = at(&self.login, "failed_login_ms.wrong_password_p50");
                let unknown = at(&self.login, "failed_login_ms.unknown_user_p50");
                let slower_over_faster = match (wrong, unknown) {
                    (Some(w), Some(u)) => div(Some(w.max(u)), Some(w.min(u))),
                    _ => None,
                };
                Ratio {
                    name: "refused login p50, unknown user vs wrong password (slower ÷ faster)",
                    value: slower_over_faster,
                    target: "≤ 1.25",
                    at_least: false,
                    bound: 1.25,
                    how: format!(
                        "{} ms unknown user, {} ms wrong password",
                        show(unknown),
                        show(wrong)
                    ),
                }
            },
        ];
        ratios.extend(crate::parts::ratios(
            &self.parts,
            &self.login,
            &self.login_cpu,
            c,
        ));
        ratios.extend(self.versus.ratios());
        ratios
    }
}

fn render(run: &Run, o: &Options) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## Standard set (`scripts/bench`)\n");
    let _ = writeln!(
        s,
        "Written by `whoosh-bench report` at the end of `{}`; rerun it to refresh everything \
         between the markers.\n",
        o.command
    );
    let _ = writeln!(s, "- date: {}", run.date);
    let _ = writeln!(s, "- machine: {}", run.machine);
    let _ = writeln!(s, "- commit: `{}`, profile `{}`", run.commit, o.profile);
    let _ = writeln!(
        s,
        "- measured in {} min {} s; load average (1/5/15 min) before and after each \
         scenario, which shows what else ran on the cores:\n",
        o.elapsed_secs / 60,
        o.elapsed_secs % 60
    );
    let _ = writeln!(s, "```text\n{}```\n", run.load);

    let _ = writeln!(s, "### Ratios and targets\n");
    let _ = writeln!(s, "| figure | measured | from | target | met |");
    let _ = writeln!(s, "|---|---:|---|---|---|");
    for r in run.ratios() {
        let met = match r.met() {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "not measured",
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {met} |",
            r.name,
            show(r.value),
            r.how,
            r.target
        );
    }

    let c = &run.ceilings;
    let _ = writeln!(s, "\n### Ceilings\n");
    let _ = writeln!(s, "| figure | value |");
    let _ = writeln!(s, "|---|---:|");
    let rows = [
        (
            "argon2id hashes/s (m=19456, t=2, p=1), every core",
            "argon2id.hashes_per_sec",
        ),
        (
            "RS256 verification, one core (µs)",
            "token_verify.us_per_verify",
        ),
        (
            "axum hello-world req/s (closed loop)",
            "axum_hello.ok_per_sec",
        ),
        (
            "… server CPU per request (µs)",
            "axum_hello.server_cpu_us_per_request",
        ),
        ("… p99 (ms)", "axum_hello.latency_ms.p99"),
        (
            "`GET /api/profiles/me` over HTTP, req/s",
            "router_over_http.ok_per_sec",
        ),
        (
            "… server CPU per request (µs)",
            "router_over_http.server_cpu_us_per_request",
        ),
        ("… p99 (ms)", "router_over_http.latency_ms.p99"),
        (
            "the same through the Lambda adapter, req/s",
            "router_through_lambda_adapter.ok_per_sec",
        ),
        (
            "… CPU per request (µs)",
            "router_through_lambda_adapter.server_cpu_us_per_request",
        ),
        (
            "bare broadcast: sockets connected",
            "bare_broadcast.connected",
        ),
        ("… messages/s delivered", "bare_broadcast.messages_per_sec"),
        (
            "… messages per server CPU-second",
            "bare_broadcast.messages_per_server_cpu_sec",
        ),
    ];
    for (name, path) in rows {
        let _ = writeln!(s, "| {name} | {} |", show(at(c, path)));
    }

    let _ = writeln!(
        s,
        "\n### API mix at {} req/s (open model, latency from the scheduled time)\n",
        show(at(&run.api, "target_rate"))
    );
    let _ = writeln!(
        s,
        "| endpoint | ok/s | p50 ms | p99 ms | p999 ms | errors |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---|");
    if let Some(endpoints) = run.api["endpoints"].as_object() {
        for (name, e) in endpoints {
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {} | {} | {} {} |",
                show(at(e, "ok_per_sec")),
                show(at(e, "latency_ms.p50")),
                show(at(e, "latency_ms.p99")),
                show(at(e, "latency_ms.p999")),
                show(at(e, "errors")),
                e["errors_by_status"]
            );
        }
    }

    let _ = writeln!(s, "\n### Single scenarios\n");
    let _ = writeln!(
        s,
        "| scenario | load | p50 ms | p99 ms | p999 ms | errors |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|");
    let single = [
        (
            "login (closed loop)",
            &run.login,
            "latency_ms",
            format!(
                "{} logins/s at concurrency {}",
                show(at(&run.login, "logins_per_sec")),
                show(at(&run.login, "concurrency"))
            ),
        ),
        (
            "score update",
            &run.scores,
            "latency_ms",
            format!("{} req/s", show(at(&run.scores, "target_rate"))),
        ),
        (
            "top-100",
            &run.top,
            "latency_ms",
            format!("{} req/s", show(at(&run.top, "target_rate"))),
        ),
        (
            "SSE commit → receipt",
            &run.sse,
            "commit_to_receipt_ms",
            format!("{} subscribers", show(at(&run.sse, "subscribers"))),
        ),
    ];
    for (name, v, key, load) in single {
        let errors = at(v, "errors").or_else(|| at(v, "missing"));
        let _ = writeln!(
            s,
            "| {name} | {load} | {} | {} | {} | {} |",
            show(at(v, &format!("{key}.p50"))),
            show(at(v, &format!("{key}.p99"))),
            show(at(v, &format!("{key}.p999"))),
            show(errors)
        );
    }

    let _ = writeln!(s, "\n### Edge\n");
    let _ = writeln!(
        s,
        "| players | connected / refused / dropped | RSS per idle player KiB | per playing player KiB | messages per server CPU-s | tick p50 / p99 / p999 ms | seq violations |"
    );
    let _ = writeln!(s, "|---:|---|---:|---:|---:|---|---:|");
    for (n, e) in &run.edges {
        let _ = writeln!(
            s,
            "| {n} | {} / {} / {} | {} | {} | {} | {} / {} / {} | {} |",
            show(at(e, "connected")),
            e["refused"]
                .as_object()
                .map_or(0, |r| r.values().filter_map(Value::as_u64).sum::<u64>()),
            show(at(e, "dropped_by_server")),
            show(at(e, "rss_per_player_kb.idle")),
            show(at(e, "rss_per_player_kb.playing")),
            show(at(e, "window.messages_per_server_cpu_sec")),
            show(at(e, "tick_latency_ms.p50")),
            show(at(e, "tick_latency_ms.p99")),
            show(at(e, "tick_latency_ms.p999")),
            show(at(e, "seq_violations"))
        );
    }

    s.push_str(&crate::parts::render(&run.parts));
    run.versus.render(&mut s);

    let k = &run.soak;
    let _ = writeln!(s, "\n### Soak\n");
    let _ = writeln!(s, "| figure | value |");
    let _ = writeln!(s, "|---|---|");
    let soak_rows = [
        (
            "players / minutes",
            format!("{} / {}", show(at(k, "players")), show(at(k, "minutes"))),
        ),
        ("edge node killed at (s)", show(at(k, "killed_at_secs"))),
        (
            "games opened / started / finished",
            format!(
                "{} / {} / {}",
                show(at(k, "games.opened")),
                show(at(k, "games.started")),
                show(at(k, "games.finished"))
            ),
        ),
        (
            "games started but not finished",
            show(at(k, "games.started_not_finished")),
        ),
        (
            "games with a reconnect / reconnects",
            format!(
                "{} / {}",
                show(at(k, "games.with_reconnects")),
                show(at(k, "reconnects"))
            ),
        ),
        (
            "**lost results** (finished games without their `matches` row)",
            show(at(k, "results.lost")),
        ),
        (
            "`match_players` rows / expected",
            format!(
                "{} / {}",
                show(at(k, "results.match_player_rows")),
                show(at(k, "results.expected_match_player_rows"))
            ),
        ),
        (
            "**ledger mismatches** (wallets ≠ sum of ledger rows) / wallets",
            format!(
                "{} / {}",
                show(at(k, "ledger.mismatches")),
                show(at(k, "ledger.wallets"))
            ),
        ),
        ("failures", k["failures"].to_string()),
    ];
    for (name, value) in soak_rows {
        let _ = writeln!(s, "| {name} | {value} |");
    }
    if let Some(rss) = k["rss"].as_object() {
        for (pid, r) in rss {
            let series: Vec<String> = r["samples_kb"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|p| format!("{:.0}", p[1].as_f64().unwrap_or(0.0) / 1024.0))
                        .collect()
                })
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "| RSS of pid {pid}, MiB every 10 s | {} (growth after the kill: {} KiB/min; flat: {}) |",
                series.join(" "),
                show(at(r, "growth_kb_per_min")),
                r["flat"]
            );
        }
    }
    s
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or_else(String::new, |kb| {
            format!(", {:.0} GiB", kb / 1024.0 / 1024.0)
        });
    format!(
        "{} cores ({}), {cpu}{mem_gib}, {}",
        crate::figures::cores(),
        std::env::consts::ARCH,
        "PostgreSQL, Redis and the load generator on the same machine"
    )
}

fn commit() -> String {
    std::process::Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "unknown".to_owned(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        )
}

fn date() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map_or_else(String::new, |o| {
            String::from_utf8_lossy(&o.stdout).trim().to_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_text_between_the_markers_is_replaced() {
        let doc = format!("# T\n\nintro\n\n{BEGIN}\nold table\n{END}\n\nafter\n");
        let new = replace_between_markers(&doc, "new table\n").expect("markers");
        assert_eq!(
            new,
            format!("# T\n\nintro\n\n{BEGIN}\nnew table\n{END}\n\nafter\n")
        );
        assert!(replace_between_markers("no markers", "x").is_err());
        assert!(replace_between_markers(&format!("{END}\n{BEGIN}"), "x").is_err());
    }

    #[test]
    fn a_ratio_is_met_on_the_right_side_of_its_bound() {
        let r = |value, at_least| Ratio {
            name: "r",
            value,
            target: "",
            at_least,
            bound: 1.0,
            how: String::new(),
        };
        assert_eq!(r(Some(1.2), true).met(), Some(true));
        assert_eq!(r(Some(1.2), false).met(), Some(false));
        assert_eq!(r(None, true).met(), None);
        assert_eq!(div(Some(1.0), Some(0.0)), None);
        assert_eq!(div(Some(1.0), Some(3.0)), Some(0.33));
    }
}
