//! `whoosh-bench edge`: N players in private lobbies over real WebSockets against a running stack.
//!
//! Setup (not timed): N guests (`POST /api/auth/guest`); per lobby of `--lobby-size`, the first
//! opens a private lobby (`POST /api/lobbies`) and the others join by its code
//! (`POST /api/lobbies/join`). Then, with the server's `/proc/<pid>` read at each step:
//!
//! 1. RSS before any socket;
//! 2. every player connects (`Authorization: Bearer <join token>`) and waits for `WELCOME`;
//!    after `--settle-seconds` the RSS with N idle players in waiting lobbies;
//! 3. every player but the host sends `READY`; each host sends `START` once every connected
//!    player of its lobby is ready; after every `GAME_STARTED` and `--warmup-seconds`, a window of
//!    `--play-seconds`: messages received by all clients, the server's CPU time (utime + stime of
//!    `/proc/<pid>/stat`), the delivery latency of every `TICK` (receipt − `server_ms`, same
//!    clock), the RSS while playing, and the lobby snapshots the server wrote to Redis in the
//!    window (`whoosh_edge_snapshot_*` counters of its `/metrics`);
//! 4. every client closes its socket. Games are not played to the end.
//!
//! With `--suspect-every-ms` every player, once its game runs, points its suspicion at a random
//! lobby mate that often (the first at a random moment within the period, so the lobby's messages
//! spread over it); 0 keeps the players idle. The same client plays against a bare lobby server
//! (`--system bare`, see `bare.rs`): seats are then `/lobbies/{lobby}/{seat}` with no set-up over
//! HTTP, and the host starts each game at once. `SUSPECT`s applied per second are the ones sent in
//! the window less the `ERROR`s received in it.
//!
//! Everything is bounded: each phase has a deadline, and the run ends by itself.

use crate::client::{
    STEP_TIMEOUT, Seat, TOKEN_FRESH, Ws, cpu_secs, guest, http_client, is_event, open_lobby,
    open_socket, refresh_join, refusal_kind, rss_kb, scrape, startable, unix_us,
};
use anyhow::{Context, ensure};
use futures_util::{SinkExt, StreamExt, stream};
use hdrhistogram::Histogram;
use serde::Deserialize;
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

/// Events the server keeps per player for resumption (`REPLAY_CAPACITY` in edge/src/lobby/state.rs):
/// the client sums the sizes of its last this-many events to estimate what that buffer holds.
/// Only events are kept (and numbered); state messages (`WELCOME`, `LOBBY`, `TICK`) carry the
/// latest event's `seq` and are superseded, not kept.
const REPLAY_CAPACITY: usize = 32;

#[derive(Debug, Clone)]
pub struct Options {
    pub url: String,
    pub players: usize,
    pub lobby_size: usize,
    pub server_pid: u32,
    pub settle: Duration,
    pub warmup: Duration,
    pub play: Duration,
    pub concurrency: usize,
    pub round_secs: u32,
    pub system: System,
    /// How often each playing player sends `SUSPECT`; `None` keeps the players idle.
    pub suspect_every: Option<Duration>,
}

/// What the players play against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum System {
    /// The platform: guests and lobbies over its HTTP API, games on its edge.
    Stack,
    /// `whoosh-bench bare-server` at `ws://…`: the transport and the tick, nothing else.
    Bare,
}

/// What the phases tell every socket task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Ready,
    Stop,
}

/// Counters shared by every socket task.
#[derive(Debug)]
struct Shared {
    /// Whether messages are counted now (the playing window).
    counting: AtomicBool,
    window_messages: AtomicU64,
    window_ticks: AtomicU64,
    window_bytes: AtomicU64,
    window_suspects: AtomicU64,
    window_errors: AtomicU64,
    started: AtomicU64,
    errors: AtomicU64,
    dropped: AtomicU64,
    /// Sum over players of the sizes of their last `REPLAY_CAPACITY` events.
    retained_bytes: AtomicU64,
    /// Messages whose `seq` broke the numbering: an event that is not the previous event + 1, or
    /// a state message that does not repeat the latest event's number.
    seq_violations: AtomicU64,
    /// Tick delivery latency in µs, recorded during the window only.
    latency: Mutex<Histogram<u64>>,
    error_codes: Mutex<BTreeMap<String, u64>>,
}

