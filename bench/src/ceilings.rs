//! `whoosh-bench ceilings`: what this machine and the frameworks under Whoosh can do at most, to
//! read every other figure against.
//!
//! - argon2id hashes/s with the production parameters on every core, and RS256 token
//!   verifications (one core): the floor of a login and of an authenticated request.
//! - A plain axum hello-world, served in this process on loopback by the same server loop as
//!   the services (`whoosh_http::serve_http`): requests/s at saturation (closed loop at
//!   `--concurrency`) and the server's CPU per request.
//! - The profiles service's real Router (`whoosh_http::app(service_routes())`, as its Lambda
//!   and its HTTP binary build it) answering `GET /api/profiles/me` for a signed-in player, once
//!   over HTTP and once through the Lambda adapter that `lambda_http::run` wraps it in: synthetic
//!   ALB events deserialised, converted, routed, and the response serialised as the runtime
//!   would. Requests/s and CPU per request of each, and the ratio. (Not included: the two
//!   loopback calls per invocation a real runtime makes to the Runtime API.)
//! - A bare WebSocket broadcast server (tokio-tungstenite, one task per socket, a
//!   `tokio::sync::broadcast` channel), `--sockets` clients, one 1,285-byte text message (a
//!   `TICK`'s size) to every socket ten times a second: messages delivered per server
//!   CPU-second. Ten a second rather than the edge's one, so that the window's server CPU is
//!   seconds, not the few clock ticks (10 ms each) a one-a-second broadcast of a short window
//!   costs; a window whose server CPU stays under [`MIN_CPU_SECS`] reports no figure rather than
//!   a rounding error. The like-for-like yardstick of the edge is the bare lobby server
//!   (`bare.rs`), measured side by side with it.
//!
//! The servers run on their own tokio runtime whose threads are named `bench-server` (`server.rs`); "server
//! CPU" is the utime + stime of those threads (`/proc/self/task/<tid>/stat`), so the load
//! generator's own CPU is not counted. Both share the machine's cores, as on a 2-core box they
//! must. The router stages need PostgreSQL and Redis (`DATABASE_URL`, `REDIS_URL`); without
//! them they are reported as skipped, with the reason.

use crate::load::{self, Tally};
use crate::server::{SERVER_THREAD, ServerRuntime, saturate, serve, server_cpu_secs, with_cpu};
use anyhow::{Context, ensure};
use futures_util::{SinkExt, StreamExt, stream};
use serde_json::{Value, json};
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio_tungstenite::tungstenite::{Message, protocol::WebSocketConfig};
use whoosh_auth::{Grant, Keyring, TokenKind, TokenSpec};

#[derive(Debug, Clone)]
pub struct Options {
    /// How long to hash.
    pub hash_window: Duration,
    /// How long each HTTP stage runs.
    pub http_window: Duration,
    /// Requests in flight at once in the HTTP stages.
    pub concurrency: usize,
    /// Sockets of the broadcast stage (0 skips it).
    pub sockets: usize,
    /// The broadcast stage's measured window (after a 3 s warm-up).
    pub ws_window: Duration,
    /// PostgreSQL and Redis for the router stages (either missing skips them).
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
}

/// Server CPU below which a messages-per-CPU-second figure is reported as unknown: 100 clock
/// ticks, so the reading is good to 1 %.
pub const MIN_CPU_SECS: f64 = 1.0;
/// How often the broadcast stage sends its message to every socket.
const BROADCAST_PERIOD: Duration = Duration::from_millis(100);

/// A `TICK`'s size in the edge benchmark (10-player lobby, playing).
const TICK_BYTES: usize = 1285;

