//! `/ws/me` and battles over real WebSockets against real edge nodes (two in one process, sharing
//! PostgreSQL and Redis), the matchmaking and profiles services.
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
use whoosh_test_support::{Player, Sibling, TestApp, error_code as code};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const ORIGIN: &str = "http://game.example";
const WAIT: Duration = Duration::from_secs(15);

const OVERRIDES: &[(&str, &str)] = &[
    ("RATE_LIMIT_PER_CLIENT", "100000/1m"),
    ("ALLOWED_ORIGINS", ORIGIN),
    ("EDGE_TICK", "50ms"),
    ("EDGE_ROUND_SECS_OVERRIDE", "8"),
    ("EDGE_QUICK_START_WAIT", "30s"),
];

/// The API (profiles for groups, matchmaking for battles) and edge node A.
async fn spawn() -> TestApp {
    TestApp::build_with(
        |state| {
            whoosh_lambda_profiles::routes()
                .merge(whoosh_lambda_matchmaking::routes())
                .merge(whoosh_edge::start(state))
        },
        OVERRIDES,
    )
    .await
}

/// Edge node B on the same database and Redis.
async fn second_node(app: &TestApp) -> Sibling {
    let mut overrides = OVERRIDES.to_vec();
    overrides.push(("EDGE_NODE_ID", "edge-b"));
    app.sibling(whoosh_edge::start, &overrides).await
}

async fn me_socket(addr: std::net::SocketAddr, p: &Player, last_seq: Option<u64>) -> Ws {
    let url = match last_seq {
        Some(n) => format!("ws://{addr}/ws/me?last_seq={n}"),
        None => format!("ws://{addr}/ws/me"),
    };
    let mut request = url.into_client_request().unwrap();
    // As a browser does: the token in a subprotocol, next to whoosh.v1.
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_str(&format!("whoosh.v1, bearer.{}", p.token)).unwrap(),
    );
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_static(ORIGIN));
    tokio_tungstenite::connect_async(request).await.unwrap().0
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
        let m = next(ws)
            .await
            .unwrap_or_else(|| panic!("closed before {t}"));
        if m["t"] == t {
            return m;
        }
    }
}

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

