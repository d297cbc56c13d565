//! `whoosh-bench soak`: thousands of players in back-to-back games for a bounded time, with an
//! edge node killed half-way, then checked for lost results, ledger mismatches and memory growth.
//!
//! Given a running stack — the API and an edge at `--url` (e.g. `whoosh dev`, node A), one or
//! more further edge nodes on the same PostgreSQL database and Redis prefix (e.g. `whoosh-edge`,
//! node B, process `--kill-pid`), all with a short `EDGE_ROUND_SECS_OVERRIDE` so that games end
//! within the run:
//!
//! 1. `--players` guests sign in (their tokens are renewed when 10 minutes old); they form groups
//!    of `--lobby-size`. Each group plays games back to back until `--minutes` have passed: the
//!    first opens a private lobby, the others join by code (the API places the lobby on any live
//!    node), everyone connects to the lobby's `ws_url` (or, when that fails, to `--fallback`),
//!    everyone but the host sends `READY`, the host `START`s, and everyone plays to `GAME_OVER`.
//! 2. Half-way, the process `--kill-pid` gets SIGKILL. Every player whose socket drops reconnects
//!    to `--fallback` (node A) with `?last_seq=` following docs/PROTOCOL.md (421/429/503: wait
//!    `Retry-After`; otherwise back off 0.5 s doubling to 5 s) and plays on. With
//!    `--restart-command`, that shell command starts a replacement node 5 s after the kill (the
//!    soak stops it with SIGTERM at the end).
//! 3. Every 10 s (`--sample-seconds`) the RSS of each `--watch-pid` (and of the replacement node)
//!    is sampled.
//! 4. At the end, games in progress finish (bounded by `--drain-seconds`), then PostgreSQL is
//!    asked (`psql`): every finished game (a player saw `GAME_OVER`, or a final game view) must
//!    have exactly one `matches` row with one `match_players` row per player; every wallet of
//!    the soak's players must equal the sum of its ledger rows.

use crate::client::{
    Seat, Ws, call, close, field, http_client, is_event, open_lobby, open_socket, refusal_kind,
    rss_kb, socket_url, startable, wait_after,
};
use anyhow::{Context, ensure};
use futures_util::{SinkExt, StreamExt, stream};
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::{Message, protocol::frame::coding::CloseCode};

/// At most this many players, and this long: the soak is bounded whatever it is asked.
pub const MAX_PLAYERS: usize = 20_000;
pub const MAX_MINUTES: u64 = 60;
/// An access token lives 15 minutes by default; renewed when older than this.
const ACCESS_FRESH: Duration = Duration::from_secs(600);

#[derive(Debug, Clone)]
pub struct Options {
    pub url: String,
    pub fallback: String,
    pub kill_pid: Option<u32>,
    pub restart_command: Option<String>,
    pub watch_pids: Vec<u32>,
    pub players: usize,
    pub lobby_size: usize,
    pub duration: Duration,
    pub round_secs: u32,
    pub concurrency: usize,
    pub sample: Duration,
    pub drain: Duration,
    pub database_url: String,
}

#[derive(Debug)]
struct Shared {
    http: reqwest::Client,
    url: String,
    fallback: String,
    /// No game starts after this.
    end: Instant,
    /// Every player stops by this.
    deadline: Instant,
    /// Bounds the HTTP calls and handshakes in flight.
    slots: Semaphore,
    round_secs: u32,
    lobby_size: usize,
    reconnects: AtomicU64,
    refusals: Mutex<BTreeMap<String, u64>>,
    failures: Mutex<BTreeMap<String, u64>>,
    error_codes: Mutex<BTreeMap<String, u64>>,
}

impl Shared {
    fn count(map: &Mutex<BTreeMap<String, u64>>, key: &str) {
        if let Ok(mut m) = map.lock() {
            *m.entry(key.to_owned()).or_default() += 1;
        }
    }
}