#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    t: &'a str,
    seq: Option<u64>,
    server_ms: Option<i64>,
}

pub async fn run(o: Options) -> anyhow::Result<Value> {
    crate::stack::ensure_loopback(&o.url)?;
    ensure!(
        (3..=10).contains(&o.lobby_size),
        "--lobby-size must be 3 to 10"
    );
    ensure!(
        o.players >= o.lobby_size && o.players % o.lobby_size == 0,
        "--players must be a positive multiple of --lobby-size"
    );
    ensure!(o.concurrency > 0, "--concurrency must be positive");
    let pid = o.server_pid;
    rss_kb(pid).with_context(|| format!("cannot read /proc/{pid}/status (--server-pid)"))?;
    let http = http_client(o.concurrency)?;
    let run_started = Instant::now();

    let (seats, lobbies, guests_secs, lobbies_secs) = match o.system {
        System::Stack => seats_on_stack(&http, &o).await?,
        System::Bare => (bare_seats(&o), o.players / o.lobby_size, 0.0, 0.0),
    };
    for seat in &seats {
        crate::stack::ensure_loopback(&seat.ws_url)?;
    }
    let on_stack = o.system == System::Stack;

    // Phase 1: the server before any socket.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_before = rss_kb(pid)?;

    // Phase 2: connect everyone, wait for WELCOME.
    let shared = Arc::new(Shared {
        counting: AtomicBool::new(false),
        window_messages: AtomicU64::new(0),
        window_ticks: AtomicU64::new(0),
        window_bytes: AtomicU64::new(0),
        window_suspects: AtomicU64::new(0),
        window_errors: AtomicU64::new(0),
        started: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        dropped: AtomicU64::new(0),
        retained_bytes: AtomicU64::new(0),
        seq_violations: AtomicU64::new(0),
        latency: Mutex::new(Histogram::new(3).map_err(|e| anyhow::anyhow!("{e}"))?),
        error_codes: Mutex::new(BTreeMap::new()),
    });
    let (phase_tx, phase_rx) = watch::channel(Phase::Idle);
    let t = Instant::now();
    let outcomes: Vec<Result<(Ws, Seated), String>> = stream::iter(seats)
        .map(|seat| connect(&http, &o.url, seat))
        .buffer_unordered(o.concurrency)
        .collect()
        .await;
    let connect_secs = t.elapsed().as_secs_f64();
    let mut refused: BTreeMap<String, u64> = BTreeMap::new();
    let mut tasks = Vec::with_capacity(o.players);
    for outcome in outcomes {
        match outcome {
            Ok((ws, seated)) => tasks.push(tokio::spawn(player(
                ws,
                Seated {
                    suspect_every: o.suspect_every,
                    start_at_once: !on_stack,
                    ..seated
                },
                phase_rx.clone(),
                shared.clone(),
            ))),
            Err(why) => *refused.entry(why).or_default() += 1,
        }
    }
    let connected = tasks.len() as u64;
    eprintln!(
        "{connected} of {} connected in {connect_secs:.1} s; refused: {refused:?}",
        o.players
    );
    ensure!(connected > 0, "no player could connect: {refused:?}");
    tokio::time::sleep(o.settle).await;
    let rss_idle = rss_kb(pid)?;
    let retained_idle = shared.retained_bytes.load(Ordering::Relaxed);

    // Phase 3: ready, start, play.
    let t = Instant::now();
    phase_tx.send(Phase::Ready)?;
    let start_deadline = Instant::now() + Duration::from_secs(60);
    while shared.started.load(Ordering::Relaxed) < connected && Instant::now() < start_deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let started = shared.started.load(Ordering::Relaxed);
    let start_secs = t.elapsed().as_secs_f64();
    eprintln!("{started} of {connected} players in a started game after {start_secs:.1} s");
    tokio::time::sleep(o.warmup).await;

    let scrape = async |http: &reqwest::Client| {
        if on_stack {
            scrape(http, &o.url).await
        } else {
            BTreeMap::new()
        }
    };
    let metrics_before = scrape(&http).await;
    let cpu_before = cpu_secs(pid)?;
    let self_before = cpu_secs(std::process::id())?;
    let window_started = Instant::now();
    shared.counting.store(true, Ordering::Relaxed);
    let mut rss_playing_max = 0u64;
    let mut rss_series = Vec::new();
    let window_end = tokio::time::Instant::now() + o.play;
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.tick().await;
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(window_end) => break,
            _ = every.tick() => {
                let rss = rss_kb(pid)?;
                rss_playing_max = rss_playing_max.max(rss);
                rss_series.push(rss);
            }
        }
    }
    shared.counting.store(false, Ordering::Relaxed);
    let window_secs = window_started.elapsed().as_secs_f64();
    let cpu_after = cpu_secs(pid)?;
    let self_after = cpu_secs(std::process::id())?;
    let rss_playing = rss_kb(pid)?;
    let metrics_after = scrape(&http).await;
    let retained_playing = shared.retained_bytes.load(Ordering::Relaxed);
    rss_playing_max = rss_playing_max.max(rss_playing);

    // Phase 4: everyone leaves.
    phase_tx.send(Phase::Stop)?;
    let closing = futures_util::future::join_all(tasks);
    if tokio::time::timeout(STEP_TIMEOUT, closing).await.is_err() {
        eprintln!("some sockets did not close within {STEP_TIMEOUT:?}");
    }

    let server_cpu = cpu_after - cpu_before;
    let messages = shared.window_messages.load(Ordering::Relaxed);
    let ticks = shared.window_ticks.load(Ordering::Relaxed);
    let suspects = shared.window_suspects.load(Ordering::Relaxed);
    let window_errors = shared.window_errors.load(Ordering::Relaxed);
    let latency = shared
        .latency
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    let per_player =
        |after: u64| crate::figures::round((after as f64 - rss_before as f64) / o.players as f64);
    let error_codes = shared
        .error_codes
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    let counter = |m: &BTreeMap<String, f64>, name: &str| m.get(name).copied().unwrap_or(0.0);
    let delta = |name: &str| counter(&metrics_after, name) - counter(&metrics_before, name);
    let writes = delta("whoosh_edge_snapshot_writes_total");
    let snapshot_bytes = delta("whoosh_edge_snapshot_bytes_total");
    Ok(json!({
        "system": o.system,
        "suspect_every_ms": o.suspect_every.map(|d| d.as_millis() as u64),
        "players": o.players,
        "lobby_size": o.lobby_size,
        "lobbies": lobbies,
        "setup_secs": {
            "guests": crate::figures::round(guests_secs),
            "lobbies": crate::figures::round(lobbies_secs),
            "connect": crate::figures::round(connect_secs),
            "start": crate::figures::round(start_secs),
        },
        "connected": connected,
        "refused": refused,
        "in_started_games": started,
        "rss_kb": {
            "before": rss_before,
            "idle": rss_idle,
            "playing": rss_playing,
            "playing_max": rss_playing_max,
        },
        "rss_per_player_kb": {
            "idle": per_player(rss_idle),
            "playing": per_player(rss_playing),
            "playing_max": per_player(rss_playing_max),
            "playing_each_second": rss_series.iter().map(|&r| per_player(r)).collect::<Vec<_>>(),
        },
        "replay_bytes_per_player_kb": {
            "idle": crate::figures::round(retained_idle as f64 / 1024.0 / connected as f64),
            "playing": crate::figures::round(retained_playing as f64 / 1024.0 / connected as f64),
        },
        "window": {
            "seconds": crate::figures::round(window_secs),
            "messages": messages,
            "ticks": ticks,
            "bytes": shared.window_bytes.load(Ordering::Relaxed),
            "ticks_per_player_per_sec": crate::figures::round(ticks as f64 / connected as f64 / window_secs),
            "server_cpu_secs": crate::figures::round(server_cpu),
            "server_cores_busy": crate::figures::round(server_cpu / window_secs),
            "client_cpu_secs": crate::figures::round(self_after - self_before),
            "messages_per_server_cpu_sec": crate::figures::round(messages as f64 / server_cpu.max(0.01)),
            "ticks_per_server_cpu_sec": crate::figures::round(ticks as f64 / server_cpu.max(0.01)),
            "suspects_sent": suspects,
            "errors": window_errors,
            "suspects_applied_per_sec": crate::figures::round(suspects.saturating_sub(window_errors) as f64 / window_secs),
        },
        "tick_latency_ms": {
            "samples": latency.len(),
            "p50": crate::figures::round(latency.value_at_quantile(0.5) as f64 / 1000.0),
            "p90": crate::figures::round(latency.value_at_quantile(0.9) as f64 / 1000.0),
            "p99": crate::figures::round(latency.value_at_quantile(0.99) as f64 / 1000.0),
            "p999": crate::figures::round(latency.value_at_quantile(0.999) as f64 / 1000.0),
            "max": crate::figures::round(latency.max() as f64 / 1000.0),
        },
        "snapshots_in_window": {
            "writes": writes,
            "writes_per_sec": crate::figures::round(writes / window_secs),
            "writes_per_lobby_per_sec": crate::figures::round(writes / window_secs / lobbies as f64),
            "bytes_per_write": crate::figures::round(snapshot_bytes / writes.max(1.0)),
            "bytes_per_sec": crate::figures::round(snapshot_bytes / window_secs),
            "failures": delta("whoosh_edge_snapshot_failures_total"),
        },
        "snapshots_since_start": {
            "writes": counter(&metrics_after, "whoosh_edge_snapshot_writes_total"),
            "bytes": counter(&metrics_after, "whoosh_edge_snapshot_bytes_total"),
            "failures": counter(&metrics_after, "whoosh_edge_snapshot_failures_total"),
        },
        "socket_errors": shared.errors.load(Ordering::Relaxed),
        "error_codes": error_codes,
        "dropped_by_server": shared.dropped.load(Ordering::Relaxed),
        "seq_violations": shared.seq_violations.load(Ordering::Relaxed),
        "total_secs": crate::figures::round(run_started.elapsed().as_secs_f64()),
    }))
}