async fn post(app: &TestApp, p: &Player, path: &str, body: Value) -> Value {
    let r = app
        .http
        .post(app.at(path))
        .bearer_auth(&p.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

async fn group(app: &TestApp, owner: &Player, name: &str, members: &[&Player]) -> String {
    let made = post(
        app,
        owner,
        "/api/groups",
        json!({"name": name, "tag": "BT"}),
    )
    .await;
    let id = made["id"].as_str().unwrap().to_owned();
    for m in members {
        post(app, m, &format!("/api/groups/{id}/join"), json!({})).await;
    }
    id
}

/// Every edge node of the app's region is in the registry.
async fn nodes_live(app: &TestApp, n: usize) {
    for _ in 0..200 {
        if app.state.nodes.live("local").await.unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{n} edge nodes never registered");
}

#[tokio::test]
async fn battle_events_reach_me_sockets_on_both_nodes_and_an_offline_player_catches_up() {
    let app = spawn().await;
    let b = second_node(&app).await;
    nodes_live(&app, 2).await;
    let (captain, mate, rival) = (
        app.player("Captain").await,
        app.player("Mate").await,
        app.player("Rival").await,
    );
    let ours = group(&app, &captain, "Our Side", &[&mate]).await;
    let theirs = group(&app, &rival, "Their Side", &[]).await;

    // The captain listens on node A, the rival on node B; the mate connects, then drops.
    let mut captain_ws = me_socket(app.addr, &captain, None).await;
    let hello = until(&mut captain_ws, "WELCOME").await;
    assert_eq!(
        (hello["seq"].as_u64(), &hello["resumed"]),
        (Some(0), &json!(false))
    );
    let mut rival_ws = me_socket(b.addr, &rival, None).await;
    until(&mut rival_ws, "WELCOME").await;
    let mut mate_ws = me_socket(b.addr, &mate, None).await;
    let mate_seen = until(&mut mate_ws, "WELCOME").await["seq"]
        .as_u64()
        .unwrap();
    mate_ws.close(None).await.unwrap();

    let battle = post(
        &app,
        &captain,
        "/api/battles",
        json!({"group_id": ours, "opponent_group": theirs}),
    )
    .await;
    let battle_id = battle["id"].as_str().unwrap().to_owned();
    let invite = until(&mut rival_ws, "battle:invite").await;
    assert_eq!(invite["battle_id"], battle_id.as_str());
    assert_eq!(invite["seq"], 1);
    // A group battle's sides are its groups' members: nobody is invited from outside.
    let outsider = app
        .http
        .post(app.at(&format!("/api/battles/{battle_id}/invite")))
        .bearer_auth(&captain.token)
        .json(&json!({"user_id": rival.id}))
        .send()
        .await
        .unwrap();
    assert_eq!(code(outsider).await, "invalid_battle");
    // The opponent group's owner is notified too, with the challenging group's name.
    let payload: Value = sqlx::query_scalar(
        "SELECT payload FROM notifications WHERE kind = 'battle_invitation' AND user_id = $1",
    )
    .bind(rival.id.parse::<uuid::Uuid>().unwrap())
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        (&payload["from_display_name"], &payload["group_name"]),
        (&json!("Captain"), &json!("Our Side"))
    );

    post(
        &app,
        &rival,
        &format!("/api/battles/{battle_id}/join"),
        json!({}),
    )
    .await;
    let joined = until(&mut captain_ws, "battle:join").await;
    assert_eq!(
        (&joined["user_id"], &joined["side"]),
        (&json!(rival.id), &json!("opponent"))
    );
    assert_eq!(until(&mut rival_ws, "battle:join").await["seq"], 2);

    // Too few players yet: the game needs three.
    let early = app
        .http
        .post(app.at(&format!("/api/battles/{battle_id}/begin")))
        .bearer_auth(&captain.token)
        .send()
        .await
        .unwrap();
    assert_eq!(code(early).await, "battle_not_ready");

    post(
        &app,
        &mate,
        &format!("/api/battles/{battle_id}/join"),
        json!({}),
    )
    .await;
    let begun = post(
        &app,
        &rival,
        &format!("/api/battles/{battle_id}/begin"),
        json!({}),
    )
    .await;
    assert_eq!(begun["state"], "playing");
    let lobby = begun["lobby_id"].as_str().unwrap().to_owned();
    for ws in [&mut captain_ws, &mut rival_ws] {
        let event = until(ws, "battle:begin").await;
        assert_eq!(event["lobby_id"], lobby.as_str());
    }

    // The mate was offline for their own join and the start: both come back, in order, no gaps.
    let mut back = me_socket(app.addr, &mate, Some(mate_seen)).await;
    let mut replayed = Vec::new();
    let welcome = loop {
        let m = next(&mut back).await.unwrap();
        if m["t"] == "WELCOME" {
            break m;
        }
        replayed.push((
            m["seq"].as_u64().unwrap(),
            m["t"].as_str().unwrap().to_owned(),
        ));
    };
    assert_eq!(
        replayed,
        [
            (mate_seen + 1, "battle:join".to_owned()),
            (mate_seen + 2, "battle:begin".to_owned())
        ]
    );
    assert_eq!(
        (
            &welcome["resumed"],
            &welcome["replayed"],
            welcome["seq"].as_u64()
        ),
        (&json!(true), &json!(2), Some(mate_seen + 2))
    );
    // Resuming from the head replays nothing; a last_seq the log does not know is not resumed.
    let mut current = me_socket(b.addr, &mate, Some(mate_seen + 2)).await;
    let w = until(&mut current, "WELCOME").await;
    assert_eq!((&w["resumed"], &w["replayed"]), (&json!(true), &json!(0)));
    let mut unknown = me_socket(b.addr, &mate, Some(999)).await;
    let w = until(&mut unknown, "WELCOME").await;
    assert_eq!(
        (&w["resumed"], w["seq"].as_u64()),
        (&json!(false), Some(mate_seen + 2))
    );

    // PING is answered; a revoked session closes the socket with 1008 on either node.
    back.send(Message::Text(
        json!({"t": "PING", "nonce": 4}).to_string().into(),
    ))
    .await
    .unwrap();
    assert_eq!(until(&mut back, "PONG").await["nonce"], 4);
    whoosh_http::auth::announce_revocation(
        &app.state,
        &whoosh_http::auth::Revocation {
            user_id: mate.id.parse().unwrap(),
            sessions: &[],
            all_sessions: true,
            reason: "logout_everywhere",
        },
    )
    .await;
    for ws in [&mut back, &mut current, &mut unknown] {
        assert_eq!(close_code(ws).await, Some(CloseCode::Policy));
    }
    drop(b);
}

#[tokio::test]
async fn me_sockets_are_refused_without_a_valid_token_or_from_a_foreign_origin() {
    let app = spawn().await;
    let p = app.player("Someone").await;
    let refuse = |url: String, origin: &'static str, token: Option<String>| async move {
        let mut request = url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("origin", HeaderValue::from_static(origin));
        if let Some(token) = token {
            request.headers_mut().insert(
                "authorization",
                HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
            );
        }
        match tokio_tungstenite::connect_async(request).await {
            Err(tungstenite::Error::Http(response)) => {
                let body: Value =
                    serde_json::from_slice(response.body().as_deref().unwrap()).unwrap();
                (
                    response.status().as_u16(),
                    body["error"]["code"].as_str().unwrap().to_owned(),
                )
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    };
    let url = format!("ws://{}/ws/me", app.addr);
    assert_eq!(
        refuse(url.clone(), ORIGIN, None).await,
        (401, "invalid_token".to_owned())
    );
    let join = app.mint(Grant::join(&p.id, "some-lobby"));
    assert_eq!(
        refuse(url.clone(), ORIGIN, Some(join)).await,
        (401, "invalid_token".to_owned())
    );
    assert_eq!(
        refuse(url.clone(), "http://evil.example", Some(p.token.clone())).await,
        (403, "origin_not_allowed".to_owned())
    );
}

#[tokio::test]
async fn a_duel_with_an_invited_second_is_played_to_game_over_and_finished_once() {
    let app = spawn().await;
    nodes_live(&app, 1).await;
    let (captain, mate, rival) = (
        app.player("Captain").await,
        app.player("Mate").await,
        app.player("Rival").await,
    );
    // A player-vs-player challenge: two players cannot play the game alone.
    let battle = post(
        &app,
        &captain,
        "/api/battles",
        json!({"opponent_id": rival.id}),
    )
    .await;
    let id = battle["id"].as_str().unwrap().to_owned();
    post(&app, &rival, &format!("/api/battles/{id}/join"), json!({})).await;
    let status = |r: reqwest::Response| r.status().as_u16();
    let early = app
        .http
        .post(app.at(&format!("/api/battles/{id}/begin")))
        .bearer_auth(&captain.token)
        .send()
        .await
        .unwrap();
    assert_eq!(code(early).await, "battle_not_ready");
    // The mate has no side until the captain invites them: the battle is not theirs to see.
    let unseen = app
        .http
        .get(app.at(&format!("/api/battles/{id}")))
        .bearer_auth(&mate.token)
        .send()
        .await
        .unwrap();
    assert_eq!(status(unseen), 404);
    let mut mate_me = me_socket(app.addr, &mate, None).await;
    until(&mut mate_me, "WELCOME").await;
    let invited = post(
        &app,
        &captain,
        &format!("/api/battles/{id}/invite"),
        json!({"user_id": mate.id}),
    )
    .await;
    assert_eq!(
        invited["invited"],
        json!([{"user_id": mate.id, "side": "challenger"}])
    );
    let invite = until(&mut mate_me, "battle:invite").await;
    assert_eq!(
        (&invite["battle_id"], &invite["side"]),
        (&json!(id), &json!("challenger"))
    );
    // Inviting again changes nothing and notifies nobody twice.
    post(
        &app,
        &captain,
        &format!("/api/battles/{id}/invite"),
        json!({"user_id": mate.id}),
    )
    .await;
    let notified: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'battle_invitation'",
    )
    .bind(mate.id.parse::<uuid::Uuid>().unwrap())
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(notified, 1);
    // Only the battle's players invite, and only to a player battle.
    let stranger = app.player("Stranger").await;
    let refused = app
        .http
        .post(app.at(&format!("/api/battles/{id}/invite")))
        .bearer_auth(&stranger.token)
        .json(&json!({"user_id": stranger.id}))
        .send()
        .await
        .unwrap();
    assert_eq!(code(refused).await, "battle_not_found");
    let joined = post(&app, &mate, &format!("/api/battles/{id}/join"), json!({})).await;
    assert!(
        joined["players"]
            .as_array()
            .unwrap()
            .contains(&json!({"user_id": mate.id, "side": "challenger"}))
    );
    assert_eq!(joined["invited"], json!([]));
    let mut captain_me = me_socket(app.addr, &captain, None).await;
    until(&mut captain_me, "WELCOME").await;
    let begun = post(
        &app,
        &captain,
        &format!("/api/battles/{id}/begin"),
        json!({}),
    )
    .await;
    let lobby = begun["lobby_id"].as_str().unwrap().to_owned();
    // A second begin finds it playing.
    let again = app
        .http
        .post(app.at(&format!("/api/battles/{id}/begin")))
        .bearer_auth(&mate.token)
        .send()
        .await
        .unwrap();
    assert_eq!(code(again).await, "battle_closed");

    // Everyone enters the battle's lobby; it starts when all three are in, and plays to the end.
    let players = [&captain, &mate, &rival];
    let mut sockets = Vec::new();
    for p in players {
        let token = app.mint(Grant::join(&p.id, &lobby));
        let mut request = format!("ws://{}/ws/lobbies/{lobby}", app.addr)
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        until(&mut ws, "WELCOME").await;
        sockets.push(ws);
    }
    let mut outcome = Value::Null;
    for (i, ws) in sockets.iter_mut().enumerate() {
        until(ws, "GAME_STARTED").await;
        let target = &players[(i + 1) % players.len()].id;
        ws.send(Message::Text(
            json!({"t": "SUSPECT", "target": target}).to_string().into(),
        ))
        .await
        .unwrap();
    }
    for ws in &mut sockets {
        outcome = until(ws, "GAME_OVER").await["outcome"].clone();
    }
    let won = |p: &Player| {
        outcome["players"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["user"] == p.id.as_str() && e["won"] == true)
    };
    let home = usize::from(won(&captain)) + usize::from(won(&mate));
    let away = usize::from(won(&rival));
    let expected = match home.cmp(&away) {
        std::cmp::Ordering::Greater => "challenger",
        std::cmp::Ordering::Less => "opponent",
        std::cmp::Ordering::Equal => "draw",
    };

    let finished = until(&mut captain_me, "battle:finished").await;
    assert_eq!(
        (
            &finished["battle_id"],
            &finished["match_id"],
            &finished["winner"]
        ),
        (&json!(id), &json!(lobby), &json!(expected))
    );
    let shown: Value = app
        .http
        .get(app.at(&format!("/api/battles/{id}")))
        .bearer_auth(&rival.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&shown["state"], &shown["winner"]),
        (&json!("finished"), &json!(expected))
    );

    // Recording the match again (an outbox retry, another node) finishes nothing twice.
    let battle_uuid: uuid::Uuid = id.parse().unwrap();
    let before: time::OffsetDateTime =
        sqlx::query_scalar("SELECT finished_at FROM battles WHERE id = $1")
            .bind(battle_uuid)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let record: whoosh_store::matches::MatchRecord = whoosh_store::matches::MatchRecord {
        id: lobby.parse().unwrap(),
        mode: "party".into(),
        winner: "agents".into(),
        reason: "exposed".into(),
        started_at: time::OffsetDateTime::now_utc(),
        finished_at: time::OffsetDateTime::now_utc(),
        players: Vec::new(),
    };
    assert!(
        whoosh_store::matches::record(&app.state.db, &record)
            .await
            .unwrap()
            .is_none()
    );
    let after: time::OffsetDateTime =
        sqlx::query_scalar("SELECT finished_at FROM battles WHERE id = $1")
            .bind(battle_uuid)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(before, after);
    let log = app
        .state
        .user_events
        .since(&captain.id, 0, None)
        .await
        .unwrap()
        .events
        .unwrap();
    let finishes = log.iter().filter(|e| e.kind == "battle:finished").count();
    assert_eq!(finishes, 1, "{log:?}");
    // The match also moved the captain's boards: `leaderboard` events with a rank.
    let rank = log.iter().find(|e| e.kind == "leaderboard").unwrap();
    let rank: Value = serde_json::from_str(&rank.data).unwrap();
    assert!(rank["rank"].as_i64().unwrap() >= 1, "{rank}");

    // An invitation was queued for the challenged player and one for the invited second (the
    // notifier sends them), once each; the start and the end are product events, one per player
    // each, the end once despite the retry.
    let invitations: Vec<(uuid::Uuid, Value)> = sqlx::query_as(
        "SELECT user_id, payload FROM notifications WHERE kind = 'battle_invitation'
         AND payload->>'battle_id' = $1",
    )
    .bind(&id)
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    let mut invited: Vec<String> = invitations.iter().map(|(u, _)| u.to_string()).collect();
    invited.sort();
    let mut expected_invited = vec![rival.id.clone(), mate.id.clone()];
    expected_invited.sort();
    assert_eq!(invited, expected_invited, "{invitations:?}");
    for (_, payload) in &invitations {
        assert_eq!(
            (&payload["from_display_name"], &payload["group_name"]),
            (&json!("Captain"), &Value::Null)
        );
    }
    for (name, expected) in [("battle_started", 3_i64), ("battle_finished", 3)] {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM analytics_events WHERE name = $1 AND properties->>'battle_id' = $2",
        )
        .bind(name)
        .bind(&id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
        assert_eq!(n, expected, "{name}");
    }
    let winners: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM analytics_events WHERE name = 'battle_finished'
         AND properties->>'battle_id' = $1 AND (properties->>'won')::boolean",
    )
    .bind(&id)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let expected_winners = match expected {
        "challenger" => 2,
        "opponent" => 1,
        _ => 0,
    };
    assert_eq!(winners, expected_winners);
}
