//! Lobbies over real WebSockets (tokio-tungstenite) against the real edge, PostgreSQL and Redis.
//! Game time runs fast (`EDGE_TICK`) with a short round (`EDGE_ROUND_SECS_OVERRIDE`).

#![allow(clippy::unwrap_used)]

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{
        Message, client::IntoClientRequest, http::HeaderValue, protocol::frame::coding::CloseCode,
    },
};
use whoosh_auth::Grant;
use whoosh_cache::{LobbyKind, LobbyRecord};
use whoosh_test_support::{Player, TestApp, TestDb, ThrowawayPostgres};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const ORIGIN: &str = "http://game.example";
const WAIT: Duration = Duration::from_secs(10);

fn overrides(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut all = vec![
        ("RATE_LIMIT_PER_CLIENT", "100000/1m"),
        ("ALLOWED_ORIGINS", ORIGIN),
        ("EDGE_TICK", "50ms"),
        ("EDGE_ROUND_SECS_OVERRIDE", "8"),
        ("EDGE_QUICK_START_WAIT", "30s"),
    ];
    all.extend_from_slice(extra);
    all
}

async fn spawn(extra: &[(&'static str, &'static str)]) -> TestApp {
    TestApp::build_with(
        |state| {
            whoosh_lambda_auth::routes()
                .merge(whoosh_lambda_profiles::routes())
                .merge(whoosh_edge::start(state))
        },
        &overrides(extra),
    )
    .await
}

/// A lobby record on this node, as the matchmaker writes it.
async fn lobby(app: &TestApp, kind: LobbyKind, members: &[&Player]) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let record = LobbyRecord {
        id: id.clone(),
        kind,
        mode: "party".to_owned(),
        region: "local".to_owned(),
        node: app.state.config.edge.node_id.clone(),
        url: app.state.config.edge.public_url.clone(),
        epoch: 1,
        host: (kind == LobbyKind::Private).then(|| members[0].id.clone()),
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

fn ws_url(app: &TestApp, lobby: &str, last_seq: Option<u64>) -> String {
    let base = format!("ws://{}/ws/lobbies/{lobby}", app.addr);
    match last_seq {
        Some(seq) => format!("{base}?last_seq={seq}"),
        None => base,
    }
}

async fn try_connect(
    app: &TestApp,
    lobby: &str,
    token: Option<&str>,
    origin: &str,
    last_seq: Option<u64>,
) -> Result<Ws, tungstenite::Error> {
    let mut request = ws_url(app, lobby, last_seq).into_client_request().unwrap();
    if let Some(token) = token {
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
    }
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_str(origin).unwrap());
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
}

fn join_token(app: &TestApp, player: &Player, lobby: &str) -> String {
    app.mint(Grant::join(&player.id, lobby))
}

async fn connect(app: &TestApp, lobby: &str, player: &Player) -> Ws {
    connect_from(app, lobby, player, None).await
}

async fn connect_from(app: &TestApp, lobby: &str, player: &Player, last_seq: Option<u64>) -> Ws {
    let token = join_token(app, player, lobby);
    try_connect(app, lobby, Some(&token), ORIGIN, last_seq)
        .await
        .unwrap()
}

/// The next server message (text frames only); `None` when the socket closed.
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

/// Reads until a message of type `t` arrives.
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

