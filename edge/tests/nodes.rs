//! Several edge nodes as one: real `whoosh-edge` processes on loopback sharing PostgreSQL and
//! Redis. Sockets that reach the wrong node are forwarded to the owner; a lobby whose owner is
//! killed is resumed by another node from its snapshot; a draining node hands its games over; two
//! nodes can never both own a lobby.

#![allow(clippy::unwrap_used)]

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::{
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::{net::TcpStream, process::Child};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{
        Message, client::IntoClientRequest, http::HeaderValue, protocol::frame::coding::CloseCode,
    },
};
use whoosh_auth::Grant;
use whoosh_cache::{LobbyKind, LobbyRecord, Ownership};
use whoosh_test_support::{Player, TestApp, free_port, test_env};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const WAIT: Duration = Duration::from_secs(20);

/// One edge node process.
struct Node {
    id: String,
    port: u16,
    child: Child,
}

impl Node {
    async fn start(app: &TestApp, id: &str, extra: &[(&str, &str)]) -> Self {
        let port = free_port();
        let url = format!("ws://127.0.0.1:{port}");
        let bind = format!("127.0.0.1:{port}");
        let outbox = std::env::temp_dir().join(format!("whoosh-outbox-{id}-{port}"));
        let outbox = outbox.display().to_string();
        let mut overrides: Vec<(&str, &str)> = vec![
            ("REDIS_KEY_PREFIX", app.state.keys.prefix()),
            ("WHOOSH_BIND", &bind),
            ("EDGE_NODE_ID", id),
            ("EDGE_PUBLIC_URL", &url),
            ("EDGE_TICK", "50ms"),
            ("EDGE_ROUND_SECS_OVERRIDE", "60"),
            ("EDGE_LEASE_TTL", "1s"),
            ("EDGE_HEARTBEAT_TTL", "3s"),
            ("EDGE_QUICK_START_WAIT", "30s"),
            ("EDGE_OUTBOX_DIR", &outbox),
            ("RATE_LIMIT_PER_CLIENT", "100000/1m"),
        ];
        overrides.extend_from_slice(extra);
        let env = test_env(&app.db, app.state.keys.prefix(), &overrides);
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_whoosh-edge"))
            .envs(env)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let node = Self {
            id: id.to_owned(),
            port,
            child,
        };
        let ready = format!("http://127.0.0.1:{port}/readyz");
        let started = Instant::now();
        loop {
            if let Ok(r) = app.http.get(&ready).send().await {
                if r.status() == 200 {
                    break;
                }
            }
            assert!(started.elapsed() < WAIT, "node {id} never became ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        node
    }

    fn url(&self, lobby: &str, last_seq: Option<u64>) -> String {
        let base = format!("ws://127.0.0.1:{}/ws/lobbies/{lobby}", self.port);
        match last_seq {
            Some(seq) => format!("{base}?last_seq={seq}"),
            None => base,
        }
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

async fn control() -> TestApp {
    TestApp::spawn_with(
        whoosh_lambda_auth::routes(),
        &[("RATE_LIMIT_PER_CLIENT", "100000/1m")],
    )
    .await
}

async fn match_lobby(app: &TestApp, owner: &Node, members: &[Player]) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let record = LobbyRecord {
        id: id.clone(),
        kind: LobbyKind::Match,
        mode: "party".to_owned(),
        region: "local".to_owned(),
        node: owner.id.clone(),
        url: format!("ws://127.0.0.1:{}", owner.port),
        epoch: 1,
        host: None,
        code: None,
        round_secs: 180,
        max_players: 10,
        created_at_ms: 0,
        state: "waiting".to_owned(),
        members: members.iter().map(|p| p.id.clone()).collect(),
    };
    app.state
        .lobbies
        .create(&record, Duration::from_secs(600))
        .await
        .unwrap();
    id
}

async fn players(app: &TestApp, names: &[&str]) -> Vec<Player> {
    let mut all = Vec::new();
    for name in names {
        all.push(app.player(name).await);
    }
    all
}

/// Connects, retrying while the lobby moves between nodes (421 with Retry-After).
async fn connect(app: &TestApp, url: &str, lobby: &str, player: &Player) -> Ws {
    let token = app.mint(Grant::join(&player.id, lobby));
    let started = Instant::now();
    loop {
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        match tokio_tungstenite::connect_async(request).await {
            Ok((ws, _)) => return ws,
            Err(error) => {
                assert!(started.elapsed() < WAIT, "could not connect: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn next(ws: &mut Ws) -> Option<Value> {
    loop {
        match tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("no message in time")
        {
            Some(Ok(Message::Text(text))) => return Some(serde_json::from_str(&text).unwrap()),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

async fn until(ws: &mut Ws, t: &str) -> Value {
    loop {
        let message = next(ws)
            .await
            .unwrap_or_else(|| panic!("closed before {t}"));
        if message["t"] == t {
            return message;
        }
    }
}

/// The last `seq` seen before the socket ended.
async fn last_seq_until_end(ws: &mut Ws, mut last: u64) -> u64 {
    while let Ok(Some(Ok(message))) = tokio::time::timeout(WAIT, ws.next()).await {
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                last = value["seq"].as_u64().unwrap_or(last);
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    last
}

async fn matches_recorded(app: &TestApp, lobby: &str) -> i64 {
    let id: uuid::Uuid = lobby.parse().unwrap();
    let started = Instant::now();
    loop {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM matches WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        if n > 0 || started.elapsed() > WAIT {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn games_played(app: &TestApp, players: &[Player]) -> Vec<i32> {
    let mut out = Vec::new();
    for p in players {
        out.push(
            sqlx::query_scalar("SELECT games_played FROM users WHERE id = $1")
                .bind(p.id.parse::<uuid::Uuid>().unwrap())
                .fetch_one(&app.state.db)
                .await
                .unwrap(),
        );
    }
    out
}

#[tokio::test]
async fn a_socket_that_reaches_another_node_is_forwarded_to_its_game() {
    let app = control().await;
    let n1 = Node::start(&app, "n1", &[("EDGE_ROUND_SECS_OVERRIDE", "10")]).await;
    let n2 = Node::start(&app, "n2", &[]).await;
    let n3 = Node::start(&app, "n3", &[]).await;
    let team = players(&app, &["Ada", "Bo", "Cy"]).await;
    let lobby = match_lobby(&app, &n1, &team).await;
    let mut a = connect(&app, &n1.url(&lobby, None), &lobby, &team[0]).await;
    until(&mut a, "WELCOME").await;
    // Bo and Cy land on n2 and n3, which do not own the lobby.
    let mut b = connect(&app, &n2.url(&lobby, None), &lobby, &team[1]).await;
    let mut c = connect(&app, &n3.url(&lobby, None), &lobby, &team[2]).await;
    let welcome = until(&mut c, "WELCOME").await;
    assert_eq!(welcome["lobby"]["id"], lobby.as_str());
    for ws in [&mut a, &mut b, &mut c] {
        until(ws, "GAME_STARTED").await;
    }
    send(&mut c, json!({"t": "SUSPECT", "target": team[0].id})).await;
    for ws in [&mut a, &mut b, &mut c] {
        until(ws, "GAME_OVER").await;
    }
    assert_eq!(matches_recorded(&app, &lobby).await, 1);
    assert_eq!(games_played(&app, &team).await, vec![1, 1, 1]);
    let record = app.state.lobbies.get(&lobby).await.unwrap().unwrap();
    assert_eq!(
        (record.node.as_str(), record.epoch),
        ("n1", 1),
        "ownership never moved"
    );
    drop((n1, n2, n3));
}

async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

#[tokio::test]
async fn when_the_owner_is_killed_another_node_resumes_the_game_from_its_snapshot() {
    let app = control().await;
    let mut n1 = Node::start(&app, "n1", &[]).await;
    let n2 = Node::start(&app, "n2", &[]).await;
    let team = players(&app, &["Ada", "Bo", "Cy"]).await;
    let lobby = match_lobby(&app, &n1, &team).await;
    let mut sockets = Vec::new();
    for p in &team {
        sockets.push(connect(&app, &n1.url(&lobby, None), &lobby, p).await);
    }
    for ws in &mut sockets {
        until(ws, "GAME_STARTED").await;
        until(ws, "TICK").await;
    }
    // Snapshots are written behind the ticks (latest wins), so the kill waits for one that holds
    // some of the round's progress; any later one holds more.
    let waiting = Instant::now();
    let remaining_before = loop {
        assert!(waiting.elapsed() < WAIT, "no snapshot with progress");
        let stored = app.state.lobbies.snapshot(&lobby).await.unwrap();
        let remaining = stored
            .and_then(|json| serde_json::from_str::<Value>(&json).ok())
            // The game's clock in ticks; this node runs at 1 Hz, so ticks are seconds.
            .and_then(|s| s["game"]["remaining_ticks"].as_u64());
        match remaining {
            Some(left) if left < 60 => break left,
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    n1.signal("-KILL");
    n1.child.wait().await.unwrap();
    let mut last = Vec::new();
    for ws in &mut sockets {
        last.push(last_seq_until_end(ws, 0).await);
    }
    // Everyone comes back on n2 with the last seq they saw.
    let started = Instant::now();
    let mut resumed = Vec::new();
    for (p, seq) in team.iter().zip(&last) {
        // Until the dead owner's lease lapses, n2 forwards to it and the socket is closed with
        // 1013 (try again): clients reconnect.
        let (ws, welcome) = loop {
            let mut ws = connect(&app, &n2.url(&lobby, Some(*seq)), &lobby, p).await;
            if let Some(first) = next(&mut ws).await {
                let welcome = if first["t"] == "WELCOME" {
                    first
                } else {
                    until(&mut ws, "WELCOME").await
                };
                break (ws, welcome);
            }
            assert!(started.elapsed() < WAIT, "never resumed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(
            welcome["seq"].as_u64().unwrap() > *seq,
            "numbering goes on: {welcome}"
        );
        assert_eq!(welcome["lobby"]["state"], "playing");
        let remaining = welcome["game"]["remaining_secs"].as_u64().unwrap();
        assert!(remaining > 0 && remaining <= remaining_before);
        resumed.push(ws);
    }
    let back_in = started.elapsed();
    for ws in &mut resumed {
        until(ws, "TICK").await;
    }
    for ws in &mut resumed {
        until(ws, "GAME_OVER").await;
    }
    assert_eq!(matches_recorded(&app, &lobby).await, 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(games_played(&app, &team).await, vec![1, 1, 1]);
    let record = app.state.lobbies.get(&lobby).await.unwrap().unwrap();
    assert_eq!(record.node, "n2");
    assert!(record.epoch >= 2);
    eprintln!("game running again on n2 {back_in:?} after the owner died");
}

#[tokio::test]
async fn a_result_announced_just_before_its_node_is_killed_is_written_by_another_node() {
    use sqlx::Connection;
    let app = control().await;
    let mut n1 = Node::start(&app, "n1", &[("EDGE_ROUND_SECS_OVERRIDE", "10")]).await;
    let n2 = Node::start(&app, "n2", &[]).await;
    let team = players(&app, &["Ada", "Bo", "Cy"]).await;
    // PostgreSQL cannot take the result while the test holds a player's row: the game ends, its
    // players are told, and the node dies with the result not yet written.
    let mut locker = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut locker).await.unwrap();
    for p in &team {
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(p.id.parse::<uuid::Uuid>().unwrap())
            .execute(&mut locker)
            .await
            .unwrap();
    }
    let lobby = match_lobby(&app, &n1, &team).await;
    let mut sockets = Vec::new();
    for p in &team {
        sockets.push(connect(&app, &n1.url(&lobby, None), &lobby, p).await);
    }
    for ws in &mut sockets {
        until(ws, "GAME_OVER").await;
    }
    n1.signal("-KILL");
    n1.child.wait().await.unwrap();
    let id: uuid::Uuid = lobby.parse().unwrap();
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM matches WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(written, 0, "the result was not written before the kill");
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
    // The surviving node's outbox worker finds what the dead node parked and writes it, once.
    assert_eq!(matches_recorded(&app, &lobby).await, 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(games_played(&app, &team).await, vec![1, 1, 1]);
    drop(n2);
}

#[tokio::test]
async fn a_draining_node_hands_its_game_over_and_exits_within_the_deadline() {
    let app = control().await;
    let mut n1 = Node::start(&app, "n1", &[("EDGE_DRAIN_TIMEOUT", "3s")]).await;
    let n2 = Node::start(&app, "n2", &[]).await;
    let team = players(&app, &["Ada", "Bo", "Cy"]).await;
    let lobby = match_lobby(&app, &n1, &team).await;
    let mut sockets = Vec::new();
    for p in &team {
        sockets.push(connect(&app, &n1.url(&lobby, None), &lobby, p).await);
    }
    for ws in &mut sockets {
        until(ws, "GAME_STARTED").await;
        until(ws, "TICK").await;
    }
    let signalled = Instant::now();
    n1.signal("-TERM");
    // Readiness goes false at once: the node stops taking connections (refused) or says draining.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let ready = app
        .http
        .get(format!("http://127.0.0.1:{}/readyz", n1.port))
        .send()
        .await;
    assert!(ready.is_err() || ready.is_ok_and(|r| r.status() == 503));
    let mut last = Vec::new();
    for ws in &mut sockets {
        let mut seq = 0;
        loop {
            match tokio::time::timeout(WAIT, ws.next()).await.unwrap() {
                Some(Ok(Message::Text(text))) => {
                    seq = serde_json::from_str::<Value>(&text).unwrap()["seq"]
                        .as_u64()
                        .unwrap();
                }
                Some(Ok(Message::Close(frame))) => {
                    assert_eq!(frame.map(|f| f.code), Some(CloseCode::Away));
                    break;
                }
                Some(Ok(_)) => {}
                None | Some(Err(_)) => panic!("dropped without a close frame"),
            }
        }
        last.push(seq);
    }
    let status = tokio::time::timeout(Duration::from_secs(10), n1.child.wait())
        .await
        .expect("the node did not exit")
        .unwrap();
    assert!(status.success(), "exit status {status}");
    assert!(signalled.elapsed() < Duration::from_secs(8));
    let mut moved = Vec::new();
    for (p, seq) in team.iter().zip(&last) {
        let mut ws = connect(&app, &n2.url(&lobby, Some(*seq)), &lobby, p).await;
        let welcome = until(&mut ws, "WELCOME").await;
        assert_eq!(welcome["lobby"]["state"], "playing");
        moved.push(ws);
    }
    for ws in &mut moved {
        until(ws, "GAME_OVER").await;
    }
    assert_eq!(matches_recorded(&app, &lobby).await, 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(games_played(&app, &team).await, vec![1, 1, 1]);
}

#[tokio::test]
async fn two_nodes_never_both_own_a_lobby() {
    let app = control().await;
    let team = players(&app, &["Ada", "Bo", "Cy"]).await;
    let id = uuid::Uuid::now_v7().to_string();
    let record = LobbyRecord {
        id: id.clone(),
        kind: LobbyKind::Match,
        mode: "party".to_owned(),
        region: "local".to_owned(),
        node: "a".to_owned(),
        url: "ws://a".to_owned(),
        epoch: 1,
        host: None,
        code: None,
        round_secs: 180,
        max_players: 10,
        created_at_ms: 0,
        state: "waiting".to_owned(),
        members: team.iter().map(|p| p.id.clone()).collect(),
    };
    let lobbies = &app.state.lobbies;
    lobbies
        .create(&record, Duration::from_secs(60))
        .await
        .unwrap();
    let lease = Duration::from_millis(300);
    assert_eq!(
        lobbies.claim(&id, "a", "ws://a", lease).await.unwrap(),
        Ownership::Mine {
            epoch: 1,
            took_over: false
        }
    );
    // While a's lease lives, b is refused (and forwards instead).
    assert_eq!(
        lobbies.claim(&id, "b", "ws://b", lease).await.unwrap(),
        Ownership::Theirs { node: "a".into() }
    );
    assert!(
        lobbies
            .save_snapshot(&id, "a", 1, "{}", lease, lease * 10)
            .await
            .unwrap()
    );
    // a stalls past its lease; b takes over with a higher epoch...
    tokio::time::sleep(lease + Duration::from_millis(100)).await;
    assert_eq!(
        lobbies.claim(&id, "b", "ws://b", lease).await.unwrap(),
        Ownership::Mine {
            epoch: 2,
            took_over: true
        }
    );
    // ...and a's late writes are fenced off, so it stops instead of playing on.
    assert!(
        !lobbies
            .save_snapshot(&id, "a", 1, "{}", lease, lease * 10)
            .await
            .unwrap()
    );
    assert!(
        lobbies
            .save_snapshot(&id, "b", 2, "{}", lease, lease * 10)
            .await
            .unwrap()
    );
    assert_eq!(
        lobbies.claim(&id, "a", "ws://a", lease).await.unwrap(),
        Ownership::Theirs { node: "b".into() }
    );
}

#[tokio::test]
async fn an_owner_fenced_off_by_a_newer_epoch_stops_and_sends_its_players_on() {
    let app = control().await;
    let n1 = Node::start(&app, "n1", &[]).await;
    let n2 = Node::start(&app, "n2", &[]).await;
    let team = players(&app, &["Ada", "Bo", "Cy"]).await;
    let lobby = match_lobby(&app, &n1, &team).await;
    let mut sockets = Vec::new();
    for p in &team {
        sockets.push(connect(&app, &n1.url(&lobby, None), &lobby, p).await);
    }
    for ws in &mut sockets {
        until(ws, "GAME_STARTED").await;
    }
    // Split brain: n2 takes the lobby while n1 still runs it (as if n1's lease had lapsed during
    // a stall): the epoch rises and n1's next snapshot write is refused.
    let keys = &app.state.keys;
    let mut conn = app.state.redis.clone();
    let _: () = redis::pipe()
        .cmd("HSET")
        .arg(keys.lobby(&lobby))
        .arg("node")
        .arg("n2")
        .arg("url")
        .arg(format!("ws://127.0.0.1:{}", n2.port))
        .ignore()
        .cmd("HINCRBY")
        .arg(keys.lobby(&lobby))
        .arg("epoch")
        .arg(1)
        .ignore()
        .cmd("SET")
        .arg(keys.lobby_lease(&lobby))
        .arg("n2")
        .arg("PX")
        .arg(5_000)
        .ignore()
        .query_async(&mut conn)
        .await
        .unwrap();
    // n1 notices at its next tick and closes every socket with 1001 (reconnect).
    for ws in &mut sockets {
        loop {
            match tokio::time::timeout(WAIT, ws.next()).await.unwrap() {
                Some(Ok(Message::Close(frame))) => {
                    assert_eq!(frame.map(|f| f.code), Some(CloseCode::Away));
                    break;
                }
                Some(Ok(_)) => {}
                other => panic!("expected 1001, got {other:?}"),
            }
        }
    }
    drop((n1, n2));
}