pub async fn run(o: Options) -> anyhow::Result<Value> {
    let mut out = serde_json::Map::new();
    out.insert("cores".into(), json!(crate::figures::cores()));
    out.insert("argon2id".into(), argon2(o.hash_window));
    out.insert("token_verify".into(), token_verify()?);

    let server = ServerRuntime::start()?;
    let server = server.get()?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(o.concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;

    let hello = hello(server, &http, &o).await?;
    eprintln!("hello: {hello}");
    out.insert("axum_hello".into(), hello.clone());

    let router = match (&o.database_url, &o.redis_url) {
        (Some(db), Some(redis)) => Some(router(server, &http, &o, db, redis).await?),
        _ => None,
    };
    match router {
        Some((over_http, lambda)) => {
            let get_ratio = ratio(&over_http["ok_per_sec"], &hello["ok_per_sec"]);
            let cpu_ratio = ratio(
                &lambda["server_cpu_us_per_request"],
                &over_http["server_cpu_us_per_request"],
            );
            out.insert("router_over_http".into(), over_http);
            out.insert("router_through_lambda_adapter".into(), lambda);
            out.insert(
                "ratios".into(),
                json!({
                    "authenticated_get_per_sec_over_hello_per_sec": get_ratio,
                    "lambda_adapter_cpu_over_http_cpu": cpu_ratio,
                }),
            );
        }
        None => {
            out.insert(
                "router_over_http".into(),
                json!({"skipped": "DATABASE_URL and REDIS_URL are needed"}),
            );
        }
    }

    if o.sockets > 0 {
        let broadcast = broadcast(server, &o).await?;
        eprintln!("broadcast: {broadcast}");
        out.insert("bare_broadcast".into(), broadcast);
    }
    Ok(Value::Object(out))
}

pub(crate) fn ratio(a: &Value, b: &Value) -> Value {
    match (a.as_f64(), b.as_f64()) {
        (Some(a), Some(b)) if b > 0.0 => json!(crate::figures::round(a / b)),
        _ => Value::Null,
    }
}

fn argon2(window: Duration) -> Value {
    // One hashing thread per core, as the server's blocking pool would run them.
    let threads = crate::figures::cores();
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            std::thread::spawn(move || {
                let mut n = 0u64;
                while started.elapsed() < window {
                    if whoosh_auth::password::hash_blocking("benchmark password").is_ok() {
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();
    let hashes: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    let hashes_per_sec = hashes as f64 / started.elapsed().as_secs_f64();
    json!({ "params": "m=19456,t=2,p=1", "hashes_per_sec": crate::figures::round(hashes_per_sec) })
}

fn token_verify() -> anyhow::Result<Value> {
    // The cost every authenticated request pays, on one core.
    let now = crate::stack::unix_now()?;
    let (ring, _) = Keyring::generate(now)?;
    let spec = TokenSpec {
        issuer: "whoosh".into(),
        audience: "whoosh-players".into(),
    };
    let token = ring.mint(
        &spec,
        Grant::access("00000000-0000-0000-0000-000000000001", uuid::Uuid::nil()),
        now,
        Duration::from_secs(900),
    )?;
    let rounds = 20_000u32;
    let started = Instant::now();
    for _ in 0..rounds {
        ensure!(
            ring.verify(&spec, &token, TokenKind::Access).is_ok(),
            "verification failed"
        );
    }
    let verify_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
    Ok(json!({ "rounds": rounds, "us_per_verify": crate::figures::round(verify_us) }))
}

async fn hello(
    server: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    o: &Options,
) -> anyhow::Result<Value> {
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, World!" }));
    let (base, stop) = serve(server, app).await?;
    let (http, url) = (http.clone(), format!("{base}/"));
    let figures = saturate(
        o.concurrency,
        o.http_window,
        Arc::new(move || {
            let sent = http.get(&url).send();
            async move { load::answer(sent.await).await }
        }),
    )
    .await?;
    drop(stop);
    Ok(figures)
}

/// Files in `dir` the router's configuration points at: a signing keyring and an action key.
fn write_keys(dir: &std::path::Path) -> anyhow::Result<(String, String)> {
    std::fs::create_dir_all(dir)?;
    let (_, stored) = Keyring::generate(crate::stack::unix_now()?)?;
    let keys = dir.join("keys.json");
    std::fs::write(&keys, stored.to_json())?;
    let action = dir.join("action-key");
    std::fs::write(
        &action,
        format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        ),
    )?;
    Ok((
        format!("file:{}", keys.display()),
        format!("file:{}", action.display()),
    ))
}

/// The profiles service's Router over HTTP and through the Lambda adapter.
async fn router(
    server: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    o: &Options,
    database_url: &str,
    redis_url: &str,
) -> anyhow::Result<(Value, Value)> {
    let signed_in = signed_in(server, database_url, redis_url).await?;
    let (state, token, dir) = (signed_in.state, signed_in.token, signed_in.dir);
    // What the profiles Lambda and its HTTP binary both serve (`run_service`).
    let app = whoosh_http::app(whoosh_lambda_profiles::service_routes(), state.clone());

    let (base, stop) = serve(server, app.clone()).await?;
    let (client, url, bearer) = (
        http.clone(),
        format!("{base}/api/profiles/me"),
        token.clone(),
    );
    let over_http = saturate(
        o.concurrency,
        o.http_window,
        Arc::new(move || {
            let sent = client.get(&url).bearer_auth(&bearer).send();
            async move { load::answer(sent.await).await }
        }),
    )
    .await?;
    drop(stop);
    eprintln!("router over HTTP: {over_http}");

    let lambda = through_adapter(app, alb_event(&token).to_string(), o.http_window)?;
    eprintln!("router through the Lambda adapter: {lambda}");
    let _ = std::fs::remove_dir_all(&dir);
    Ok((over_http, lambda))
}

/// A profiles service state on its own database and key prefix, with a signed-in guest.
pub(crate) struct SignedIn {
    pub(crate) state: whoosh_http::AppState,
    /// The guest's access token (an hour long).
    pub(crate) token: String,
    pub(crate) user: uuid::Uuid,
    pub(crate) session: uuid::Uuid,
    /// The key files the configuration points at (removed by the caller).
    pub(crate) dir: std::path::PathBuf,
    /// The configuration as environment variables, for a service binary of the same setup.
    pub(crate) vars: Vec<(String, String)>,
}

/// Builds the state every router stage serves (on the server runtime, so the pools' background
/// tasks count as server work), migrates the database and signs a guest in.
pub(crate) async fn signed_in(
    server: &tokio::runtime::Runtime,
    database_url: &str,
    redis_url: &str,
) -> anyhow::Result<SignedIn> {
    use sqlx::migrate::MigrateDatabase;
    crate::stack::ensure_loopback(&format!(
        "postgres://{}",
        database_url.rsplit('@').next().unwrap_or_default()
    ))?;
    crate::stack::ensure_loopback(redis_url)?;
    if !sqlx::Postgres::database_exists(database_url).await? {
        sqlx::Postgres::create_database(database_url).await?;
    }
    let dir = std::env::temp_dir().join(format!("whoosh-bench-ceilings-{}", std::process::id()));
    let (keys, action_key) = write_keys(&dir)?;
    let prefix = format!("bench-ceilings-{}:", uuid::Uuid::new_v4().simple());
    let vars = [
        ("DATABASE_URL", database_url),
        ("REDIS_URL", redis_url),
        ("REDIS_KEY_PREFIX", &prefix),
        ("DATABASE_MAX_CONNECTIONS", "10"),
        ("LOG_LEVEL", "off"),
        ("LOG_FORMAT", "json"),
        ("AUTH_KEYS_SOURCE", &keys),
        ("ACTION_KEY_SOURCE", &action_key),
        ("RATE_LIMIT_PER_CLIENT", "100000000/1m"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    let config = whoosh_http::Config::load(&mut whoosh_http::config::Env::new(vars.clone()))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Built on the server runtime, so the pools' background tasks count as server work.
    let state = server
        .spawn(whoosh_http::AppState::connect(config))
        .await??;
    whoosh_store::MIGRATOR
        .run(&state.db)
        .await
        .context("applying migrations")?;
    let device = whoosh_core::DeviceId::parse(&uuid::Uuid::new_v4().to_string())
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let name = whoosh_core::DisplayName::parse("Bench").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let (account, _) = whoosh_store::accounts::guest_for_device(&state.db, &device, &name).await?;
    let session = uuid::Uuid::new_v4();
    let token = state.keyring.mint(
        &state.tokens,
        Grant::access(&account.id.to_string(), session),
        crate::stack::unix_now()?,
        Duration::from_secs(3600),
    )?;
    Ok(SignedIn {
        state,
        token,
        user: account.id,
        session,
        dir,
        vars: vars.to_vec(),
    })
}

/// `GET /api/profiles/me` as the ALB hands it to a Lambda target.
pub(crate) fn alb_event(token: &str) -> Value {
    json!({
        "requestContext": {
            "elb": {
                "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/whoosh-profiles/6d0ecf831eec9f09"
            }
        },
        "httpMethod": "GET",
        "path": "/api/profiles/me",
        "queryStringParameters": {},
        "headers": {
            "accept": "application/json",
            "authorization": format!("Bearer {token}"),
            "host": "api.whoosh.example",
            "user-agent": "whoosh-bench",
            "x-amzn-trace-id": "Root=1-5bdb40ca-556d8b0c50dc66f0511bf520",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https"
        },
        "body": "",
        "isBase64Encoded": false
    })
}

/// [`lambda_invocations`] as a Lambda execution environment runs them, one at a time: on a
/// thread of their own (named like the server's, so its CPU counts as server CPU) with a
/// current-thread runtime, as the Lambda binaries run under the runtime.
pub(crate) fn through_adapter(
    app: axum::Router,
    event: String,
    window: Duration,
) -> anyhow::Result<Value> {
    std::thread::Builder::new()
        .name(SERVER_THREAD.into())
        .spawn(move || -> anyhow::Result<Value> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(lambda_invocations(app, event, window))
        })?
        .join()
        .map_err(|_| anyhow::anyhow!("the Lambda stage panicked"))?
}

/// Invocations one after another for `window` (after a 1 s warm-up): the tally and the server
/// threads' CPU per invocation.
async fn lambda_invocations(
    app: axum::Router,
    event: String,
    window: Duration,
) -> anyhow::Result<Value> {
    let warm_until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < warm_until {
        let _ = invoke(app.clone(), event.clone()).await;
    }
    let mut tally = Tally::new()?;
    let cpu_before = server_cpu_secs()?;
    let started = Instant::now();
    while started.elapsed() < window {
        let sent = Instant::now();
        match invoke(app.clone(), event.clone()).await {
            Ok(status) if (200..300).contains(&status) => {
                tally
                    .histogram
                    .record(sent.elapsed().as_micros() as u64)
                    .ok();
            }
            Ok(status) => *tally.errors.entry(status.to_string()).or_default() += 1,
            Err(why) => *tally.errors.entry(why).or_default() += 1,
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = server_cpu_secs()? - cpu_before;
    Ok(with_cpu(&tally, elapsed, cpu, 1))
}

/// One invocation as the runtime performs it: the event's JSON deserialised, converted to an
/// HTTP request, routed, and the response converted and serialised to JSON.
async fn invoke(app: axum::Router, event: String) -> load::Answer {
    use lambda_http::{Adapter, Context, LambdaEvent, request::LambdaRequest, tower::ServiceExt};
    let request: LambdaRequest = serde_json::from_str(&event).map_err(|e| format!("event: {e}"))?;
    let adapter: Adapter<'_, _, _> = Adapter::from(app);
    let response = match adapter
        .oneshot(LambdaEvent::new(request, Context::default()))
        .await
    {
        Ok(response) => response,
        Err(never) => match never {},
    };
    // What the runtime posts back to the Runtime API.
    let body = serde_json::to_vec(&response).map_err(|e| format!("response: {e}"))?;
    status_code(&body).ok_or_else(|| "no statusCode in the response".to_owned())
}

/// The `statusCode` of a serialised ALB response, found without parsing the whole document.
fn status_code(body: &[u8]) -> Option<u16> {
    const KEY: &[u8] = b"\"statusCode\":";
    let at = body.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let digits: String = body[at..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    digits.parse().ok()
}

/// The soft limit on open files of this process.
fn open_files_limit() -> anyhow::Result<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits")?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .context("no open-files line in /proc/self/limits")?;
    let soft = line
        .split_whitespace()
        .nth(3)
        .context("malformed limits line")?;
    Ok(soft.parse().unwrap_or(u64::MAX))
}

async fn broadcast(server: &tokio::runtime::Runtime, o: &Options) -> anyhow::Result<Value> {
    let limit = open_files_limit()?;
    ensure!(
        limit >= 2 * o.sockets as u64 + 200,
        "{} sockets need {} open files (both ends in this process); `ulimit -n` is {limit}",
        o.sockets,
        2 * o.sockets + 200
    );
    let (tx, _) = tokio::sync::broadcast::channel::<Message>(16);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let listener = server
        .spawn(async { tokio::net::TcpListener::bind("127.0.0.1:0").await })
        .await??;
    let url = format!("ws://{}/", listener.local_addr()?);
    let accept_tx = tx.clone();
    let mut accept_stop = stop_rx.clone();
    server.spawn(async move {
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((tcp, _)) = accepted else { continue };
                    let _ = tcp.set_nodelay(true);
                    tokio::spawn(socket(tcp, accept_tx.subscribe()));
                }
                _ = accept_stop.changed() => break,
            }
        }
    });
    let payload = tick_payload();
    let publisher_tx = tx.clone();
    let mut publisher_stop = stop_rx.clone();
    server.spawn(async move {
        let mut every = tokio::time::interval(BROADCAST_PERIOD);
        loop {
            tokio::select! {
                _ = every.tick() => { let _ = publisher_tx.send(Message::Text(payload.clone().into())); }
                _ = publisher_stop.changed() => break,
            }
        }
    });

    let counting = Arc::new(AtomicBool::new(false));
    let received = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let clients: Vec<_> = stream::iter(0..o.sockets)
        .map(|_| {
            let url = url.clone();
            async move {
                let config = WebSocketConfig::default()
                    .read_buffer_size(16 * 1024)
                    .write_buffer_size(0);
                tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true)
                    .await
                    .map(|(ws, _)| ws)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let mut tasks = Vec::new();
    let mut refused = 0u64;
    for client in clients {
        let Ok(mut ws) = client else {
            refused += 1;
            continue;
        };
        let (counting, received) = (counting.clone(), received.clone());
        let mut stop = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    frame = ws.next() => match frame {
                        Some(Ok(Message::Text(_))) => {
                            if counting.load(Ordering::Relaxed) {
                                received.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Some(Ok(_)) => {}
                        _ => return,
                    },
                    _ = stop.changed() => break,
                }
            }
            let _ = ws.close(None).await;
        }));
    }
    let connect_secs = started.elapsed().as_secs_f64();
    let connected = tasks.len();
    eprintln!(
        "broadcast: {connected} of {} sockets in {connect_secs:.1} s",
        o.sockets
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let cpu_before = server_cpu_secs()?;
    let window_started = Instant::now();
    counting.store(true, Ordering::Relaxed);
    tokio::time::sleep(o.ws_window).await;
    counting.store(false, Ordering::Relaxed);
    let window = window_started.elapsed().as_secs_f64();
    let cpu = server_cpu_secs()? - cpu_before;
    stop_tx.send(true).ok();
    let _ = tokio::time::timeout(
        Duration::from_secs(20),
        futures_util::future::join_all(tasks),
    )
    .await;
    let messages = received.load(Ordering::Relaxed);
    Ok(json!({
        "sockets": o.sockets,
        "connected": connected,
        "refused": refused,
        "message_bytes": TICK_BYTES,
        "window_secs": crate::figures::round(window),
        "messages": messages,
        "messages_per_sec": crate::figures::round(messages as f64 / window),
        "server_cpu_secs": crate::figures::round(cpu),
        "server_cores_busy": crate::figures::round(cpu / window),
        "period_ms": BROADCAST_PERIOD.as_millis() as u64,
        "messages_per_server_cpu_sec": (cpu >= MIN_CPU_SECS).then(|| crate::figures::round(messages as f64 / cpu)),
    }))
}

/// A text message of a `TICK`'s size.
fn tick_payload() -> String {
    let head = r#"{"t":"TICK","seq":1,"server_ms":0,"pad":""#;
    let tail = r#""}"#;
    let pad = TICK_BYTES.saturating_sub(head.len() + tail.len());
    format!("{head}{}{tail}", "x".repeat(pad))
}

/// One server socket: every broadcast message out, until either side ends.
async fn socket(tcp: tokio::net::TcpStream, mut rx: tokio::sync::broadcast::Receiver<Message>) {
    use tokio::sync::broadcast::error::RecvError;
    let config = WebSocketConfig::default()
        .read_buffer_size(1024)
        .write_buffer_size(0);
    let Ok(ws) = tokio_tungstenite::accept_async_with_config(tcp, Some(config)).await else {
        return;
    };
    let (mut sink, mut stream) = ws.split();
    loop {
        tokio::select! {
            message = rx.recv() => match message {
                Ok(message) => {
                    if sink.send(message).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
            frame = stream.next() => match frame {
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
}
