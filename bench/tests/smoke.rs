//! Every `whoosh-bench` scenario at a tiny size against real local stacks: each stack node is a
//! `whoosh-bench stack` process (every API router and an edge, as `whoosh dev` composes them) on
//! its own PostgreSQL database and Redis key prefix. Each test checks that the scenario ran to
//! the end, wrote its JSON with the figures the benchmark documents quote, and met no error. No
//! timing is asserted: speed is what docs/BENCHMARKS.md records.

#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::{
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::process::Child;
use whoosh_test_support::{TestDb, free_port, redis_url, test_env, test_keys_file, unique_prefix};

const BENCH: &str = env!("CARGO_BIN_EXE_whoosh-bench");

/// One stack node process.
struct Node {
    port: u16,
    child: Child,
}

impl Node {
    async fn start(db: &TestDb, prefix: &str, id: &str) -> Self {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let public = format!("ws://127.0.0.1:{port}");
        let outbox = std::env::temp_dir().join(format!("whoosh-bench-outbox-{id}-{port}"));
        let outbox = outbox.display().to_string();
        let overrides = [
            ("WHOOSH_BIND", bind.as_str()),
            ("EDGE_NODE_ID", id),
            ("EDGE_PUBLIC_URL", &public),
            ("EDGE_OUTBOX_DIR", &outbox),
            // Short games and a short lease, so that games end and move within a test.
            ("EDGE_ROUND_SECS_OVERRIDE", "6"),
            ("EDGE_LEASE_TTL", "1s"),
            ("EDGE_HEARTBEAT_TTL", "3s"),
            // Every request comes from 127.0.0.1: limits that would throttle one address.
            ("RATE_LIMIT_PER_CLIENT", "10000000/1m"),
            ("LOGIN_RATE_PER_ACCOUNT", "10000000/1m"),
            ("LOGIN_RATE_PER_IP", "10000000/1m"),
            ("REGISTER_RATE_PER_IP", "10000000/1m"),
            ("LOBBY_JOIN_RATE", "10000000/1m"),
            ("LOBBY_JOIN_RATE_PER_IP", "10000000/1m"),
            ("EDGE_MAX_CONNECTIONS_PER_IP", "100000"),
            ("DATABASE_MAX_CONNECTIONS", "10"),
        ];
        let child = tokio::process::Command::new(BENCH)
            .arg("stack")
            .env_clear()
            .envs(test_env(db, prefix, &overrides))
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let ready = format!("http://127.0.0.1:{port}/readyz");
        let started = Instant::now();
        let http = reqwest::Client::new();
        loop {
            if let Ok(r) = http.get(&ready).send().await {
                if r.status() == 200 {
                    break;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "node {id} never became ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { port, child }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn ws(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    fn pid(&self) -> String {
        self.child.id().unwrap().to_string()
    }
}

/// One node on a fresh database.
async fn stack() -> (TestDb, Node) {
    let db = TestDb::create().await;
    let node = Node::start(&db, &unique_prefix(), "a").await;
    (db, node)
}

fn keys() -> String {
    test_keys_file().display().to_string()
}

/// Runs `whoosh-bench <args> --json FILE` to the end (bounded) and returns the JSON it wrote.
async fn bench(args: &[&str], env: &[(&str, &str)]) -> Value {
    let out: PathBuf = std::env::temp_dir().join(format!(
        "whoosh-bench-smoke-{}.json",
        uuid::Uuid::new_v4().simple()
    ));
    let mut cmd = tokio::process::Command::new(BENCH);
    cmd.args(args)
        .arg("--json")
        .arg(&out)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let status = tokio::time::timeout(Duration::from_secs(240), cmd.status())
        .await
        .unwrap_or_else(|_| panic!("whoosh-bench {args:?} did not finish in 240 s"))
        .unwrap();
    assert!(status.success(), "whoosh-bench {args:?} failed: {status}");
    let figures: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let _ = std::fs::remove_file(&out);
    figures
}

fn num(v: &Value, path: &str) -> f64 {
    let mut at = v;
    for part in path.split('.') {
        at = &at[part];
    }
    at.as_f64()
        .unwrap_or_else(|| panic!("`{path}` is not a number in {v:#}"))
}

#[tokio::test]
async fn ceilings_measure_hashing_hello_world_the_router_both_ways_and_a_bare_broadcast() {
    let db = TestDb::create().await;
    let figures = bench(
        &[
            "ceilings",
            "--seconds",
            "1",
            "--http-seconds",
            "1",
            "--concurrency",
            "4",
            "--sockets",
            "20",
            "--ws-seconds",
            "2",
        ],
        &[("DATABASE_URL", &db.url), ("REDIS_URL", &redis_url())],
    )
    .await;
    assert!(
        num(&figures, "argon2id.hashes_per_sec") > 0.0,
        "{figures:#}"
    );
    assert!(num(&figures, "token_verify.us_per_verify") > 0.0);
    for stage in [
        "axum_hello",
        "router_over_http",
        "router_through_lambda_adapter",
    ] {
        assert!(
            num(&figures, &format!("{stage}.ok")) > 0.0,
            "{stage}: {figures:#}"
        );
        assert_eq!(
            num(&figures, &format!("{stage}.errors")),
            0.0,
            "{stage}: {figures:#}"
        );
        assert!(num(&figures, &format!("{stage}.server_cpu_us_per_request")) >= 0.0);
        assert!(num(&figures, &format!("{stage}.latency_ms.p99")) >= 0.0);
    }
    assert!(
        num(
            &figures,
            "ratios.authenticated_get_per_sec_over_hello_per_sec"
        ) > 0.0
    );
    assert!(num(&figures, "ratios.lambda_adapter_cpu_over_http_cpu") >= 0.0);
    assert_eq!(
        num(&figures, "bare_broadcast.connected"),
        20.0,
        "{figures:#}"
    );
    assert!(
        num(&figures, "bare_broadcast.messages") > 0.0,
        "{figures:#}"
    );
    // A figure only when the window's server CPU is enough clock ticks to be one.
    let per_cpu = &figures["bare_broadcast"]["messages_per_server_cpu_sec"];
    if num(&figures, "bare_broadcast.server_cpu_secs") < 1.0 {
        assert!(per_cpu.is_null(), "{figures:#}");
    } else {
        assert!(per_cpu.as_f64().unwrap() > 0.0, "{figures:#}");
    }
}

#[tokio::test]
async fn the_api_mix_reports_every_endpoint_without_errors() {
    let (_db, node) = stack().await;
    let figures = bench(
        &[
            "api",
            "--url",
            &node.url(),
            "--keys",
            &keys(),
            "--rate",
            "25",
            "--seconds",
            "2",
            "--players",
            "3",
            "--mix",
            "login=1,me=1,score=1,top=1,purchase=1",
        ],
        &[],
    )
    .await;
    assert_eq!(num(&figures, "errors"), 0.0, "{figures:#}");
    for kind in ["login", "me", "score", "top", "purchase"] {
        let endpoint = &figures["endpoints"][kind];
        assert!(num(endpoint, "ok") > 0.0, "{kind}: {figures:#}");
        assert_eq!(num(endpoint, "errors"), 0.0, "{kind}: {figures:#}");
        for q in ["p50", "p99", "p999"] {
            assert!(
                num(endpoint, &format!("latency_ms.{q}")) > 0.0,
                "{kind} {q}"
            );
        }
    }
}

#[tokio::test]
async fn the_single_endpoint_scenarios_run_without_errors() {
    let (_db, node) = stack().await;
    let url = node.url();
    let keys = keys();
    let login = bench(
        &[
            "login",
            "--url",
            &url,
            "--concurrency",
            "2",
            "--seconds",
            "1",
        ],
        &[],
    )
    .await;
    assert!(num(&login, "logins") > 0.0, "{login:#}");
    assert_eq!(num(&login, "errors"), 0.0, "{login:#}");

    let common = ["--url", url.as_str(), "--rate", "10", "--seconds", "1"];
    let purchase = bench(
        &[
            &["purchase"],
            &common[..],
            &["--keys", &keys, "--players", "2"],
        ]
        .concat(),
        &[],
    )
    .await;
    assert!(num(&purchase, "purchases") > 0.0, "{purchase:#}");
    assert_eq!(num(&purchase, "errors"), 0.0, "{purchase:#}");

    let scores = bench(
        &[
            &["scores"],
            &common[..],
            &["--keys", &keys, "--players", "2"],
        ]
        .concat(),
        &[],
    )
    .await;
    assert!(num(&scores, "score_updates") > 0.0, "{scores:#}");
    assert_eq!(num(&scores, "errors"), 0.0, "{scores:#}");

    let top = bench(&[&["top"], &common[..]].concat(), &[]).await;
    assert!(num(&top, "reads") > 0.0, "{top:#}");
    assert_eq!(num(&top, "errors"), 0.0, "{top:#}");

    let sse = bench(
        &[
            "sse",
            "--url",
            &url,
            "--keys",
            &keys,
            "--subscribers",
            "3",
            "--commits",
            "2",
        ],
        &[],
    )
    .await;
    assert_eq!(num(&sse, "deliveries"), 6.0, "{sse:#}");
    assert_eq!(num(&sse, "missing"), 0.0, "{sse:#}");
}

#[tokio::test]
async fn the_matcher_pass_reports_each_size() {
    let figures = bench(&["matcher", "--tickets", "100,1000", "--passes", "2"], &[]).await;
    let results = figures["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{figures:#}");
    for r in results {
        assert!(num(r, "tickets_placed") > 0.0, "{figures:#}");
        assert!(num(r, "median_ms") >= 0.0);
    }
}

#[tokio::test]
async fn the_edge_scenario_plays_every_lobby_without_errors() {
    let (_db, node) = stack().await;
    let figures = bench(
        &[
            "edge",
            "--url",
            &node.url(),
            "--players",
            "6",
            "--lobby-size",
            "3",
            "--server-pid",
            &node.pid(),
            "--settle-seconds",
            "1",
            "--warmup-seconds",
            "1",
            "--play-seconds",
            "2",
            "--round-secs",
            "60",
            "--suspect-every-ms",
            "300",
        ],
        &[],
    )
    .await;
    assert_eq!(num(&figures, "connected"), 6.0, "{figures:#}");
    assert!(num(&figures, "window.suspects_sent") > 0.0, "{figures:#}");
    assert_eq!(num(&figures, "window.errors"), 0.0, "{figures:#}");
    assert!(num(&figures, "window.suspects_applied_per_sec") > 0.0);
    assert!(num(&figures, "window.ticks_per_server_cpu_sec") > 0.0);
    assert_eq!(num(&figures, "in_started_games"), 6.0, "{figures:#}");
    assert_eq!(num(&figures, "socket_errors"), 0.0, "{figures:#}");
    assert_eq!(num(&figures, "dropped_by_server"), 0.0, "{figures:#}");
    assert_eq!(num(&figures, "seq_violations"), 0.0, "{figures:#}");
    assert!(
        num(&figures, "tick_latency_ms.samples") > 0.0,
        "{figures:#}"
    );
    assert!(num(&figures, "rss_per_player_kb.idle").is_finite());
    assert!(num(&figures, "window.messages_per_server_cpu_sec") > 0.0);
}

/// The yardstick: the same client against `whoosh-bench bare-server`, suspecting as it goes.
#[tokio::test]
async fn the_edge_scenario_plays_a_bare_lobby_server_the_same_way() {
    let port = free_port();
    let mut server = tokio::process::Command::new(BENCH)
        .args(["bare-server", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--lobby-size", "3", "--tick-ms", "200"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no bare server"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = server.id().unwrap().to_string();
    let url = format!("ws://127.0.0.1:{port}");
    let figures = bench(
        &[
            "edge",
            "--system",
            "bare",
            "--url",
            &url,
            "--players",
            "9",
            "--lobby-size",
            "3",
            "--server-pid",
            &pid,
            "--settle-seconds",
            "1",
            "--warmup-seconds",
            "1",
            "--play-seconds",
            "2",
            "--suspect-every-ms",
            "300",
        ],
        &[],
    )
    .await;
    let _ = server.kill().await;
    assert_eq!(num(&figures, "connected"), 9.0, "{figures:#}");
    assert_eq!(num(&figures, "in_started_games"), 9.0, "{figures:#}");
    assert_eq!(num(&figures, "socket_errors"), 0.0, "{figures:#}");
    assert_eq!(num(&figures, "dropped_by_server"), 0.0, "{figures:#}");
    assert_eq!(num(&figures, "seq_violations"), 0.0, "{figures:#}");
    assert!(num(&figures, "window.ticks") > 0.0, "{figures:#}");
    assert!(num(&figures, "window.suspects_sent") > 0.0, "{figures:#}");
    assert!(num(&figures, "tick_latency_ms.samples") > 0.0);
}

#[tokio::test]
async fn failover_resumes_every_game_on_the_other_node_and_records_it_once() {
    let db = TestDb::create().await;
    let prefix = unique_prefix();
    let a = Node::start(&db, &prefix, "a").await;
    let b = Node::start(&db, &prefix, "b").await;
    let figures = bench(
        &[
            "failover",
            "--url",
            &a.url(),
            "--node-b",
            &b.ws(),
            "--owner-pid",
            &a.pid(),
            "--lobbies",
            "2",
            "--lobby-size",
            "3",
            "--play-seconds",
            "1",
            "--round-secs",
            "60",
            "--deadline-seconds",
            "90",
            "--retry-ms",
            "250",
        ],
        &[("DATABASE_URL", &db.url)],
    )
    .await;
    assert_eq!(num(&figures, "players_back_on_b"), 6.0, "{figures:#}");
    assert_eq!(num(&figures, "players_game_over"), 6.0, "{figures:#}");
    assert_eq!(figures["results"]["persisted_once"], "2/2", "{figures:#}");
    assert_eq!(
        num(&figures, "results.match_player_rows"),
        6.0,
        "{figures:#}"
    );
    assert!(
        figures["failures"].as_object().unwrap().is_empty(),
        "{figures:#}"
    );
}

#[tokio::test]
async fn a_short_soak_with_a_node_killed_loses_no_result_and_no_coin() {
    let db = TestDb::create().await;
    let prefix = unique_prefix();
    let a = Node::start(&db, &prefix, "a").await;
    let b = Node::start(&db, &prefix, "b").await;
    let watch = format!("{},{}", a.pid(), b.pid());
    let figures = bench(
        &[
            "soak",
            "--url",
            &a.url(),
            "--fallback",
            &a.ws(),
            "--kill-pid",
            &b.pid(),
            "--watch-pids",
            &watch,
            "--players",
            "9",
            "--lobby-size",
            "3",
            "--minutes",
            "0.5",
            "--round-secs",
            "60",
            "--sample-seconds",
            "2",
            "--drain-seconds",
            "60",
        ],
        &[("DATABASE_URL", &db.url)],
    )
    .await;
    assert!(num(&figures, "games.finished") >= 3.0, "{figures:#}");
    assert_eq!(
        num(&figures, "games.started_not_finished"),
        0.0,
        "{figures:#}"
    );
    assert_eq!(num(&figures, "results.lost"), 0.0, "{figures:#}");
    assert_eq!(
        num(&figures, "results.matches_rows"),
        num(&figures, "results.finished_games"),
        "{figures:#}"
    );
    assert_eq!(
        num(&figures, "results.match_player_rows"),
        num(&figures, "results.expected_match_player_rows"),
        "{figures:#}"
    );
    assert!(num(&figures, "ledger.wallets") > 0.0, "{figures:#}");
    assert_eq!(num(&figures, "ledger.mismatches"), 0.0, "{figures:#}");
    assert!(num(&figures, "killed_at_secs") > 0.0, "{figures:#}");
    let survivor = &figures["rss"][a.pid()];
    assert!(
        !survivor["samples_kb"].as_array().unwrap().is_empty(),
        "{figures:#}"
    );
    assert!(
        figures["failures"].as_object().unwrap().is_empty(),
        "{figures:#}"
    );
}