#[derive(Debug, Clone)]
struct Member {
    device: String,
    user: String,
    access: String,
    access_at: Instant,
}

/// One game of one lobby, as its players saw it.
#[derive(Debug, Clone)]
struct Game {
    lobby: String,
    players: usize,
    started: bool,
    finished: bool,
    reconnects: u64,
}

/// What one player saw of one game.
#[derive(Debug, Default)]
struct Seen {
    started: bool,
    finished: bool,
    reconnects: u64,
}

pub async fn run(o: Options) -> anyhow::Result<Value> {
    crate::stack::ensure_loopback(&o.url)?;
    crate::stack::ensure_loopback(&o.fallback)?;
    ensure!(
        (3..=10).contains(&o.lobby_size),
        "--lobby-size must be 3 to 10"
    );
    ensure!(
        o.players >= o.lobby_size && o.players <= MAX_PLAYERS,
        "--players must be {} to {MAX_PLAYERS}",
        o.lobby_size
    );
    ensure!(
        o.duration <= Duration::from_secs(MAX_MINUTES * 60),
        "--minutes is at most {MAX_MINUTES}"
    );
    ensure!(o.concurrency > 0, "--concurrency must be positive");
    if let Some(pid) = o.kill_pid {
        ensure!(
            std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "no process {pid} (--kill-pid)"
        );
    }
    let http = http_client(o.concurrency)?;
    let started = Instant::now();

    // Sign everyone in.
    let members: Vec<Member> = stream::iter(0..o.players)
        .map(|_| sign_in(&http, &o.url, uuid::Uuid::new_v4().to_string()))
        .buffer_unordered(o.concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let users: Vec<String> = members.iter().map(|m| m.user.clone()).collect();
    eprintln!(
        "{} guests signed in after {:.1} s",
        members.len(),
        started.elapsed().as_secs_f64()
    );

    let play_started = Instant::now();
    let shared = Arc::new(Shared {
        http: http.clone(),
        url: o.url.clone(),
        fallback: o.fallback.clone(),
        end: play_started + o.duration,
        deadline: play_started + o.duration + o.drain,
        slots: Semaphore::new(o.concurrency),
        round_secs: o.round_secs,
        lobby_size: o.lobby_size,
        reconnects: AtomicU64::new(0),
        refusals: Mutex::new(BTreeMap::new()),
        failures: Mutex::new(BTreeMap::new()),
        error_codes: Mutex::new(BTreeMap::new()),
    });
    let groups: Vec<Vec<Member>> = members.chunks(o.lobby_size).map(<[_]>::to_vec).collect();
    let tasks: Vec<_> = groups
        .into_iter()
        .filter(|g| g.len() >= 3)
        .map(|g| tokio::spawn(group(shared.clone(), g)))
        .collect();

    // Half-way: kill the node; sample memory all along.
    let mut samples: Vec<(f64, u32, u64)> = Vec::new();
    let mut watched = o.watch_pids.clone();
    let mut killed_at: Option<f64> = None;
    let mut replacement: Option<std::process::Child> = None;
    let kill_at = play_started + o.duration / 2;
    let mut every = tokio::time::interval(o.sample);
    let all = futures_util::future::join_all(tasks);
    tokio::pin!(all);
    let results = loop {
        tokio::select! {
            done = &mut all => break done,
            _ = every.tick() => {
                let t = play_started.elapsed().as_secs_f64();
                for &pid in &watched {
                    if let Ok(rss) = rss_kb(pid) {
                        samples.push((crate::figures::round(t), pid, rss));
                    }
                }
                if killed_at.is_none() && Instant::now() >= kill_at {
                    if let Some(pid) = o.kill_pid {
                        let status = std::process::Command::new("kill")
                            .args(["-KILL", &pid.to_string()])
                            .status()
                            .context("running kill")?;
                        ensure!(status.success(), "kill -KILL {pid} failed");
                        eprintln!("killed pid {pid} at {t:.0} s");
                        watched.retain(|p| *p != pid);
                    }
                    killed_at = Some(t);
                }
                if let (Some(k), None, Some(command)) = (killed_at, &replacement, &o.restart_command) {
                    if o.kill_pid.is_some() && t >= k + 5.0 {
                        let child = std::process::Command::new("sh")
                            .args(["-c", &format!("exec {command}")])
                            .spawn()
                            .context("starting the replacement node")?;
                        eprintln!("replacement node started (pid {})", child.id());
                        watched.push(child.id());
                        replacement = Some(child);
                    }
                }
            }
        }
    };
    let play_secs = play_started.elapsed().as_secs_f64();
    let replacement_pid = replacement.as_ref().map(std::process::Child::id);
    if let Some(mut child) = replacement {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _ = tokio::task::spawn_blocking(move || child.wait()).await;
    }
    let games: Vec<Game> = results
        .into_iter()
        .filter_map(Result::ok)
        .flatten()
        .collect();
    eprintln!(
        "{} games after {play_secs:.0} s; checking PostgreSQL",
        games.len()
    );

    // Results and ledgers in PostgreSQL (the outbox may take a moment).
    let finished: Vec<&Game> = games.iter().filter(|g| g.finished).collect();
    let ids: Vec<String> = finished.iter().map(|g| g.lobby.clone()).collect();
    let expected_players: usize = finished.iter().map(|g| g.players).sum();
    let mut persisted = (0, 0, 0);
    let check_deadline = Instant::now() + Duration::from_secs(60);
    loop {
        persisted = crate::failover::matches_in_db(&o.database_url, &ids).unwrap_or(persisted);
        if persisted.0 >= ids.len() || Instant::now() > check_deadline {
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let (rows, distinct, match_players) = persisted;
    let (wallets, mismatched, ledger_rows) = ledgers_in_db(&o.database_url, &users)?;

    let count = |f: &dyn Fn(&Game) -> bool| games.iter().filter(|g| f(g)).count();
    let lock = |m: &Mutex<BTreeMap<String, u64>>| m.lock().map(|m| m.clone()).unwrap_or_default();
    Ok(json!({
        "players": o.players,
        "lobby_size": o.lobby_size,
        "minutes": crate::figures::round(o.duration.as_secs_f64() / 60.0),
        "play_secs": crate::figures::round(play_secs),
        "killed_pid": o.kill_pid,
        "killed_at_secs": killed_at,
        "replacement_pid": replacement_pid,
        "games": {
            "opened": games.len(),
            "started": count(&|g| g.started),
            "finished": finished.len(),
            "started_not_finished": count(&|g| g.started && !g.finished),
            "with_reconnects": count(&|g| g.reconnects > 0),
        },
        "reconnects": shared.reconnects.load(Ordering::Relaxed),
        "reconnect_refusals": lock(&shared.refusals),
        "failures": lock(&shared.failures),
        "error_codes": lock(&shared.error_codes),
        "results": {
            "finished_games": ids.len(),
            "matches_rows": rows,
            "distinct_match_ids": distinct,
            "match_player_rows": match_players,
            "expected_match_player_rows": expected_players,
            "lost": ids.len().saturating_sub(distinct),
        },
        "ledger": {
            "wallets": wallets,
            "ledger_rows": ledger_rows,
            "mismatches": mismatched,
        },
        "rss": rss_report(&samples, killed_at),
        "total_secs": crate::figures::round(started.elapsed().as_secs_f64()),
    }))
}

async fn sign_in(http: &reqwest::Client, url: &str, device: String) -> anyhow::Result<Member> {
    let session = call(
        http,
        reqwest::Method::POST,
        &format!("{url}/api/auth/guest"),
        None,
        Some(&json!({"device_id": device})),
    )
    .await?;
    Ok(Member {
        user: session["user"]["id"]
            .as_str()
            .context("no user id")?
            .to_owned(),
        access: field(&session, "access_token")?,
        access_at: Instant::now(),
        device,
    })
}

/// One group: games back to back until the end of the run.
async fn group(shared: Arc<Shared>, mut members: Vec<Member>) -> Vec<Game> {
    let mut games = Vec::new();
    while Instant::now() < shared.end {
        for m in &mut members {
            if m.access_at.elapsed() > ACCESS_FRESH {
                let _slot = shared.slots.acquire().await;
                match sign_in(&shared.http, &shared.url, m.device.clone()).await {
                    Ok(fresh) => *m = fresh,
                    Err(_) => Shared::count(&shared.failures, "token renewal"),
                }
            }
        }
        let accesses: Vec<String> = members.iter().map(|m| m.access.clone()).collect();
        let seats = {
            let _slot = shared.slots.acquire().await;
            open_lobby(
                &shared.http,
                &shared.url,
                accesses,
                shared.round_secs,
                shared.lobby_size,
            )
            .await
        };
        let seats = match seats {
            Ok(seats) => seats,
            Err(e) => {
                eprintln!("opening a lobby failed: {e:#}");
                Shared::count(&shared.failures, "open lobby");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let lobby = seats[0].lobby.clone();
        let players = seats.len();
        // Everyone connects before anyone readies: the host then sees the whole lobby.
        let connected = futures_util::future::join_all(
            seats
                .into_iter()
                .map(|seat| connect(&shared, seat, None, 0)),
        )
        .await;
        let sockets: Vec<(Seat, Ws, Value)> = connected.into_iter().flatten().collect();
        if sockets.len() < players {
            Shared::count(&shared.failures, "not every player connected");
        }
        let seen = futures_util::future::join_all(
            sockets
                .into_iter()
                .map(|(seat, ws, welcome)| play(&shared, seat, ws, welcome)),
        )
        .await;
        games.push(Game {
            lobby,
            players,
            started: seen.iter().any(|s| s.started),
            finished: seen.iter().any(|s| s.finished),
            reconnects: seen.iter().map(|s| s.reconnects).sum(),
        });
    }
    games
}

/// Connects the seat to its `ws_url`, or (after a failure, or when resuming) to the fallback
/// node, retrying as the protocol says until the deadline. `None` when it never got in.
async fn connect(
    shared: &Shared,
    seat: Seat,
    last_seq: Option<u64>,
    first_attempt: u32,
) -> Option<(Seat, Ws, Value)> {
    let mut attempt = first_attempt;
    loop {
        if Instant::now() > shared.deadline || attempt > first_attempt + 30 {
            Shared::count(&shared.failures, "gave up connecting");
            return None;
        }
        let base = if attempt == 0 {
            &seat.ws_url
        } else {
            &shared.fallback
        };
        let target = socket_url(base, &seat.lobby, last_seq);
        let opened = {
            let _slot = shared.slots.acquire().await;
            open_socket(&target, &seat.join).await
        };
        match opened {
            Ok((ws, welcome)) => return Some((seat, ws, welcome)),
            Err(refusal) => {
                let kind = refusal_kind(&refusal);
                Shared::count(&shared.refusals, &kind);
                if ["401", "403", "404", "ERROR"]
                    .iter()
                    .any(|p| kind.starts_with(p))
                {
                    Shared::count(&shared.failures, &format!("refused: {kind}"));
                    return None;
                }
                tokio::time::sleep(wait_after(&refusal, attempt.saturating_sub(1), None)).await;
                attempt += 1;
            }
        }
    }
}

/// One player through one game: ready (or start, for the host), play to `GAME_OVER`,
/// reconnecting to the fallback node when the socket drops.
async fn play(shared: &Shared, seat: Seat, mut ws: Ws, welcome: Value) -> Seen {
    let mut seen = Seen::default();
    let mut last_seq = welcome["seq"].as_u64().unwrap_or(0);
    let mut start_sent = false;
    let mut seat = seat;
    note_game(&welcome["game"], &mut seen);
    if !seat.host
        && ws
            .send(Message::Text(r#"{"t":"READY"}"#.into()))
            .await
            .is_err()
    {
        Shared::count(&shared.failures, "send READY");
    }
    loop {
        if seen.finished {
            break;
        }
        let frame = tokio::time::timeout_at(shared.deadline.into(), ws.next()).await;
        let text = match frame {
            Err(_) => {
                Shared::count(&shared.failures, "deadline before GAME_OVER");
                break;
            }
            Ok(Some(Ok(Message::Text(text)))) => text,
            Ok(Some(Ok(Message::Close(Some(frame))))) if frame.code == CloseCode::Normal => {
                // The lobby closed (or an idle timeout): nothing to resume.
                if !seen.finished {
                    Shared::count(&shared.failures, &format!("closed: {}", frame.reason));
                }
                break;
            }
            Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) => {
                // A drop: reconnect with last_seq, as the protocol says.
                seen.reconnects += 1;
                shared.reconnects.fetch_add(1, Ordering::Relaxed);
                let Some((s, new_ws, welcome)) = connect(shared, seat, Some(last_seq), 1).await
                else {
                    return seen;
                };
                seat = s;
                ws = new_ws;
                last_seq = welcome["seq"].as_u64().unwrap_or(0);
                note_game(&welcome["game"], &mut seen);
                if !seen.started && !seat.host {
                    let _ = ws.send(Message::Text(r#"{"t":"READY"}"#.into())).await;
                }
                start_sent = false;
                continue;
            }
            Ok(Some(Ok(_))) => continue,
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            Shared::count(&shared.error_codes, "unparsable message");
            continue;
        };
        let t = v["t"].as_str().unwrap_or("");
        if let Some(seq) = v["seq"].as_u64() {
            if seq > 0 || !is_event(t) {
                last_seq = seq;
            }
        }
        match t {
            "LOBBY" if seat.host && !seen.started && !start_sent && startable(&v) => {
                start_sent = ws
                    .send(Message::Text(r#"{"t":"START"}"#.into()))
                    .await
                    .is_ok();
            }
            "GAME_STARTED" => seen.started = true,
            "TICK" => note_game(&v["game"], &mut seen),
            "GAME_OVER" => {
                seen.started = true;
                seen.finished = true;
            }
            "ERROR" => {
                let code = v["code"].as_str().unwrap_or("?");
                if seat.host && matches!(code, "players_not_ready" | "not_enough_players") {
                    start_sent = false;
                } else {
                    Shared::count(&shared.error_codes, code);
                }
            }
            _ => {}
        }
    }
    close(ws).await;
    seen
}

/// A game view (of `WELCOME` or `TICK`): started once present, finished once it has an outcome.
fn note_game(game: &Value, seen: &mut Seen) {
    if game.is_object() {
        seen.started = true;
        if !game["outcome"].is_null() {
            seen.finished = true;
        }
    }
}

/// Wallets of `users`, those whose balance differs from the sum of their ledger rows, and the
/// ledger rows, via `psql`.
fn ledgers_in_db(database_url: &str, users: &[String]) -> anyhow::Result<(usize, usize, usize)> {
    let list = users
        .iter()
        .map(|id| {
            uuid::Uuid::parse_str(id)
                .map(|u| format!("'{u}'"))
                .map_err(anyhow::Error::from)
        })
        .collect::<anyhow::Result<Vec<_>>>()?
        .join(",");
    let sql = format!(
        "SELECT (SELECT count(*) FROM wallets WHERE user_id IN ({list})), \
         (SELECT count(*) FROM wallets w WHERE w.user_id IN ({list}) AND w.balance <> \
            COALESCE((SELECT sum(l.amount) FROM ledger l \
                      WHERE l.user_id = w.user_id AND l.currency = w.currency), 0)), \
         (SELECT count(*) FROM ledger WHERE user_id IN ({list}))"
    );
    crate::failover::psql_counts(database_url, &sql)
}

/// How long after the kill — or after its own first sample, for a node started later — a process
/// is left to settle (take over or fill with lobbies) before its growth is judged.
const SETTLE_SECS: f64 = 30.0;

/// RSS samples per process, and whether each stayed flat: the least-squares growth per minute
/// over the samples of the run's second half (after the kill, once the survivors took the
/// dead node's players, and at least `SETTLE_SECS` after the process's own first sample),
/// against the mean RSS.
fn rss_report(samples: &[(f64, u32, u64)], killed_at: Option<f64>) -> Value {
    let mut by_pid: BTreeMap<u32, Vec<(f64, u64)>> = BTreeMap::new();
    for &(t, pid, rss) in samples {
        by_pid.entry(pid).or_default().push((t, rss));
    }
    let after_kill = killed_at.map_or(0.0, |k| k + SETTLE_SECS);
    let per_pid: serde_json::Map<String, Value> = by_pid
        .into_iter()
        .map(|(pid, series)| {
            let born = series.first().map_or(0.0, |s| s.0);
            let from = after_kill.max(born + SETTLE_SECS);
            let tail: Vec<(f64, f64)> = series
                .iter()
                .filter(|(t, _)| *t >= from)
                .map(|&(t, r)| (t, r as f64))
                .collect();
            let slope_kb_per_min = slope(&tail).map(|s| crate::figures::round(s * 60.0));
            let mean = tail.iter().map(|(_, r)| r).sum::<f64>() / tail.len().max(1) as f64;
            let growth_share = slope_kb_per_min.map(|s| crate::figures::round(s / mean.max(1.0)));
            (
                pid.to_string(),
                json!({
                    "samples_kb": series.iter().map(|(t, r)| json!([t, r])).collect::<Vec<_>>(),
                    "from_secs": from,
                    "growth_kb_per_min": slope_kb_per_min,
                    "growth_per_min_of_mean": growth_share,
                    // Flat: under 1 % of the mean per minute (a leak of a few KB per game
                    // would show as a steady climb over minutes).
                    "flat": growth_share.map(|g| g.abs() < 0.01),
                }),
            )
        })
        .collect();
    Value::Object(per_pid)
}

/// The least-squares slope of `points`, or `None` with fewer than 3.
fn slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 3 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::{rss_report, slope};

    #[test]
    fn a_node_started_after_the_kill_is_judged_once_it_has_settled() {
        // Killed at 60 s. Node 1 ran throughout, flat. Node 2 started at 95 s, filled with
        // lobbies for its first half minute, then stayed flat: judged from the kill's 90 s it
        // would look like a leak.
        let mut samples = Vec::new();
        for i in 0..19 {
            samples.push((f64::from(i) * 10.0, 1, 40_000));
        }
        for (i, rss) in [
            15_000, 22_000, 24_000, 24_000, 24_000, 24_000, 24_000, 24_000, 24_000, 24_000, 24_000,
            24_000,
        ]
        .into_iter()
        .enumerate()
        {
            samples.push((95.0 + i as f64 * 10.0, 2, rss));
        }
        let report = rss_report(&samples, Some(60.0));
        assert_eq!(report["1"]["flat"], true, "{report}");
        assert_eq!(report["1"]["from_secs"], 90.0);
        assert_eq!(report["2"]["from_secs"], 125.0);
        assert_eq!(report["2"]["flat"], true, "{report}");
    }

    #[test]
    fn slope_of_a_line_and_of_too_few_points() {
        let line: Vec<(f64, f64)> = (0..10)
            .map(|i| (f64::from(i), 3.0 * f64::from(i) + 1.0))
            .collect();
        let s = slope(&line).expect("a slope");
        assert!((s - 3.0).abs() < 1e-9, "{s}");
        assert_eq!(slope(&line[..2]), None);
    }
}