/// Reads until the server closes the socket; returns the close code.
async fn close_code(ws: &mut Ws) -> Option<CloseCode> {
    loop {
        match tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("socket not closed in time")
        {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code),
            None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

/// Players, each with a socket in a fresh quick-match lobby that has started its game.
async fn game_of(app: &TestApp, names: &[&str]) -> (String, Vec<Player>, Vec<Ws>) {
    let mut players = Vec::new();
    for name in names {
        players.push(app.player(name).await);
    }
    let refs: Vec<&Player> = players.iter().collect();
    let id = lobby(app, LobbyKind::Match, &refs).await;
    let mut sockets = Vec::new();
    for p in &players {
        let mut ws = connect(app, &id, p).await;
        until(&mut ws, "WELCOME").await;
        sockets.push(ws);
    }
    for ws in &mut sockets {
        until(ws, "GAME_STARTED").await;
    }
    (id, players, sockets)
}

async fn status_of(error: tungstenite::Error) -> (u16, String) {
    match error {
        tungstenite::Error::Http(response) => {
            let status = response.status().as_u16();
            let body: Value = response
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            (
                status,
                body["error"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        }
        other => panic!("expected an HTTP refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_four_player_game_runs_from_join_to_game_over_and_persists_once() {
    let app = spawn(&[]).await;
    let (id, players, mut sockets) = game_of(&app, &["Ada", "Bo", "Cy", "Di"]).await;
    // Everyone points at the next player; the roles decide who wins.
    for (i, ws) in sockets.iter_mut().enumerate() {
        let target = &players[(i + 1) % players.len()].id;
        send(ws, json!({"t": "SUSPECT", "target": target})).await;
    }
    let mut results = Vec::new();
    let mut news = 0;
    for ws in &mut sockets {
        loop {
            let m = next(ws).await.expect("closed before GAME_OVER");
            match m["t"].as_str().unwrap() {
                "NEWS" => news += 1,
                "GAME_OVER" => {
                    results.push(m);
                    break;
                }
                _ => {}
            }
        }
    }
    assert!(news >= 4, "every player hears the breaking news ({news})");
    let outcome = &results[0]["outcome"];
    assert_eq!(outcome["players"].as_array().unwrap().len(), 4);
    let winner = outcome["winner"].as_str().unwrap().to_owned();

    // The result reaches PostgreSQL once: match row, player rows, ratings, XP, coins, boards.
    let match_id: uuid::Uuid = id.parse().unwrap();
    let db = &app.state.db;
    for _ in 0..100 {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM matches WHERE id = $1")
            .bind(match_id)
            .fetch_one(db)
            .await
            .unwrap();
        if n == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stored: String = sqlx::query_scalar("SELECT winner FROM matches WHERE id = $1")
        .bind(match_id)
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(stored, winner);
    for (p, result) in players.iter().zip(&results) {
        let you = &result["you"];
        let uid: uuid::Uuid = p.id.parse().unwrap();
        let (games, wins, elo, xp): (i32, i32, i32, i64) =
            sqlx::query_as("SELECT games_played, wins, elo, xp FROM users WHERE id = $1")
                .bind(uid)
                .fetch_one(db)
                .await
                .unwrap();
        assert_eq!(games, 1);
        assert_eq!(wins, i32::from(you["won"].as_bool().unwrap()));
        assert_eq!(i64::from(elo), 1200 + you["rating_delta"].as_i64().unwrap());
        assert_eq!(xp, you["xp"].as_i64().unwrap());
        let coins: i64 = sqlx::query_scalar(
            "SELECT COALESCE(sum(amount), 0)::bigint FROM ledger WHERE user_id = $1 AND reason = 'match_reward'",
        )
        .bind(uid)
        .fetch_one(db)
        .await
        .unwrap();
        assert_eq!(coins, you["coins"].as_i64().unwrap());
        let on_board: i64 = sqlx::query_scalar(
            "SELECT value FROM leaderboard_entries WHERE board = 'xp' AND user_id = $1",
        )
        .bind(uid)
        .fetch_one(db)
        .await
        .unwrap();
        assert_eq!(on_board, xp);
    }
    // Writing the same result again (a retry from the outbox or another node) changes nothing.
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM match_players WHERE match_id = $1")
        .bind(match_id)
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(rows, 4);
    let record = whoosh_store::matches::MatchRecord {
        id: match_id,
        mode: "party".into(),
        winner: winner.clone(),
        reason: "exposed".into(),
        started_at: time::OffsetDateTime::now_utc(),
        finished_at: time::OffsetDateTime::now_utc(),
        players: Vec::new(),
    };
    assert!(
        whoosh_store::matches::record(db, &record)
            .await
            .unwrap()
            .is_none()
    );
    let games: i64 = sqlx::query_scalar("SELECT sum(games_played)::bigint FROM users")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(games, 4);

    // Analytics: one match_started (at game start) and one match_finished (with the result, so
    // not again on the retry) per player.
    let mut counts = (0, 0);
    for _ in 0..100 {
        counts = sqlx::query_as::<_, (i64, i64)>(
            "SELECT count(*) FILTER (WHERE name = 'match_started'), count(*) FILTER (WHERE name = 'match_finished')
             FROM analytics_events WHERE properties->>'match_id' = $1",
        )
        .bind(match_id.to_string())
        .fetch_one(db)
        .await
        .unwrap();
        if counts == (4, 4) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(counts, (4, 4));
    let finished: Vec<(uuid::Uuid, Value)> = sqlx::query_as(
        "SELECT user_id, properties FROM analytics_events WHERE name = 'match_finished' AND properties->>'match_id' = $1",
    )
    .bind(match_id.to_string())
    .fetch_all(db)
    .await
    .unwrap();
    for (user, properties) in finished {
        let i = players
            .iter()
            .position(|p| p.id == user.to_string())
            .unwrap();
        let you = &results[i]["you"];
        assert_eq!(properties["won"], you["won"]);
        assert_eq!(properties["rating_delta"], you["rating_delta"]);
        assert_eq!(properties["mode"], "party");
    }
}

#[tokio::test]
async fn upgrades_without_a_valid_token_or_from_a_foreign_origin_are_refused_before_the_upgrade() {
    let app = spawn(&[]).await;
    let ada = app.player("Ada").await;
    let bo = app.player("Bo").await;
    let mallory = app.player("Mallory").await;
    let id = lobby(&app, LobbyKind::Private, &[&ada, &bo]).await;
    let other = lobby(&app, LobbyKind::Private, &[&ada]).await;

    let no_token = try_connect(&app, &id, None, ORIGIN, None)
        .await
        .unwrap_err();
    assert_eq!(status_of(no_token).await, (401, "invalid_token".into()));

    // Neither a service token nor a refresh-shaped string stands in for a join token.
    for not_join in [
        app.service_token("edge"),
        "KnhcFyrpb4Uc6oUidQKGCiQPKuRuycWNsIMXKmKGPkw".to_owned(),
    ] {
        let err = try_connect(&app, &id, Some(&not_join), ORIGIN, None)
            .await
            .unwrap_err();
        assert_eq!(status_of(err).await, (401, "invalid_token".into()));
    }
    let access = ada.token.clone();
    let wrong_kind = try_connect(&app, &id, Some(&access), ORIGIN, None)
        .await
        .unwrap_err();
    assert_eq!(status_of(wrong_kind).await, (401, "invalid_token".into()));

    let other_lobby = join_token(&app, &ada, &other);
    let err = try_connect(&app, &id, Some(&other_lobby), ORIGIN, None)
        .await
        .unwrap_err();
    assert_eq!(status_of(err).await, (403, "token_wrong_lobby".into()));

    let token = join_token(&app, &ada, &id);
    let err = try_connect(&app, &id, Some(&token), "https://evil.example", None)
        .await
        .unwrap_err();
    assert_eq!(status_of(err).await, (403, "origin_not_allowed".into()));

    let stranger = join_token(&app, &mallory, &id);
    let err = try_connect(&app, &id, Some(&stranger), ORIGIN, None)
        .await
        .unwrap_err();
    assert_eq!(status_of(err).await, (403, "not_lobby_member".into()));

    let gone = uuid::Uuid::now_v7().to_string();
    let token = join_token(&app, &ada, &gone);
    let err = try_connect(&app, &gone, Some(&token), ORIGIN, None)
        .await
        .unwrap_err();
    assert_eq!(status_of(err).await, (404, "lobby_not_found".into()));

    // The same token through the subprotocol a browser uses gets in.
    let mut request = ws_url(&app, &id, None).into_client_request().unwrap();
    let token = join_token(&app, &ada, &id);
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_str(&format!("whoosh.v1, bearer.{token}")).unwrap(),
    );
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_static(ORIGIN));
    let (mut ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(
        response.headers().get("sec-websocket-protocol").unwrap(),
        "whoosh.v1"
    );
    let welcome = until(&mut ws, "WELCOME").await;
    assert_eq!(welcome["seq"], 0, "no events yet");
    assert_eq!(welcome["you"]["user_id"], ada.id.as_str());
}

#[tokio::test]
async fn bad_messages_get_an_error_and_the_connection_lives() {
    let app = spawn(&[]).await;
    let (_, players, mut sockets) = game_of(&app, &["Ada", "Bo", "Cy"]).await;
    let ws = &mut sockets[0];
    ws.send(Message::Text("{nope".into())).await.unwrap();
    assert_eq!(until(ws, "ERROR").await["code"], "malformed_message");
    send(ws, json!({"t": "DANCE"})).await;
    assert_eq!(until(ws, "ERROR").await["code"], "unknown_message");
    send(ws, json!({"t": "SUSPECT", "target": "not-a-user"})).await;
    assert_eq!(until(ws, "ERROR").await["code"], "invalid_message");
    send(ws, json!({"t": "SUSPECT", "target": players[0].id})).await;
    assert_eq!(until(ws, "ERROR").await["code"], "suspect_self");
    send(ws, json!({"t": "SUSPECT", "target": uuid::Uuid::now_v7()})).await;
    assert_eq!(until(ws, "ERROR").await["code"], "unknown_target");
    send(ws, json!({"t": "START"})).await;
    assert_eq!(until(ws, "ERROR").await["code"], "game_already_started");
    send(ws, json!({"t": "PING", "nonce": 42})).await;
    assert_eq!(until(ws, "PONG").await["nonce"], 42);
}

#[tokio::test]
async fn a_ten_mib_frame_closes_with_1009() {
    let app = spawn(&[]).await;
    let ada = app.player("Ada").await;
    let id = lobby(&app, LobbyKind::Private, &[&ada]).await;
    let mut ws = connect(&app, &id, &ada).await;
    until(&mut ws, "WELCOME").await;
    let huge = "x".repeat(10 * 1024 * 1024);
    let _ = ws.send(Message::Text(huge.into())).await;
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Size));
}

#[tokio::test]
async fn a_flood_closes_with_1008_and_other_players_play_on() {
    let app = spawn(&[]).await;
    let (_, players, mut sockets) = game_of(&app, &["Ada", "Bo", "Cy"]).await;
    let mut flooder = sockets.remove(0);
    for _ in 0..1000 {
        if flooder
            .send(Message::Text(r#"{"t":"PING"}"#.into()))
            .await
            .is_err()
        {
            break;
        }
    }
    assert_eq!(close_code(&mut flooder).await, Some(CloseCode::Policy));
    // The others keep getting ticks and see the flooder's seat drop.
    let bo = &mut sockets[0];
    let lobby = loop {
        let m = until(bo, "LOBBY").await;
        let flooder_seat = m["lobby"]["players"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["user_id"] == players[0].id.as_str())
            .cloned()
            .unwrap();
        if flooder_seat["connected"] == false {
            break m;
        }
    };
    assert_eq!(lobby["lobby"]["state"], "playing");
    until(bo, "TICK").await;
    until(bo, "TICK").await;
}

#[tokio::test]
async fn a_second_socket_for_a_seat_replaces_the_first() {
    let app = spawn(&[]).await;
    let ada = app.player("Ada").await;
    let bo = app.player("Bo").await;
    let id = lobby(&app, LobbyKind::Private, &[&ada, &bo]).await;
    let mut first = connect(&app, &id, &ada).await;
    until(&mut first, "WELCOME").await;
    let mut second = connect(&app, &id, &ada).await;
    let welcome = until(&mut second, "WELCOME").await;
    assert_eq!(close_code(&mut first).await, Some(CloseCode::Library(4000)));
    let seats = welcome["lobby"]["players"].as_array().unwrap();
    assert_eq!(seats.len(), 1, "no duplicate player: {seats:?}");
    assert_eq!(seats[0]["connected"], true);
}

#[tokio::test]
async fn a_player_who_returns_with_last_seq_gets_every_missed_message_in_order() {
    let app = spawn(&[("EDGE_ROUND_SECS_OVERRIDE", "60")]).await;
    let (id, players, mut sockets) = game_of(&app, &["Ada", "Bo", "Cy"]).await;
    let mut ada = sockets.remove(0);
    let last = until(&mut ada, "TICK").await["seq"].as_u64().unwrap();
    ada.close(None).await.unwrap();
    drop(ada);
    // Let the game move on while Ada is away: two chat events and some ticks.
    let bo = &mut sockets[0];
    send(bo, json!({"t": "CHAT", "text": "where did Ada go?"})).await;
    send(bo, json!({"t": "CHAT", "text": "she will be back"})).await;
    for _ in 0..5 {
        until(bo, "TICK").await;
    }
    let mut ada = connect_from(&app, &id, &players[0], Some(last)).await;
    // Every event after `last`, numbered without gaps, then the WELCOME with the whole state.
    let mut expected = last + 1;
    let mut chats = 0;
    let welcome = loop {
        let m = next(&mut ada).await.unwrap();
        if m["t"] == "WELCOME" {
            break m;
        }
        assert_eq!(
            m["seq"].as_u64().unwrap(),
            expected,
            "no gaps, in order: {m}"
        );
        expected += 1;
        chats += usize::from(m["t"] == "CHAT");
    };
    assert_eq!(chats, 2, "both chats sent while away were replayed");
    assert_eq!(welcome["resumed"], true);
    assert_eq!(welcome["replayed"].as_u64().unwrap(), expected - last - 1);
    assert_eq!(
        welcome["seq"].as_u64().unwrap(),
        expected - 1,
        "state carries the latest event"
    );
    assert_eq!(welcome["game"]["you"], players[0].id.as_str());
    assert!(welcome["game"]["remaining_secs"].as_u64().unwrap() < 60);
    // And the stream simply continues: state follows, the next event is numbered after.
    let tick = until(&mut ada, "TICK").await;
    assert_eq!(tick["seq"].as_u64().unwrap(), expected - 1);
    send(&mut ada, json!({"t": "PING", "nonce": 7})).await;
    assert_eq!(
        until(&mut ada, "PONG").await["seq"].as_u64().unwrap(),
        expected
    );
}

#[tokio::test]
async fn a_slow_consumer_is_dropped_and_the_tick_does_not_wait() {
    let app = spawn(&[
        ("EDGE_TICK", "5ms"),
        ("EDGE_ROUND_SECS_OVERRIDE", "600"),
        ("EDGE_OUTBOUND_QUEUE", "8"),
    ])
    .await;
    let mut players = Vec::new();
    for name in ["Ada", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal"] {
        players.push(app.player(name).await);
    }
    let refs: Vec<&Player> = players.iter().collect();
    let id = lobby(&app, LobbyKind::Match, &refs).await;
    let ada = &players[0];
    // Ada's socket has a tiny receive buffer and she never reads.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    let stream = socket.connect(app.addr).await.unwrap();
    let mut request = ws_url(&app, &id, None).into_client_request().unwrap();
    let token = join_token(&app, ada, &id);
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    let (_slow, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream))
        .await
        .unwrap();
    let mut others = Vec::new();
    for p in &players[1..] {
        others.push(connect(&app, &id, p).await);
    }
    for ws in &mut others {
        until(ws, "GAME_STARTED").await;
    }
    let mut bo_ws = others.remove(0);
    for mut ws in others {
        tokio::spawn(async move { while ws.next().await.is_some() {} });
    }
    // Bo keeps receiving ticks at the game's pace while Ada's queue overflows and she is dropped.
    let started = std::time::Instant::now();
    let mut ticks = 0u32;
    let dropped = loop {
        let m = next(&mut bo_ws).await.unwrap();
        if m["t"] == "TICK" {
            ticks += 1;
        }
        if m["t"] == "LOBBY" {
            let ada_seat = m["lobby"]["players"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["user_id"] == ada.id.as_str())
                .cloned()
                .unwrap();
            if ada_seat["connected"] == false {
                break true;
            }
        }
        if started.elapsed() > Duration::from_secs(60) {
            break false;
        }
    };
    assert!(dropped, "the slow socket was dropped");
    assert!(ticks > 10, "ticks kept flowing to the others: {ticks}");
    let metrics = app
        .http
        .get(app.at("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("whoosh_edge_drops_total"), "{metrics}");
}

/// A guest signed in through the auth service (a real session, so its revocation is real),
/// seated in a private lobby with its socket open past `WELCOME`.
async fn seated_guest(app: &TestApp) -> (Player, Ws) {
    let session: Value = app
        .http
        .post(app.at("/api/auth/guest"))
        .json(&json!({"device_id": uuid::Uuid::new_v4().to_string()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let guest = Player {
        id: session["user"]["id"].as_str().unwrap().to_owned(),
        token: session["access_token"].as_str().unwrap().to_owned(),
    };
    let id = lobby(app, LobbyKind::Private, &[&guest]).await;
    let mut ws = connect(app, &id, &guest).await;
    until(&mut ws, "WELCOME").await;
    (guest, ws)
}

#[tokio::test]
async fn logging_out_everywhere_closes_the_players_socket_with_1008() {
    let app = spawn(&[]).await;
    let (guest, mut ws) = seated_guest(&app).await;
    let status = app
        .http
        .post(app.at("/api/auth/logout-all"))
        .bearer_auth(&guest.token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Policy));
}

#[tokio::test]
async fn logging_out_one_session_closes_the_players_socket_with_1008() {
    let app = spawn(&[]).await;
    let (guest, mut ws) = seated_guest(&app).await;
    let status = app
        .http
        .post(app.at("/api/auth/logout"))
        .bearer_auth(&guest.token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Policy));
}

#[tokio::test]
async fn a_password_change_closes_the_players_socket_from_another_session_with_1008() {
    let app = spawn(&[]).await;
    let credentials = json!({"username": "sockethaver", "password": "first password here"});
    let registered = app
        .http
        .post(app.at("/api/auth/register"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    // Two sessions: the socket belongs to the second, the password changes from the first.
    let mut tokens = Vec::new();
    let mut user_id = String::new();
    for _ in 0..2 {
        let session: Value = app
            .http
            .post(app.at("/api/auth/login"))
            .json(&credentials)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        user_id = session["user"]["id"].as_str().unwrap().to_owned();
        tokens.push(session["access_token"].as_str().unwrap().to_owned());
    }
    let player = Player {
        id: user_id,
        token: tokens[1].clone(),
    };
    let id = lobby(&app, LobbyKind::Private, &[&player]).await;
    let mut ws = connect(&app, &id, &player).await;
    until(&mut ws, "WELCOME").await;
    let changed = app
        .http
        .post(app.at("/api/auth/password"))
        .bearer_auth(&tokens[0])
        .json(&json!({"current_password": "first password here", "new_password": "second password here"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(changed, 204);
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Policy));
}

#[tokio::test]
async fn a_result_that_meets_a_dead_database_waits_in_the_outbox_and_is_written_once() {
    let mut pg = ThrowawayPostgres::start().await;
    let db = TestDb::create_on(&pg.admin_url()).await;
    let app = TestApp::build_on(
        whoosh_edge::start,
        db,
        &overrides(&[
            ("EDGE_ROUND_SECS_OVERRIDE", "20"),
            ("DATABASE_ACQUIRE_TIMEOUT", "1s"),
        ]),
    )
    .await;
    let (id, players, mut sockets) = game_of(&app, &["Ada", "Bo", "Cy", "Di"]).await;
    pg.kill();
    for ws in &mut sockets {
        until(ws, "GAME_OVER").await;
    }
    let outbox = app.state.keys.results_outbox();
    let mut conn = app.state.redis.clone();
    let mut parked = 0;
    for _ in 0..100 {
        parked = redis::cmd("XLEN")
            .arg(&outbox)
            .query_async::<u64>(&mut conn)
            .await
            .unwrap();
        if parked > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(parked, 1, "the result waits in the outbox");
    pg.restart().await;
    let match_id: uuid::Uuid = id.parse().unwrap();
    let mut written = 0;
    for _ in 0..200 {
        written = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM matches WHERE id = $1")
            .bind(match_id)
            .fetch_one(&app.state.db)
            .await
            .unwrap_or(0);
        if written == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(written, 1);
    for _ in 0..50 {
        let left: u64 = redis::cmd("XLEN")
            .arg(&outbox)
            .query_async(&mut conn)
            .await
            .unwrap();
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Another pass of the worker changes nothing: written exactly once.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for p in &players {
        let (games, rewards): (i32, i64) = sqlx::query_as(
            "SELECT u.games_played, (SELECT count(*) FROM ledger l WHERE l.user_id = u.id AND l.reason = 'match_reward')
             FROM users u WHERE u.id = $1",
        )
        .bind(p.id.parse::<uuid::Uuid>().unwrap())
        .fetch_one(&app.state.db)
        .await
        .unwrap();
        assert_eq!((games, rewards), (1, 1));
    }
}

#[tokio::test]
async fn a_slow_header_client_is_cut_off_by_the_header_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn(&[("HTTP_HEADER_TIMEOUT", "1s")]).await;
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET /ws/lobbies/x HTTP/1.1\r\nHost: edge\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buffer = [0u8; 512];
    // The server gives up on the unfinished headers and closes (possibly after a 408).
    loop {
        let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buffer))
            .await
            .expect("the server kept a slow-header socket open");
        match read {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    assert!(started.elapsed() < Duration::from_secs(4));
}

/// How many sockets this process may open for a test, within its open-file limit (each local
/// connection costs two descriptors here: the client's and the server's).
fn socket_budget(wanted: usize) -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft: usize = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    wanted.min(soft.saturating_sub(256) / 2)
}

#[tokio::test]
async fn thousands_of_silent_and_slow_header_sockets_are_all_reaped_while_the_node_serves() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn(&[("HTTP_HEADER_TIMEOUT", "2s")]).await;
    let count = socket_budget(2_000);
    assert!(
        count >= 500,
        "the open-file limit leaves room for {count} sockets"
    );
    let mut sockets = Vec::with_capacity(count);
    for i in 0..count {
        let mut socket = TcpStream::connect(app.addr).await.unwrap();
        // Half say nothing; half start a request and never finish its headers (slowloris).
        if i % 2 == 1 {
            socket
                .write_all(b"GET /ws/lobbies/x HTTP/1.1\r\nHost: edge\r\n")
                .await
                .unwrap();
        }
        sockets.push(socket);
    }
    // The node answers a real request meanwhile (on a new connection: the server closes pooled
    // ones that idle past the header timeout, and reusing one then races its close).
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let ready = fresh.get(app.at("/readyz")).send().await.unwrap();
    assert!(ready.status().is_success());
    // Every one of them is closed by the server (possibly after a 408), none is kept.
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut buffer = [0u8; 512];
    for (i, socket) in sockets.iter_mut().enumerate() {
        loop {
            let read = tokio::time::timeout_at(deadline, socket.read(&mut buffer))
                .await
                .unwrap_or_else(|_| panic!("socket {i} of {count} was kept open"));
            match read {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
    let ready = fresh.get(app.at("/readyz")).send().await.unwrap();
    assert!(ready.status().is_success());
}

#[tokio::test]
async fn connection_caps_refuse_before_the_upgrade_per_address_and_per_node() {
    let app = spawn(&[
        ("EDGE_MAX_CONNECTIONS_PER_IP", "2"),
        ("EDGE_MAX_CONNECTIONS", "3"),
    ])
    .await;
    let mut players = Vec::new();
    for name in ["Ada", "Bo", "Cy", "Di"] {
        players.push(app.player(name).await);
    }
    let refs: Vec<&Player> = players.iter().collect();
    let id = lobby(&app, LobbyKind::Private, &refs).await;
    let first = connect(&app, &id, &players[0]).await;
    let _second = connect(&app, &id, &players[1]).await;
    // A third socket from the same address (127.0.0.1) is over the per-address cap.
    let token = join_token(&app, &players[2], &id);
    let err = try_connect(&app, &id, Some(&token), ORIGIN, None)
        .await
        .unwrap_err();
    assert_eq!(status_of(err).await, (429, "too_many_connections".into()));
    // Closing one frees its slot.
    drop(first);
    let started = std::time::Instant::now();
    let _third = loop {
        match try_connect(&app, &id, Some(&token), ORIGIN, None).await {
            Ok(ws) => break ws,
            Err(_) if started.elapsed() < WAIT => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(e) => panic!("the slot was not freed: {e}"),
        }
    };
    // The node-wide cap (3) answers 503 edge_full with Retry-After, whatever the address.
    let app2_token = join_token(&app, &players[3], &id);
    let mut request = ws_url(&app, &id, None).into_client_request().unwrap();
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {app2_token}")).unwrap(),
    );
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let stream = socket.connect(app.addr).await.unwrap();
    let extra = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream)).await;
    let _held = (
        try_connect(
            &app,
            &id,
            Some(&join_token(&app, &players[3], &id)),
            ORIGIN,
            None,
        )
        .await,
        extra,
    );
    let err = {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.3:0".parse().unwrap()).unwrap();
        let stream = socket.connect(app.addr).await.unwrap();
        let mut request = ws_url(&app, &id, None).into_client_request().unwrap();
        let token = join_token(&app, &players[3], &id);
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream))
            .await
            .unwrap_err()
    };
    match err {
        tungstenite::Error::Http(response) => {
            assert_eq!(response.status().as_u16(), 503);
            assert!(response.headers().contains_key("retry-after"));
        }
        other => panic!("expected 503, got {other:?}"),
    }
}

#[tokio::test]
async fn a_silent_socket_is_reaped_after_the_idle_timeout() {
    let app = spawn(&[("EDGE_IDLE_TIMEOUT", "900ms")]).await;
    let ada = app.player("Ada").await;
    let id = lobby(&app, LobbyKind::Private, &[&ada]).await;
    let mut ws = connect(&app, &id, &ada).await;
    until(&mut ws, "WELCOME").await;
    // Not reading means not answering the server's pings: the socket goes silent.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    // The server closed it (the close frame may be lost behind our queued pongs: either way).
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Close(frame))) => {
                let frame = frame.unwrap();
                assert_eq!(frame.code, CloseCode::Normal);
                assert_eq!(frame.reason.as_str(), "idle timeout");
                break;
            }
            Some(Ok(_)) => {}
            None | Some(Err(_)) => break,
        }
    }
    let metrics = app
        .http
        .get(app.at("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"whoosh_edge_drops_total{reason="idle"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn metrics_expose_every_documented_series() {
    let app = spawn(&[]).await;
    // A game, so that every series has been touched.
    let (_, _, mut sockets) = game_of(&app, &["Ada", "Bo", "Cy"]).await;
    send(&mut sockets[0], json!({"t": "PING"})).await;
    until(&mut sockets[0], "PONG").await;
    until(&mut sockets[0], "TICK").await;
    let response = app.http.get(app.at("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let body = response.text().await.unwrap();
    let source = include_str!("../src/metrics.rs");
    let documented: Vec<&str> = source
        .lines()
        .filter_map(|l| l.strip_prefix("//! | `"))
        .filter_map(|l| l.split(['`', '{']).next())
        .collect();
    assert!(documented.len() >= 8, "{documented:?}");
    for series in [
        "whoosh_edge_connections",
        "whoosh_edge_lobbies",
        "whoosh_edge_tick_lag_seconds",
        "whoosh_edge_tick_lag_max_seconds",
        "whoosh_edge_messages_in_total",
        "whoosh_edge_messages_out_total",
    ] {
        assert!(documented.contains(&series), "{series} is not documented");
        assert!(
            body.contains(series),
            "{series} missing from /metrics:\n{body}"
        );
    }
    assert!(
        body.contains("whoosh_edge_tick_lag_seconds_bucket"),
        "a histogram with buckets"
    );
    assert!(body.contains(r#"whoosh_edge_connections{kind="ws"}"#));
}

#[tokio::test]
async fn deleting_the_account_closes_the_players_socket_with_1008() {
    let app = spawn(&[]).await;
    let (guest, mut ws) = seated_guest(&app).await;
    // A guest deletes within five minutes of logging in (no password to confirm with).
    let status = app
        .http
        .delete(app.at("/api/profiles/me"))
        .bearer_auth(&guest.token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Policy));
}

#[tokio::test]
async fn deleting_the_account_kills_its_refresh_tokens() {
    let app = spawn(&[]).await;
    let session: Value = app
        .http
        .post(app.at("/api/auth/guest"))
        .json(&json!({"device_id": uuid::Uuid::new_v4().to_string()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = session["access_token"].as_str().unwrap();
    let refresh = session["refresh_token"].as_str().unwrap();
    let deleted = app
        .http
        .delete(app.at("/api/profiles/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(deleted, 204);
    let refreshed = app
        .http
        .post(app.at("/api/auth/refresh"))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 401);
    let body: Value = refreshed.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_refresh_token");
}

#[test]
fn the_grafana_dashboard_charts_only_documented_series() {
    let dashboard: Value =
        serde_json::from_str(include_str!("../../docs/dashboards/edge.json")).unwrap();
    let documented = include_str!("../src/metrics.rs");
    let mut charted = 0;
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if let Some(name) = word.strip_prefix("whoosh_edge_") {
                    let series = format!("whoosh_edge_{}", name.trim_end_matches("_bucket"));
                    assert!(
                        documented.contains(&format!("`{series}")),
                        "{series} is charted but not served/documented"
                    );
                    charted += 1;
                }
            }
        }
    }
    assert!(charted >= 10);
}
