//! The game client every WebSocket scenario shares: guest sign-in, private lobby set-up over the
//! HTTP API, and opening a game socket up to its `WELCOME`.
//!
//! The scenarios (`edge`, `failover`, `soak`) differ in what their players do once seated; how a
//! player gets a seat and a socket is the same everywhere and lives here.

use anyhow::{Context, bail, ensure};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{
        self, Message, client::IntoClientRequest, http::HeaderValue, protocol::WebSocketConfig,
    },
};

pub(crate) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A join token lives 2 minutes by default; older ones are refreshed before connecting.
pub(crate) const TOKEN_FRESH: Duration = Duration::from_secs(90);
/// How long one HTTP call, one handshake up to `WELCOME`, or one close may take.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// Whether a server message is an event: numbered, kept for resumption. The others are state
/// messages, which repeat the latest event's number.
pub(crate) fn is_event(t: &str) -> bool {
    matches!(
        t,
        "GAME_STARTED" | "NEWS" | "CHAT" | "GAME_OVER" | "ERROR" | "PONG"
    )
}

/// One player's seat, as setup left it.
#[derive(Debug, Clone)]
pub(crate) struct Seat {
    pub(crate) lobby: String,
    pub(crate) ws_url: String,
    pub(crate) access: String,
    pub(crate) join: String,
    pub(crate) join_at: Instant,
    pub(crate) host: bool,
}

/// An HTTP client for set-up calls: bounded per call, `concurrency` idle connections kept.
pub(crate) fn http_client(concurrency: usize) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(STEP_TIMEOUT)
        .pool_max_idle_per_host(concurrency)
        .build()?)
}

/// A call that retries (at most 5 times) while the server answers 429 or 503.
pub(crate) async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> anyhow::Result<Value> {
    for _ in 0..5 {
        let mut request = http.request(method.clone(), url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {url}"))?;
        let status = response.status().as_u16();
        if matches!(status, 429 | 503) {
            let wait = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                .unwrap_or(1)
                .min(5);
            eprintln!("{method} {url} answered {status}; retrying in {wait} s");
            tokio::time::sleep(Duration::from_secs(wait)).await;
            continue;
        }
        let text = response.text().await?;
        ensure!(
            (200..300).contains(&status),
            "{method} {url} answered {status}: {text}"
        );
        return Ok(serde_json::from_str(&text)?);
    }
    bail!("{method} {url}: still refused after 5 attempts")
}

pub(crate) fn field(v: &Value, name: &str) -> anyhow::Result<String> {
    Ok(v[name]
        .as_str()
        .with_context(|| format!("no `{name}` in {v}"))?
        .to_owned())
}

/// A new guest; returns its access token.
pub(crate) async fn guest(http: &reqwest::Client, url: &str) -> anyhow::Result<String> {
    guest_on_device(http, url, &uuid::Uuid::new_v4().to_string()).await
}

/// Signs in the guest of `device` (created on first use); returns a fresh access token.
pub(crate) async fn guest_on_device(
    http: &reqwest::Client,
    url: &str,
    device: &str,
) -> anyhow::Result<String> {
    let body = json!({"device_id": device});
    let session = call(
        http,
        reqwest::Method::POST,
        &format!("{url}/api/auth/guest"),
        None,
        Some(&body),
    )
    .await?;
    field(&session, "access_token")
}

/// The first of `group` opens a private lobby, the rest join it by its code.
pub(crate) async fn open_lobby(
    http: &reqwest::Client,
    url: &str,
    group: Vec<String>,
    round_secs: u32,
    size: usize,
) -> anyhow::Result<Vec<Seat>> {
    let settings = json!({"round_secs": round_secs, "max_players": size});
    let mut group = group.into_iter();
    let host = group.next().context("empty lobby")?;
    let lobby = call(
        http,
        reqwest::Method::POST,
        &format!("{url}/api/lobbies"),
        Some(&host),
        Some(&settings),
    )
    .await?;
    let id = field(&lobby, "lobby_id")?;
    let code = json!({"code": field(&lobby, "code")?});
    let mut seats = vec![Seat {
        lobby: id.clone(),
        ws_url: field(&lobby, "ws_url")?,
        join: field(&lobby, "join_token")?,
        join_at: Instant::now(),
        access: host,
        host: true,
    }];
    for access in group {
        let joined = call(
            http,
            reqwest::Method::POST,
            &format!("{url}/api/lobbies/join"),
            Some(&access),
            Some(&code),
        )
        .await?;
        ensure!(field(&joined, "lobby_id")? == id, "joined another lobby");
        seats.push(Seat {
            lobby: id.clone(),
            ws_url: field(&joined, "ws_url")?,
            join: field(&joined, "join_token")?,
            join_at: Instant::now(),
            access,
            host: false,
        });
    }
    Ok(seats)
}

/// A fresh join token for the seat's lobby (`GET /api/lobbies/{id}`).
pub(crate) async fn refresh_join(
    http: &reqwest::Client,
    url: &str,
    seat: &Seat,
) -> anyhow::Result<String> {
    let lobby = call(
        http,
        reqwest::Method::GET,
        &format!("{url}/api/lobbies/{}", seat.lobby),
        Some(&seat.access),
        None,
    )
    .await?;
    field(&lobby, "join_token")
}

/// The socket address of `lobby` on the node at `url` (a full `ws_url` or a node's base), with
/// `?last_seq=` when resuming.
pub(crate) fn socket_url(url: &str, lobby: &str, last_seq: Option<u64>) -> String {
    let base = url.split("/ws/").next().unwrap_or(url);
    match last_seq {
        Some(seq) => format!("{base}/ws/lobbies/{lobby}?last_seq={seq}"),
        None => format!("{base}/ws/lobbies/{lobby}"),
    }
}

/// Opens the game socket at `target` with `join` as its bearer token and reads up to its
/// `WELCOME`; returns the socket and the `WELCOME`. A refusal is described as
/// `"<status> <code> retry-after=<s>"`, a close before `WELCOME` as `"close <code>"`, anything
/// else as `"transport: …"`, `"handshake timeout"`, `"no WELCOME in time"`, `"ERROR <code>"`.
pub(crate) async fn open_socket(target: &str, join: &str) -> Result<(Ws, Value), String> {
    let mut request = target
        .into_client_request()
        .map_err(|e| format!("bad url: {e}"))?;
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {join}")).map_err(|e| e.to_string())?,
    );
    // Small client buffers: the client's memory is not what is measured, but 5,000 sockets at
    // tungstenite's default 128 KiB read buffer would crowd the machine for nothing.
    let config = WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .write_buffer_size(0);
    let handshake = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
    let mut ws = match tokio::time::timeout(STEP_TIMEOUT, handshake).await {
        Err(_) => return Err("handshake timeout".into()),
        Ok(Err(tungstenite::Error::Http(response))) => {
            let code = response
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice::<Value>(b).ok())
                .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let retry = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            return Err(format!(
                "{} {code} retry-after={retry}",
                response.status().as_u16()
            ));
        }
        Ok(Err(other)) => return Err(format!("transport: {other}")),
        Ok(Ok((ws, _))) => ws,
    };
    let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Err("no WELCOME in time".into()),
            Ok(Some(Ok(Message::Text(text)))) => {
                let head: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
                match head["t"].as_str() {
                    Some("WELCOME") => return Ok((ws, head)),
                    Some("ERROR") => return Err(format!("ERROR {}", head["code"])),
                    _ => {}
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Err(format!(
                    "close {}",
                    frame.map_or_else(
                        || "without code".to_owned(),
                        |f| u16::from(f.code).to_string()
                    )
                ));
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => return Err(format!("transport: {e}")),
            Ok(None) => return Err("closed before WELCOME".into()),
        }
    }
}

