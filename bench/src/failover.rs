//! `whoosh-bench failover`: how long the players of a dead edge node's games wait before play
//! resumes on another node, and whether every game is still recorded exactly once.
//!
//! Given two running edge nodes sharing one PostgreSQL database and one Redis key prefix — node A
//! (`--url`, the API and an edge, e.g. `whoosh dev`, process `--owner-pid`) and node B
//! (`--node-b`, e.g. a `whoosh-edge` process) — both with a short `EDGE_ROUND_SECS_OVERRIDE` so the
//! games end within the run:
//!
//! 1. setup through A's API: `--lobbies` × `--lobby-size` guests, one private lobby per group
//!    (`POST /api/lobbies`, `POST /api/lobbies/join`);
//! 2. every player connects to A and waits for `WELCOME`; everyone but the host sends `READY`,
//!    each host `START`s; once a player's game has started it fetches a fresh join token
//!    (`GET /api/lobbies/{id}`), since A's API dies with A;
//! 3. after `--play-seconds` of play, A is killed with SIGKILL;
//! 4. every player reconnects to B with `?last_seq=` (the `seq` of the last message it received),
//!    as docs/PROTOCOL.md says: 421 (and 429/503) → wait `Retry-After`; a socket closed before its
//!    `WELCOME` (1013 `lobby owner unreachable`) or a transport error → back off 0.5 s, 1 s, 2 s …
//!    up to 5 s (or a fixed `--retry-ms`); then it plays on until `GAME_OVER` and closes;
//! 5. per lobby, the time from the kill to the first `TICK` any of its players received from B
//!    (and to the last of its players back); then PostgreSQL (`psql`, `--database-url`) is asked
//!    for the `matches` rows of the lobby ids (the match id is the lobby id) and their players.
//!
//! Everything is bounded: each phase has a deadline (`--deadline-seconds` after the kill for the
//! games to end), and the run ends by itself.

use crate::client::{
    Seat, Ws, guest, http_client, is_event, open_lobby, open_socket, refresh_join, refusal_kind,
    scrape, socket_url, startable, unix_us, wait_after,
};
use anyhow::{Context, bail, ensure};
use futures_util::{SinkExt, StreamExt, stream};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::{Semaphore, watch};
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Clone)]
pub struct Options {
    /// Node A's base URL (API and edge), `http://…`.
    pub url: String,
    /// Node B's edge, `ws://…` (its `/metrics` is read at the same address over HTTP).
    pub node_b: String,
    pub owner_pid: u32,
    pub lobbies: usize,
    pub lobby_size: usize,
    pub play: Duration,
    pub concurrency: usize,
    pub round_secs: u32,
    pub database_url: String,
    pub deadline: Duration,
    /// A fixed wait between reconnect attempts instead of the documented backoff.
    pub retry: Option<Duration>,
}

/// What the phases tell every player task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Ready,
    Stop,
}

#[derive(Debug)]
struct Shared {
    started: AtomicU64,
    /// When A was killed (µs since the Unix epoch), 0 before.
    killed_us: AtomicU64,
    tokens_refreshed: AtomicU64,
    http: reqwest::Client,
    url: String,
    node_b: String,
    retry: Option<Duration>,
    refresh_slots: Semaphore,
    refusals: Mutex<BTreeMap<String, u64>>,
}

/// One player's failover, as its task saw it.
#[derive(Debug, Default)]
struct Outcome {
    lobby: String,
    /// A's socket ended after the kill (not before).
    dropped_after_kill: bool,
    /// Reconnect attempts to B, the successful one included.
    attempts: u32,
    /// From the kill to B's `WELCOME`, to B's first `TICK`, in µs.
    welcome_us: Option<u64>,
    first_tick_us: Option<u64>,
    resumed: Option<bool>,
    game_over: bool,
    failure: Option<String>,
}