/// Guests, private lobbies and their seats over the stack's HTTP API: (seats, lobbies, seconds
/// for the guests, seconds for the lobbies).
async fn seats_on_stack(
    http: &reqwest::Client,
    o: &Options,
) -> anyhow::Result<(Vec<Seat>, usize, f64, f64)> {
    let t = Instant::now();
    let accesses: Vec<String> = stream::iter(0..o.players)
        .map(|_| guest(http, &o.url))
        .buffer_unordered(o.concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let guests_secs = t.elapsed().as_secs_f64();
    eprintln!("{} guests in {guests_secs:.1} s", accesses.len());
    let t = Instant::now();
    let groups: Vec<Vec<String>> = accesses.chunks(o.lobby_size).map(<[_]>::to_vec).collect();
    let lobbies = groups.len();
    // Each lobby makes its calls one after another; lobbies run `concurrency` at a time.
    let seats: Vec<Seat> = stream::iter(groups)
        .map(|group| open_lobby(http, &o.url, group, o.round_secs, o.lobby_size))
        .buffer_unordered(o.concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    let lobbies_secs = t.elapsed().as_secs_f64();
    eprintln!("{lobbies} lobbies opened and filled in {lobbies_secs:.1} s");
    Ok((seats, lobbies, guests_secs, lobbies_secs))
}

/// The seats of a bare lobby server: `/lobbies/{lobby}/{seat}`, the first of each the host.
fn bare_seats(o: &Options) -> Vec<Seat> {
    let base = o.url.trim_end_matches('/');
    (0..o.players)
        .map(|i| {
            let (lobby, seat) = (i / o.lobby_size, i % o.lobby_size);
            Seat {
                lobby: lobby.to_string(),
                ws_url: format!("{base}/lobbies/{lobby}/{seat}"),
                access: String::new(),
                join: String::new(),
                join_at: Instant::now(),
                host: seat == 0,
            }
        })
        .collect()
}

/// A player with an open socket: what its task needs to know.
#[derive(Debug, Clone)]
struct Seated {
    host: bool,
    /// The `seq` of the `WELCOME`: the latest event number so far.
    welcome_seq: u64,
    /// The player's user id, from the `WELCOME`.
    me: String,
    suspect_every: Option<Duration>,
    /// The host starts as soon as the ready phase begins (the bare server has no ready state).
    start_at_once: bool,
}

/// Opens the seat's socket and reads up to its `WELCOME`. A refusal is described by its HTTP
/// status and code (or the transport error), to be counted.
async fn connect(
    http: &reqwest::Client,
    url: &str,
    mut seat: Seat,
) -> Result<(Ws, Seated), String> {
    // A bare server's seats have no token to refresh.
    if !seat.join.is_empty() && seat.join_at.elapsed() > TOKEN_FRESH {
        seat.join = refresh_join(http, url, &seat)
            .await
            .map_err(|e| format!("token refresh: {e}"))?;
    }
    let (ws, welcome) = open_socket(&seat.ws_url, &seat.join)
        .await
        .map_err(|refusal| refusal_kind(&refusal))?;
    let seated = Seated {
        host: seat.host,
        welcome_seq: welcome["seq"].as_u64().unwrap_or(0),
        me: welcome["you"]["user_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        suspect_every: None,
        start_at_once: false,
    };
    Ok((ws, seated))
}

/// One player's socket from `WELCOME` to the end of the run.
async fn player(
    mut ws: Ws,
    seated: Seated,
    mut phase: watch::Receiver<Phase>,
    shared: Arc<Shared>,
) {
    let Seated {
        host,
        welcome_seq,
        me,
        suspect_every,
        start_at_once,
    } = seated;
    // Lobby mates (from `GAME_STARTED`) and the timer of this player's suspicions.
    let mut mates: Vec<String> = Vec::new();
    let mut suspicions: Option<tokio::time::Interval> = None;
    let mut rng = crate::xorshift::Xorshift(
        u64::from_le_bytes(
            uuid::Uuid::new_v4().as_bytes()[..8]
                .try_into()
                .unwrap_or([7; 8]),
        ) | 1,
    );
    // Sizes of the last REPLAY_CAPACITY events (state messages are not kept by the server).
    let mut recent = std::collections::VecDeque::with_capacity(REPLAY_CAPACITY);
    // The latest event number: events must follow it by one, state messages repeat it.
    let mut last_event = welcome_seq;
    let mut ready_phase = false;
    let mut start_sent = false;
    // The latest LOBBY the host saw, to decide on START once the ready phase begins.
    let mut last_lobby: Option<Value> = None;
    let fail = |code: &str| {
        shared.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut codes) = shared.error_codes.lock() {
            *codes.entry(code.to_owned()).or_default() += 1;
        }
    };
    loop {
        tokio::select! {
            changed = phase.changed() => {
                if changed.is_err() {
                    break;
                }
                let now = *phase.borrow_and_update();
                match now {
                    Phase::Idle => {}
                    Phase::Ready => {
                        ready_phase = true;
                        if !host {
                            let ready = Message::Text(r#"{"t":"READY"}"#.into());
                            if ws.send(ready).await.is_err() {
                                fail("send READY");
                            }
                        } else if start_at_once || last_lobby.as_ref().is_some_and(startable) {
                            start_sent = ws.send(Message::Text(r#"{"t":"START"}"#.into())).await.is_ok();
                        }
                    }
                    Phase::Stop => break,
                }
            }
            () = next_tick(&mut suspicions) => {
                if mates.is_empty() {
                    continue;
                }
                let target = &mates[(rng.next() % mates.len() as u64) as usize];
                let suspect = format!(r#"{{"t":"SUSPECT","target":"{target}"}}"#);
                if ws.send(Message::Text(suspect.into())).await.is_err() {
                    fail("send SUSPECT");
                } else if shared.counting.load(Ordering::Relaxed) {
                    shared.window_suspects.fetch_add(1, Ordering::Relaxed);
                }
            }
            frame = ws.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => {
                        shared.dropped.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Some(Ok(_)) => continue,
                };
                let received = unix_us();
                let size = text.len() as u64;
                let counting = shared.counting.load(Ordering::Relaxed);
                let Ok(head) = serde_json::from_str::<Head<'_>>(&text) else {
                    fail("unparsable message");
                    continue;
                };
                let seq = head.seq.unwrap_or(0);
                if is_event(head.t) {
                    if recent.len() == REPLAY_CAPACITY {
                        let evicted = recent.pop_front().unwrap_or(0);
                        shared.retained_bytes.fetch_sub(evicted, Ordering::Relaxed);
                    }
                    recent.push_back(size);
                    shared.retained_bytes.fetch_add(size, Ordering::Relaxed);
                    if seq != last_event + 1 {
                        shared.seq_violations.fetch_add(1, Ordering::Relaxed);
                    }
                    last_event = seq;
                } else if seq != last_event {
                    shared.seq_violations.fetch_add(1, Ordering::Relaxed);
                }
                if counting {
                    shared.window_messages.fetch_add(1, Ordering::Relaxed);
                    shared.window_bytes.fetch_add(text.len() as u64, Ordering::Relaxed);
                }
                match head.t {
                    "TICK" if counting => {
                        shared.window_ticks.fetch_add(1, Ordering::Relaxed);
                        if let Some(sent_ms) = head.server_ms {
                            let us = (received - sent_ms * 1000).max(0) as u64;
                            if let Ok(mut h) = shared.latency.lock() {
                                h.record(us).ok();
                            }
                        }
                    }
                    "GAME_STARTED" => {
                        shared.started.fetch_add(1, Ordering::Relaxed);
                        if let Some(every) = suspect_every {
                            let game: Value = serde_json::from_str(&text).unwrap_or_default();
                            mates = game["game"]["players"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|p| p["user"].as_str())
                                .filter(|user| *user != me)
                                .map(str::to_owned)
                                .collect();
                            let first = Duration::from_millis(rng.next() % every.as_millis().max(1) as u64);
                            suspicions = Some(tokio::time::interval_at(tokio::time::Instant::now() + first, every));
                        }
                    }
                    "LOBBY" if host => {
                        let Ok(lobby) = serde_json::from_str::<Value>(&text) else { continue };
                        if ready_phase && !start_sent && startable(&lobby) {
                            start_sent = ws.send(Message::Text(r#"{"t":"START"}"#.into())).await.is_ok();
                        }
                        last_lobby = Some(lobby);
                    }
                    "ERROR" => {
                        let v: Value = serde_json::from_str(&text).unwrap_or_default();
                        let code = v["code"].as_str().unwrap_or("?").to_owned();
                        // A START that raced a READY is sent again on the next LOBBY.
                        if host && matches!(code.as_str(), "players_not_ready" | "not_enough_players") {
                            start_sent = false;
                        } else {
                            if counting {
                                shared.window_errors.fetch_add(1, Ordering::Relaxed);
                            }
                            fail(&code);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    crate::client::close(ws).await;
}

/// The next tick of `timer`, or never when there is none.
async fn next_tick(timer: &mut Option<tokio::time::Interval>) {
    match timer {
        Some(timer) => {
            timer.tick().await;
        }
        None => std::future::pending().await,
    }
}