/// A refusal from [`open_socket`] without its `retry-after=` part, to count refusals by kind.
pub(crate) fn refusal_kind(refusal: &str) -> String {
    refusal
        .split(" retry-after=")
        .next()
        .unwrap_or(refusal)
        .trim_end()
        .to_owned()
}

/// The wait a refusal asks for: `Retry-After` for 421/429/503, else the documented backoff
/// (0.5 s doubling up to 5 s), or `fixed` when given.
pub(crate) fn wait_after(refusal: &str, attempt: u32, fixed: Option<Duration>) -> Duration {
    if let Some(d) = fixed {
        return d;
    }
    let retry_after = refusal
        .split("retry-after=")
        .nth(1)
        .and_then(|s| s.trim().parse::<u64>().ok());
    if ["421 ", "429 ", "503 "]
        .iter()
        .any(|s| refusal.starts_with(s))
    {
        return Duration::from_secs(retry_after.unwrap_or(1).min(5));
    }
    // 0.5 s, 1 s, 2 s, 4 s, then 5 s.
    Duration::from_millis((500u64 << attempt.min(4)).min(5_000))
}

/// Closes a socket politely, waiting (bounded) for the server's close.
pub(crate) async fn close(mut ws: Ws) {
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        let _ = ws.close(None).await;
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
}

pub(crate) fn unix_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Whether a host may start: every connected seat but the host's is ready, and at least three
/// are connected (every client connected before the ready phase, so the set is final).
pub(crate) fn startable(lobby: &Value) -> bool {
    let Some(players) = lobby["lobby"]["players"].as_array() else {
        return false;
    };
    let connected: Vec<&Value> = players.iter().filter(|p| p["connected"] == true).collect();
    connected.len() >= 3
        && connected
            .iter()
            .all(|p| p["host"] == true || p["ready"] == true)
}

/// The unlabelled counters and gauges of `{base}/metrics` (Prometheus text), by name; empty when
/// the endpoint cannot be read.
pub(crate) async fn scrape(http: &reqwest::Client, base: &str) -> BTreeMap<String, f64> {
    let Ok(response) = http.get(format!("{base}/metrics")).send().await else {
        return BTreeMap::new();
    };
    let Ok(text) = response.text().await else {
        return BTreeMap::new();
    };
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (name, value) = l.split_once(' ')?;
            Some((name.to_owned(), value.trim().parse().ok()?))
        })
        .collect()
}

/// Linux reports process CPU times in USER_HZ ticks, 100 per second on every architecture
/// userspace sees (`getconf CLK_TCK`).
const USER_HZ: f64 = 100.0;

/// VmRSS of `pid`, in KiB.
pub(crate) fn rss_kb(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .context("no VmRSS line")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .context("malformed VmRSS")?
        .parse()?)
}

/// utime + stime in seconds from a `/proc/…/stat` file (a process's, or one thread's under
/// `/proc/<pid>/task/<tid>/stat`).
pub(crate) fn stat_cpu_secs(path: &str) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(path)?;
    // Fields after the command name (which may hold spaces) start at field 3, the state.
    let rest = stat.rsplit_once(')').context("malformed stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<f64> {
        Ok(fields.get(i).context("short stat")?.parse::<u64>()? as f64)
    };
    // utime is field 14, stime field 15: indexes 11 and 12 from the state.
    Ok((ticks(11)? + ticks(12)?) / USER_HZ)
}

/// utime + stime of `pid` (all its threads), in seconds.
pub(crate) fn cpu_secs(pid: u32) -> anyhow::Result<f64> {
    stat_cpu_secs(&format!("/proc/{pid}/stat"))
}