pub async fn run(o: Options) -> anyhow::Result<Value> {
    crate::stack::ensure_loopback(&o.url)?;
    crate::stack::ensure_loopback(&o.node_b)?;
    let db_host = o
        .database_url
        .split('@')
        .next_back()
        .unwrap_or_default()
        .trim_start_matches("postgres://")
        .trim_start_matches("postgresql://");
    crate::stack::ensure_loopback(&format!("postgres://{db_host}"))?;
    ensure!(
        (3..=10).contains(&o.lobby_size),
        "--lobby-size must be 3 to 10"
    );
    ensure!(o.lobbies > 0, "--lobbies must be positive");
    ensure!(o.concurrency > 0, "--concurrency must be positive");
    ensure!(
        std::path::Path::new(&format!("/proc/{}", o.owner_pid)).exists(),
        "no process {} (--owner-pid)",
        o.owner_pid
    );
    let http = http_client(o.concurrency)?;
    let b_http = o.node_b.replacen("ws", "http", 1);
    let ready = http.get(format!("{b_http}/readyz")).send().await;
    ensure!(
        ready.as_ref().is_ok_and(|r| r.status().is_success()),
        "node B at {b_http} is not ready: {ready:?}"
    );
    let run_started = Instant::now();

    // Setup through A's API.
    let players = o.lobbies * o.lobby_size;
    let accesses: Vec<String> = stream::iter(0..players)
        .map(|_| guest(&http, &o.url))
        .buffer_unordered(o.concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let groups: Vec<Vec<String>> = accesses.chunks(o.lobby_size).map(<[_]>::to_vec).collect();
    let seats: Vec<Seat> = stream::iter(groups)
        .map(|group| open_lobby(&http, &o.url, group, o.round_secs, o.lobby_size))
        .buffer_unordered(o.concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    let a_ws = o.url.replacen("http", "ws", 1);
    let lobby_ids: Vec<String> = {
        let mut ids: Vec<String> = seats.iter().map(|s| s.lobby.clone()).collect();
        ids.dedup();
        ids
    };
    eprintln!(
        "{players} guests in {} lobbies on A after {:.1} s",
        lobby_ids.len(),
        run_started.elapsed().as_secs_f64()
    );

    // Everyone connects to A.
    let shared = Arc::new(Shared {
        started: AtomicU64::new(0),
        killed_us: AtomicU64::new(0),
        tokens_refreshed: AtomicU64::new(0),
        http: http.clone(),
        url: o.url.clone(),
        node_b: o.node_b.clone(),
        retry: o.retry,
        refresh_slots: Semaphore::new(o.concurrency),
        refusals: Mutex::new(BTreeMap::new()),
    });
    // The API places each lobby on a node of the registry (A or B): connect to A regardless,
    // which then owns the lobby (a lobby has no owner until its first player arrives).
    let placed_on_b = seats
        .iter()
        .filter(|s| s.host && !s.ws_url.starts_with(&a_ws))
        .count();
    let connected: Vec<Result<(Seat, Ws, u64), String>> = stream::iter(seats)
        .map(|seat| async {
            let target = socket_url(&a_ws, &seat.lobby, None);
            let (ws, welcome) = open_socket(&target, &seat.join).await?;
            Ok((seat, ws, welcome["seq"].as_u64().unwrap_or(0)))
        })
        .buffer_unordered(o.concurrency)
        .collect()
        .await;
    let (phase_tx, phase_rx) = watch::channel(Phase::Idle);
    let mut tasks = Vec::with_capacity(players);
    let mut refused_on_a: BTreeMap<String, u64> = BTreeMap::new();
    for outcome in connected {
        match outcome {
            Ok((seat, ws, seq)) => tasks.push(tokio::spawn(player(
                seat,
                ws,
                seq,
                phase_rx.clone(),
                shared.clone(),
            ))),
            Err(why) => *refused_on_a.entry(why).or_default() += 1,
        }
    }
    let on_a = tasks.len() as u64;
    eprintln!("{on_a} of {players} connected to A; refused: {refused_on_a:?}");
    ensure!(
        on_a == players as u64,
        "not every player reached A: {refused_on_a:?}"
    );

    // Start every game, play, refresh the join tokens meanwhile.
    phase_tx.send(Phase::Ready)?;
    let start_deadline = Instant::now() + Duration::from_secs(60);
    while shared.started.load(Ordering::Relaxed) < on_a && Instant::now() < start_deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let started = shared.started.load(Ordering::Relaxed);
    eprintln!(
        "{started} of {on_a} players in a started game; playing {:?}",
        o.play
    );
    ensure!(started == on_a, "not every game started");
    tokio::time::sleep(o.play).await;
    let refreshed = shared.tokens_refreshed.load(Ordering::Relaxed);

    // Kill A.
    let b_before = scrape(&http, &b_http).await;
    let killed = Instant::now();
    shared
        .killed_us
        .store(unix_us().max(1) as u64, Ordering::Relaxed);
    let status = std::process::Command::new("kill")
        .args(["-KILL", &o.owner_pid.to_string()])
        .status()
        .context("running kill")?;
    ensure!(status.success(), "kill -KILL {} failed", o.owner_pid);
    eprintln!("killed A (pid {}); players reconnect to B", o.owner_pid);

    // Wait for every player to finish its game on B (or give up), bounded.
    let all = futures_util::future::join_all(tasks);
    let outcomes: Vec<Outcome> = match tokio::time::timeout(o.deadline, all).await {
        Ok(done) => done.into_iter().filter_map(Result::ok).collect(),
        Err(_) => {
            phase_tx.send(Phase::Stop)?;
            bail!("players still running {:?} after the kill", o.deadline);
        }
    };
    let after_kill_secs = killed.elapsed().as_secs_f64();
    phase_tx.send(Phase::Stop).ok();
    eprintln!("every player done {after_kill_secs:.1} s after the kill");

    // Per lobby: the first TICK any of its players got from B, and when the last was back.
    let mut by_lobby: BTreeMap<&str, (Option<u64>, Option<u64>, usize)> = BTreeMap::new();
    let mut player_tick = hist()?;
    let mut player_welcome = hist()?;
    for p in &outcomes {
        let entry = by_lobby.entry(&p.lobby).or_insert((None, Some(0), 0));
        if let Some(t) = p.first_tick_us {
            entry.0 = Some(entry.0.map_or(t, |e| e.min(t)));
            player_tick.record(t).ok();
        }
        match (p.welcome_us, entry.1) {
            (Some(w), Some(e)) => {
                entry.1 = Some(e.max(w));
                player_welcome.record(w).ok();
            }
            _ => entry.1 = None,
        }
        entry.2 += usize::from(p.game_over);
    }
    let mut lobby_tick = hist()?;
    let mut lobby_all_back = hist()?;
    let mut lobbies_resumed = 0;
    let mut lobbies_all_back = 0;
    let mut lobbies_all_over = 0;
    for (first_tick, all_back, over) in by_lobby.values() {
        if let Some(t) = first_tick {
            lobby_tick.record(*t).ok();
            lobbies_resumed += 1;
        }
        if let Some(t) = all_back {
            lobby_all_back.record(*t).ok();
            lobbies_all_back += 1;
        }
        lobbies_all_over += usize::from(*over == o.lobby_size);
    }
    let count = |f: &dyn Fn(&Outcome) -> bool| outcomes.iter().filter(|p| f(p)).count();
    let attempts: u64 = outcomes.iter().map(|p| u64::from(p.attempts)).sum();
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    for p in &outcomes {
        if let Some(f) = &p.failure {
            *failures.entry(f.clone()).or_default() += 1;
        }
    }

    // Results in PostgreSQL, written by B at game over (allow the outbox a little time).
    let mut persisted = (0, 0, 0);
    let check_deadline = Instant::now() + Duration::from_secs(30);
    loop {
        persisted = matches_in_db(&o.database_url, &lobby_ids).unwrap_or(persisted);
        if persisted.0 >= lobby_ids.len() || Instant::now() > check_deadline {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let (rows, distinct, match_players) = persisted;
    let b_after = scrape(&http, &b_http).await;
    let b_delta = |name: &str| {
        b_after.get(name).copied().unwrap_or(0.0) - b_before.get(name).copied().unwrap_or(0.0)
    };
    let refusals = shared
        .refusals
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    let ms =
        |h: &Histogram<u64>, q: f64| crate::figures::round(h.value_at_quantile(q) as f64 / 1000.0);
    let summary = |h: &Histogram<u64>| {
        json!({
            "samples": h.len(),
            "min": crate::figures::round(h.min() as f64 / 1000.0),
            "p50": ms(h, 0.5),
            "p99": ms(h, 0.99),
            "max": crate::figures::round(h.max() as f64 / 1000.0),
        })
    };
    let retry_policy = o.retry.map_or_else(
        || "documented backoff (421: Retry-After; else 0.5 s doubling to 5 s)".to_owned(),
        |d| format!("fixed {} ms", d.as_millis()),
    );
    Ok(json!({
        "lobbies": lobby_ids.len(),
        "players": players,
        "play_before_kill_secs": o.play.as_secs_f64(),
        "lobbies_placed_on_b_by_the_api": placed_on_b,
        "tokens_refreshed": refreshed,
        "retry": retry_policy,
        "players_dropped_by_kill": count(&|p| p.dropped_after_kill),
        "players_back_on_b": count(&|p| p.welcome_us.is_some()),
        "players_resumed_true": count(&|p| p.resumed == Some(true)),
        "players_game_over": count(&|p| p.game_over),
        "reconnect_attempts": attempts,
        "reconnect_refusals": refusals,
        "failures": failures,
        "lobbies_ticking_on_b": lobbies_resumed,
        "lobbies_all_back": lobbies_all_back,
        "lobbies_game_over_for_all": lobbies_all_over,
        "kill_to_first_tick_on_b_ms_per_lobby": summary(&lobby_tick),
        "kill_to_last_player_back_ms_per_lobby": summary(&lobby_all_back),
        "kill_to_welcome_ms_per_player": summary(&player_welcome),
        "kill_to_first_tick_ms_per_player": summary(&player_tick),
        "node_b": {
            "lobbies_resumed": b_delta("whoosh_edge_lobbies_resumed_total"),
            "snapshot_writes": b_delta("whoosh_edge_snapshot_writes_total"),
            "snapshot_failures": b_delta("whoosh_edge_snapshot_failures_total"),
        },
        "results": {
            "matches_rows": rows,
            "distinct_match_ids": distinct,
            "match_player_rows": match_players,
            "persisted_once": format!("{distinct}/{}", lobby_ids.len()),
        },
        "after_kill_secs": crate::figures::round(after_kill_secs),
        "total_secs": crate::figures::round(run_started.elapsed().as_secs_f64()),
    }))
}

fn hist() -> anyhow::Result<Histogram<u64>> {
    Histogram::new(3).map_err(|e| anyhow::anyhow!("{e}"))
}

/// `matches` rows, distinct ids among them, and `match_players` rows for `ids`, via `psql`.
pub(crate) fn matches_in_db(
    database_url: &str,
    ids: &[String],
) -> anyhow::Result<(usize, usize, usize)> {
    if ids.is_empty() {
        return Ok((0, 0, 0));
    }
    let list = ids
        .iter()
        .map(|id| {
            uuid::Uuid::parse_str(id)
                .map(|u| format!("'{u}'"))
                .map_err(anyhow::Error::from)
        })
        .collect::<anyhow::Result<Vec<_>>>()?
        .join(",");
    let sql = format!(
        "SELECT (SELECT count(*) FROM matches WHERE id IN ({list})), \
         (SELECT count(DISTINCT id) FROM matches WHERE id IN ({list})), \
         (SELECT count(*) FROM match_players WHERE match_id IN ({list}))"
    );
    psql_counts(database_url, &sql)
}

/// The three counts one `SELECT` of three subqueries returns, via `psql` (the statement goes
/// through standard input: a list of thousands of ids is longer than one argument may be).
pub(crate) fn psql_counts(database_url: &str, sql: &str) -> anyhow::Result<(usize, usize, usize)> {
    use std::io::Write;
    let mut child = std::process::Command::new("psql")
        .args([
            "-X",
            "-At",
            "-F",
            " ",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            database_url,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("running psql")?;
    let mut stdin = child.stdin.take().context("psql's stdin")?;
    stdin.write_all(sql.as_bytes())?;
    stdin.write_all(b";\n")?;
    drop(stdin);
    let out = child.wait_with_output()?;
    ensure!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    let n: Vec<usize> = text
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    ensure!(n.len() == 3, "unexpected psql output {text:?}");
    Ok((n[0], n[1], n[2]))
}

fn since_kill_us(shared: &Shared) -> u64 {
    let killed = shared.killed_us.load(Ordering::Relaxed);
    (unix_us() as u64).saturating_sub(killed)
}

/// One player: plays on A until its socket drops, then reconnects to B and plays to `GAME_OVER`.
async fn player(
    seat: Seat,
    ws: Ws,
    welcome_seq: u64,
    mut phase: watch::Receiver<Phase>,
    shared: Arc<Shared>,
) -> Outcome {
    let mut out = Outcome {
        lobby: seat.lobby.clone(),
        ..Outcome::default()
    };
    let mut join = seat.join.clone();
    // The seq of the last message received: what a client sends back as `last_seq`. Events are
    // numbered; state messages (LOBBY, TICK, WELCOME) repeat the latest event's number.
    let mut last_seq = welcome_seq;
    let mut ws = ws;
    let mut ready_phase = false;
    let mut start_sent = false;
    let mut last_lobby: Option<Value> = None;

    // On A.
    loop {
        tokio::select! {
            changed = phase.changed() => {
                if changed.is_err() {
                    return out;
                }
                let now = *phase.borrow_and_update();
                match now {
                    Phase::Idle => {}
                    Phase::Ready => {
                        ready_phase = true;
                        if !seat.host {
                            let _ = ws.send(Message::Text(r#"{"t":"READY"}"#.into())).await;
                        } else if last_lobby.as_ref().is_some_and(startable) {
                            start_sent = ws.send(Message::Text(r#"{"t":"START"}"#.into())).await.is_ok();
                        }
                    }
                    Phase::Stop => {
                        out.failure = Some("stopped while on A".into());
                        return out;
                    }
                }
            }
            frame = ws.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
                let t = v["t"].as_str().unwrap_or("");
                if let Some(seq) = v["seq"].as_u64() {
                    // An ERROR before joining has seq 0 and belongs to no stream.
                    if seq > 0 || !is_event(t) {
                        last_seq = seq;
                    }
                }
                match t {
                    "GAME_STARTED" => {
                        shared.started.fetch_add(1, Ordering::Relaxed);
                        // A's API dies with A: take a fresh join token for B now.
                        if let Ok(_slot) = shared.refresh_slots.acquire().await {
                            if let Ok(token) = refresh_join(&shared.http, &shared.url, &seat).await {
                                join = token;
                                shared.tokens_refreshed.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    "LOBBY" if seat.host => {
                        if ready_phase && !start_sent && startable(&v) {
                            start_sent = ws.send(Message::Text(r#"{"t":"START"}"#.into())).await.is_ok();
                        }
                        last_lobby = Some(v);
                    }
                    "ERROR" => {
                        let code = v["code"].as_str().unwrap_or("?");
                        if seat.host && matches!(code, "players_not_ready" | "not_enough_players") {
                            start_sent = false;
                        }
                    }
                    "GAME_OVER" => {
                        out.game_over = true;
                        out.failure = Some("game over before the kill".into());
                        return out;
                    }
                    _ => {}
                }
            }
        }
    }
    out.dropped_after_kill = shared.killed_us.load(Ordering::Relaxed) > 0;

    // Reconnect to B, as a client following docs/PROTOCOL.md would.
    let mut attempt = 0u32;
    loop {
        if *phase.borrow() == Phase::Stop {
            out.failure = Some("stopped while reconnecting".into());
            return out;
        }
        out.attempts += 1;
        let target = socket_url(&shared.node_b, &seat.lobby, Some(last_seq));
        match open_socket(&target, &join).await {
            Ok((new_ws, welcome)) => {
                out.welcome_us = Some(since_kill_us(&shared));
                out.resumed = welcome["resumed"].as_bool();
                last_seq = welcome["seq"].as_u64().unwrap_or(0);
                ws = new_ws;
                break;
            }
            Err(refusal) => {
                let kind = refusal_kind(&refusal);
                if let Ok(mut r) = shared.refusals.lock() {
                    *r.entry(kind.clone()).or_default() += 1;
                }
                if kind.starts_with("404") || kind.starts_with("401") || kind.starts_with("403") {
                    out.failure = Some(kind);
                    return out;
                }
                let wait = wait_after(&refusal, attempt, shared.retry);
                attempt += 1;
                tokio::time::sleep(wait).await;
            }
        }
    }

    // On B, until GAME_OVER.
    loop {
        tokio::select! {
            changed = phase.changed() => {
                if changed.is_err() || *phase.borrow_and_update() == Phase::Stop {
                    out.failure = Some("stopped while on B".into());
                    return out;
                }
            }
            frame = ws.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => {
                        out.failure = Some("dropped by B before GAME_OVER".into());
                        return out;
                    }
                    Some(Ok(_)) => continue,
                };
                let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
                if let Some(seq) = v["seq"].as_u64() {
                    last_seq = seq;
                }
                match v["t"].as_str() {
                    Some("TICK") if out.first_tick_us.is_none() => {
                        out.first_tick_us = Some(since_kill_us(&shared));
                    }
                    Some("GAME_OVER") => {
                        out.game_over = true;
                        break;
                    }
                    _ => {}
                }
            }
        }
    }
    let _ = last_seq;
    crate::client::close(ws).await;
    out
}
