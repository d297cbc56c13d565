//! The matchmaking service over real HTTP against real PostgreSQL and Redis: tickets, the matcher
//! (driven with an injected clock, never by sleeping), parties, private lobbies and join codes.
//! The edge node is a registry entry pointing at a ws:// URL, as a live node would publish.

#![allow(clippy::unwrap_used)]

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};
use whoosh_auth::TokenKind;
use whoosh_cache::{EdgeNode, LobbyKind, Ticket, TicketQueue, TicketStatus};
use whoosh_lambda_matchmaking::{PassReport, match_pass};
use whoosh_test_support::{Player, TestApp, error_code};

const EDGE_URL: &str = "ws://127.0.0.1:7001";

async fn spawn_with(overrides: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("RATE_LIMIT_PER_CLIENT", "100000/1m")];
    all.extend_from_slice(overrides);
    TestApp::spawn_with(whoosh_lambda_matchmaking::routes(), &all).await
}

async fn spawn() -> TestApp {
    spawn_with(&[]).await
}

/// Registers a live edge node in region `local`.
async fn edge_node(app: &TestApp, id: &str, capacity: u32) {
    app.state
        .nodes
        .heartbeat(
            &EdgeNode {
                id: id.to_owned(),
                url: EDGE_URL.to_owned(),
                internal_url: EDGE_URL.to_owned(),
                region: "local".to_owned(),
                capacity,
                load: 0,
                accepting: true,
            },
            Duration::from_secs(60),
        )
        .await
        .unwrap();
}

async fn player_rated(app: &TestApp, name: &str, elo: i32) -> Player {
    let player = app.player(name).await;
    sqlx::query("UPDATE users SET elo = $2 WHERE id = $1")
        .bind(player.id.parse::<uuid::Uuid>().unwrap())
        .bind(elo)
        .execute(&app.state.db)
        .await
        .unwrap();
    player
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn post(app: &TestApp, p: &Player, path: &str, body: Value) -> Response {
    app.http
        .post(app.at(path))
        .bearer_auth(&p.token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn get(app: &TestApp, p: &Player, path: &str) -> Response {
    app.http
        .get(app.at(path))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
}

async fn ok_json(response: Response, expected: StatusCode) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, expected, "{body}");
    body
}

/// Queues `p` alone; returns the ticket id.
async fn queue(app: &TestApp, p: &Player) -> String {
    let ticket = ok_json(
        post(app, p, "/api/matchmaking/tickets", json!({"mode": "party"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(ticket["status"], "searching");
    ticket["ticket_id"].as_str().unwrap().to_owned()
}

async fn ticket(app: &TestApp, p: &Player, id: &str) -> Value {
    ok_json(
        get(app, p, &format!("/api/matchmaking/tickets/{id}")).await,
        StatusCode::OK,
    )
    .await
}

async fn pass_at(app: &TestApp, now: i64) -> PassReport {
    match_pass(&app.state, now).await.unwrap()
}

/// Checks that a join token opens `lobby` for `user` only.
fn assert_join_token(app: &TestApp, token: &str, user: &str, lobby: &str) {
    let claims = app
        .state
        .keyring
        .verify(&app.state.tokens, token, TokenKind::Join)
        .unwrap();
    assert_eq!(claims.sub, user);
    assert_eq!(claims.lobby.as_deref(), Some(lobby));
    assert!(
        app.state
            .keyring
            .verify(&app.state.tokens, token, TokenKind::Access)
            .is_err(),
        "a join token is never an access token"
    );
}

#[tokio::test]
async fn close_ratings_match_into_one_lobby_and_a_far_player_keeps_waiting() {
    let app = spawn().await;
    edge_node(&app, "edge-a", 100).await;
    let close = [
        player_rated(&app, "Ann", 1200).await,
        player_rated(&app, "Bea", 1230).await,
        player_rated(&app, "Cid", 1260).await,
    ];
    let far = player_rated(&app, "Far", 1900).await;
    let mut ids = Vec::new();
    for p in &close {
        ids.push(queue(&app, p).await);
    }
    let far_ticket = queue(&app, &far).await;
    let start = now_ms();

    // Three is below the target of six: they wait for more players first.
    assert!(pass_at(&app, start).await.lobbies.is_empty());
    let first = ticket(&app, &close[0], &ids[0]).await;
    assert_eq!(first["waiting_for"], "players");
    assert_eq!(first["window"], json!({"min": 1100, "max": 1300}));

    let report = pass_at(&app, start + 10_500).await;
    assert_eq!(report.lobbies.len(), 1, "{report:?}");
    let mut lobby_id = None;
    for (p, id) in close.iter().zip(&ids) {
        let t = ticket(&app, p, id).await;
        assert_eq!(t["status"], "matched", "{t}");
        assert_eq!(t["edge_url"], EDGE_URL);
        let lobby = t["lobby_id"].as_str().unwrap().to_owned();
        assert_eq!(
            t["ws_url"],
            format!("{EDGE_URL}/ws/lobbies/{lobby}").as_str()
        );
        assert_join_token(&app, t["join_token"].as_str().unwrap(), &p.id, &lobby);
        assert!(lobby_id.get_or_insert(lobby.clone()) == &lobby, "one lobby");
    }
    let lobby_id = lobby_id.unwrap();
    let record = app.state.lobbies.get(&lobby_id).await.unwrap().unwrap();
    assert_eq!(record.kind, LobbyKind::Match);
    assert_eq!((record.round_secs, record.max_players), (180, 3));
    assert_eq!(
        (record.node.as_str(), record.state.as_str()),
        ("edge-a", "waiting")
    );
    let mut members = record.members.clone();
    members.sort();
    let mut expected: Vec<_> = close.iter().map(|p| p.id.clone()).collect();
    expected.sort();
    assert_eq!(members, expected);
    let node = app.state.nodes.live("local").await.unwrap();
    assert_eq!(node[0].load, 3, "seats reserved on the node");

    let far_id: uuid::Uuid = far.id.parse().unwrap();
    let far = ticket(&app, &far, &far_ticket).await;
    assert_eq!(far["status"], "searching");

    // Each matched player has one match_found notification for this lobby; the far one none.
    for p in &close {
        let queued = whoosh_store::notifications::of_user(&app.state.db, p.id.parse().unwrap())
            .await
            .unwrap();
        assert_eq!(queued.len(), 1, "{queued:?}");
        assert_eq!(queued[0].kind, "match_found");
        assert_eq!(queued[0].status, "pending");
        assert_eq!(queued[0].payload["lobby_id"], lobby_id.as_str());
        assert_eq!(queued[0].payload["players"], 3);
    }
    let far_queued = whoosh_store::notifications::of_user(&app.state.db, far_id)
        .await
        .unwrap();
    assert!(far_queued.is_empty(), "{far_queued:?}");
}

#[tokio::test]
async fn far_apart_players_match_only_after_the_window_widened() {
    let app = spawn().await;
    edge_node(&app, "edge-a", 100).await;
    let players = [
        player_rated(&app, "Low", 1000).await,
        player_rated(&app, "Mid", 1200).await,
        player_rated(&app, "High", 1400).await,
    ];
    let mut ids = Vec::new();
    for p in &players {
        ids.push(queue(&app, p).await);
    }
    let start = now_ms();
    for waited in [0, 10_500, 20_000, 28_000] {
        assert!(
            pass_at(&app, start + waited).await.lobbies.is_empty(),
            "matched after {waited} ms with a window below ±400"
        );
    }
    let report = pass_at(&app, start + 31_000).await;
    assert_eq!(report.lobbies.len(), 1);
    assert_eq!(report.lobbies[0].players.len(), 3);
    for (p, id) in players.iter().zip(&ids) {
        assert_eq!(ticket(&app, p, id).await["status"], "matched");
    }
}

#[tokio::test]
async fn a_party_of_three_lands_in_one_lobby_and_every_member_finds_the_match() {
    let app = spawn().await;
    edge_node(&app, "edge-a", 100).await;
    let leader = player_rated(&app, "Lead", 1300).await;
    let friends = [
        player_rated(&app, "Fry", 1100).await,
        player_rated(&app, "Bender", 1200).await,
    ];
    let party = ok_json(
        post(&app, &leader, "/api/lobbies/parties", json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    let party_id = party["party_id"].as_str().unwrap().to_owned();
    let code = party["code"].as_str().unwrap().to_lowercase();
    for f in &friends {
        let joined = ok_json(
            post(&app, f, "/api/lobbies/parties/join", json!({"code": code})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(joined["party_id"], party_id.as_str());
    }
    let stranger = app.player("Zoe").await;
    let hidden = get(&app, &stranger, &format!("/api/lobbies/parties/{party_id}")).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(hidden).await, "party_not_found");

    let not_leader = post(
        &app,
        &friends[0],
        "/api/matchmaking/tickets",
        json!({"mode": "party", "party_id": party_id}),
    )
    .await;
    assert_eq!(not_leader.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(not_leader).await, "not_party_leader");

    let created = ok_json(
        post(
            &app,
            &leader,
            "/api/matchmaking/tickets",
            json!({"mode": "party", "party_id": party_id}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["rating"], 1200, "the party's average");
    assert_eq!(created["players"].as_array().unwrap().len(), 3);
    let ticket_id = created["ticket_id"].as_str().unwrap().to_owned();
    let own = post(&app, &friends[1], "/api/matchmaking/tickets", json!({})).await;
    assert_eq!(
        own.status(),
        StatusCode::CONFLICT,
        "a member is on the party's ticket"
    );
    assert_eq!(error_code(own).await, "ticket_already_live");

    // Three solo players fill the lobby to the target of six: it forms at once.
    for name in ["S1", "S2", "S3"] {
        let solo = player_rated(&app, name, 1210).await;
        queue(&app, &solo).await;
    }
    let report = pass_at(&app, now_ms()).await;
    assert_eq!(report.lobbies.len(), 1, "{report:?}");
    assert_eq!(report.lobbies[0].players.len(), 6);
    let lobby = report.lobbies[0].lobby_id.clone();

    for member in std::iter::once(&leader).chain(&friends) {
        let t = ticket(&app, member, &ticket_id).await;
        assert_eq!(t["status"], "matched");
        assert_eq!(t["lobby_id"], lobby.as_str());
        assert_join_token(&app, t["join_token"].as_str().unwrap(), &member.id, &lobby);
        let seen = ok_json(
            get(&app, member, &format!("/api/lobbies/parties/{party_id}")).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(seen["ticket"]["status"], "matched");
        assert_eq!(seen["ticket"]["lobby_id"], lobby.as_str());
        assert_join_token(
            &app,
            seen["ticket"]["join_token"].as_str().unwrap(),
            &member.id,
            &lobby,
        );
    }
}

#[tokio::test]
async fn a_party_holds_five_players() {
    let app = spawn().await;
    let leader = app.player("Lead").await;
    let party = ok_json(
        post(&app, &leader, "/api/lobbies/parties", json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    let code = party["code"].as_str().unwrap();
    for i in 0..4 {
        let p = app.player(&format!("P{i}")).await;
        ok_json(
            post(&app, &p, "/api/lobbies/parties/join", json!({"code": code})).await,
            StatusCode::OK,
        )
        .await;
    }
    let sixth = app.player("Late").await;
    let full = post(
        &app,
        &sixth,
        "/api/lobbies/parties/join",
        json!({"code": code}),
    )
    .await;
    assert_eq!(full.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(full).await, "party_full");
}

#[tokio::test]
async fn cancel_removes_a_ticket_and_frees_the_player() {
    let app = spawn().await;
    edge_node(&app, "edge-a", 100).await;
    let players = [
        app.player("A").await,
        app.player("B").await,
        app.player("C").await,
    ];
    let mut ids = Vec::new();
    for p in &players {
        ids.push(queue(&app, p).await);
    }
    let path = format!("/api/matchmaking/tickets/{}", ids[0]);
    let cancelled = app
        .http
        .delete(app.at(&path))
        .bearer_auth(&players[0].token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok_json(cancelled, StatusCode::OK).await["status"],
        "cancelled"
    );
    assert_eq!(
        ticket(&app, &players[0], &ids[0]).await["status"],
        "cancelled"
    );
    // Two players are left: no lobby, however long they wait.
    assert!(pass_at(&app, now_ms() + 60_000).await.lobbies.is_empty());
    assert_eq!(
        ticket(&app, &players[0], &ids[0]).await["status"],
        "cancelled"
    );
    // The player may queue again at once.
    queue(&app, &players[0]).await;
}

#[tokio::test]
async fn a_player_has_at_most_one_live_ticket() {
    let app = spawn().await;
    let p = app.player("Once").await;
    queue(&app, &p).await;
    let again = post(
        &app,
        &p,
        "/api/matchmaking/tickets",
        json!({"mode": "party"}),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(again).await, "ticket_already_live");
}

#[tokio::test]
async fn tickets_expire_after_their_ttl_and_free_the_player() {
    let app = spawn().await;
    edge_node(&app, "edge-a", 100).await;
    let p = app.player("Lonely").await;
    let id = queue(&app, &p).await;
    let report = pass_at(&app, now_ms() + 121_000).await;
    assert_eq!(report.expired, 1);
    let t = ticket(&app, &p, &id).await;
    assert_eq!(t["status"], "expired");
    assert!(t.get("waited_ms").is_none());
    queue(&app, &p).await;
}

#[tokio::test]
async fn another_players_ticket_is_404() {
    let app = spawn().await;
    let owner = app.player("Owner").await;
    let other = app.player("Other").await;
    let id = queue(&app, &owner).await;
    let path = format!("/api/matchmaking/tickets/{id}");
    let seen = get(&app, &other, &path).await;
    assert_eq!(seen.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(seen).await, "ticket_not_found");
    let cancelled = app
        .http
        .delete(app.at(&path))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), StatusCode::NOT_FOUND);
    assert_eq!(ticket(&app, &owner, &id).await["status"], "searching");
    let unknown = get(&app, &owner, "/api/matchmaking/tickets/no-such-ticket").await;
    assert_eq!(error_code(unknown).await, "ticket_not_found");
    let anonymous = app.http.get(app.at(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_modes_and_regions_are_400() {
    let app = spawn_with(&[("MATCHMAKING_REGIONS", "local,eu-west")]).await;
    let p = app.player("Picky").await;
    let mode = post(
        &app,
        &p,
        "/api/matchmaking/tickets",
        json!({"mode": "ranked"}),
    )
    .await;
    assert_eq!(mode.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(mode).await, "invalid_mode");
    let region = post(
        &app,
        &p,
        "/api/matchmaking/tickets",
        json!({"mode": "party", "region": "mars"}),
    )
    .await;
    assert_eq!(region.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(region).await, "invalid_region");
    let served = ok_json(
        post(
            &app,
            &p,
            "/api/matchmaking/tickets",
            json!({"mode": "party", "region": "eu-west"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(served["region"], "eu-west");
}

#[tokio::test]
async fn without_a_live_edge_node_tickets_wait_then_match_once_one_registers() {
    let app = spawn().await;
    let players = [
        app.player("A").await,
        app.player("B").await,
        app.player("C").await,
    ];
    let mut ids = Vec::new();
    for p in &players {
        ids.push(queue(&app, p).await);
    }
    let later = now_ms() + 11_000;
    let report = pass_at(&app, later).await;
    assert!(report.lobbies.is_empty());
    assert_eq!(report.waiting_for_node, 1);
    let t = ticket(&app, &players[0], &ids[0]).await;
    assert_eq!(t["status"], "searching");
    assert_eq!(t["waiting_for"], "edge_node");

    edge_node(&app, "edge-late", 50).await;
    let report = pass_at(&app, later + 500).await;
    assert_eq!(report.lobbies.len(), 1);
    let t = ticket(&app, &players[0], &ids[0]).await;
    assert_eq!(t["status"], "matched");
    assert_eq!(t["edge_url"], EDGE_URL);
}

/// Queues `n` tickets of made-up players straight into Redis (the matcher needs no accounts).
async fn seed_tickets(queue: &TicketQueue, n: usize, round: usize, now: i64) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id = format!("r{round}-t{i}-{}", uuid::Uuid::new_v4().simple());
        // Mostly solos, some parties of 2–3; ratings spread over 1000–1600.
        let size = match i % 7 {
            0 => 3,
            3 => 2,
            _ => 1,
        };
        let members = (0..size)
            .map(|_| uuid::Uuid::new_v4().to_string())
            .collect::<Vec<_>>();
        let ticket = Ticket {
            id: id.clone(),
            mode: "party".into(),
            region: "local".into(),
            owner: members[0].clone(),
            members,
            party_id: None,
            rating: 1000 + ((i * 7919 + round * 104_729) % 600) as i32,
            created_at_ms: now - (i as i64 % 5) * 1_000,
            expires_at_ms: now + 120_000,
            status: TicketStatus::Searching,
            lobby_id: None,
            edge_url: None,
            matched_at_ms: None,
        };
        queue
            .enqueue(&ticket, Duration::from_secs(60))
            .await
            .unwrap();
        ids.push(id);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_matchers_never_match_a_ticket_twice() {
    let app = spawn().await;
    edge_node(&app, "edge-big", 1_000_000).await;
    let queue = TicketQueue::new(app.state.redis.clone(), app.state.keys.clone());
    let mut matched_total = 0;
    let mut lost_total = 0;
    for round in 0..30 {
        let now = now_ms();
        let ids = seed_tickets(&queue, 40, round, now).await;
        // Different clocks give the two matchers different windows, hence overlapping but
        // different groups: they race for the same tickets in every round.
        let clocks = [now + 12_000, now + 25_000];
        let runs = clocks.map(|clock| {
            let state = app.state.clone();
            tokio::spawn(async move {
                let mut lobbies = Vec::new();
                let mut lost = 0;
                for step in 0..3 {
                    let report = match_pass(&state, clock + step * 1_000).await.unwrap();
                    lost += report.lost_claims;
                    lobbies.extend(report.lobbies);
                }
                (lobbies, lost)
            })
        });
        let mut lobbies = Vec::new();
        for run in runs {
            let (formed, lost) = run.await.unwrap();
            lobbies.extend(formed);
            lost_total += lost;
        }
        let mut owner: HashMap<&str, &str> = HashMap::new();
        for lobby in &lobbies {
            for t in &lobby.tickets {
                assert!(
                    owner.insert(t, &lobby.lobby_id).is_none(),
                    "round {round}: ticket {t} is in two lobbies"
                );
            }
            let record = app.state.lobbies.get(&lobby.lobby_id).await.unwrap();
            let record = record.expect("a reported lobby exists");
            let players: HashSet<_> = record.members.iter().collect();
            assert_eq!(players.len(), lobby.players.len());
            assert!(lobby.players.iter().all(|p| players.contains(p)));
        }
        for id in &ids {
            let t = queue.get(id).await.unwrap().unwrap();
            match owner.get(id.as_str()) {
                Some(lobby) => {
                    assert_eq!(t.status, TicketStatus::Matched);
                    assert_eq!(t.lobby_id.as_deref(), Some(*lobby));
                }
                None => assert_eq!(t.status, TicketStatus::Searching, "round {round}: {id}"),
            }
        }
        matched_total += owner.len();
        // Leave the queue empty for the next round.
        let rest: Vec<String> = ids
            .iter()
            .filter(|id| !owner.contains_key(id.as_str()))
            .cloned()
            .collect();
        queue
            .expire("party", "local", &rest, now + 10_000_000)
            .await
            .unwrap();
    }
    assert!(
        matched_total > 30 * 20,
        "most tickets matched: {matched_total}"
    );
    assert!(
        lost_total > 0,
        "the matchers never raced; the test proves nothing"
    );
    println!("matched {matched_total} tickets; {lost_total} claims lost to the other matcher");
}

#[tokio::test]
async fn private_lobby_by_code_wrong_code_404_full_409_and_members_only() {
    let app = spawn().await;
    edge_node(&app, "edge-a", 100).await;
    let host = app.player("Host").await;
    let bad = post(&app, &host, "/api/lobbies", json!({"round_secs": 30})).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(bad).await, "invalid_lobby_settings");
    let bad = post(&app, &host, "/api/lobbies", json!({"max_players": 11})).await;
    assert_eq!(error_code(bad).await, "invalid_lobby_settings");
    let bad = post(&app, &host, "/api/lobbies", json!({"max_players": 3.5})).await;
    assert_eq!(error_code(bad).await, "invalid_lobby_settings");

    let created = ok_json(
        post(
            &app,
            &host,
            "/api/lobbies",
            json!({"round_secs": 90, "max_players": 3}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let lobby = created["lobby_id"].as_str().unwrap().to_owned();
    let code_str = created["code"].as_str().unwrap().to_owned();
    assert_eq!(code_str.len(), 6);
    assert!(
        code_str
            .bytes()
            .all(|b| b"ABCDEFGHJKMNPQRSTUVWXYZ23456789".contains(&b))
    );
    assert_eq!(created["edge_url"], EDGE_URL);
    assert_eq!(created["host"], host.id.as_str());
    assert_join_token(
        &app,
        created["join_token"].as_str().unwrap(),
        &host.id,
        &lobby,
    );

    let guests = [app.player("G1").await, app.player("G2").await];
    for g in &guests {
        let joined = ok_json(
            post(
                &app,
                g,
                "/api/lobbies/join",
                json!({"code": code_str.to_lowercase()}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(joined["lobby_id"], lobby.as_str());
        assert_join_token(&app, joined["join_token"].as_str().unwrap(), &g.id, &lobby);
    }
    let late = app.player("Late").await;
    let full = post(&app, &late, "/api/lobbies/join", json!({"code": code_str})).await;
    assert_eq!(full.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(full).await, "lobby_full");
    let wrong = post(&app, &late, "/api/lobbies/join", json!({"code": "ZZZZZZ"})).await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(wrong).await, "lobby_not_found");
    let malformed = post(&app, &late, "/api/lobbies/join", json!({"code": "O0I1"})).await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(malformed).await, "invalid_join_code");

    let seen = ok_json(
        get(&app, &guests[0], &format!("/api/lobbies/{lobby}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["members"].as_array().unwrap().len(), 3);
    assert_eq!(
        (seen["round_secs"].as_u64(), seen["max_players"].as_u64()),
        (Some(90), Some(3))
    );
    assert_eq!(seen["state"], "waiting");
    assert_eq!(seen["kind"], "private");
    assert_join_token(
        &app,
        seen["join_token"].as_str().unwrap(),
        &guests[0].id,
        &lobby,
    );
    let hidden = get(&app, &late, &format!("/api/lobbies/{lobby}")).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(hidden).await, "lobby_not_found");
}

/// One join-by-code attempt; its status.
async fn guess(app: &TestApp, p: &Player, path: &str, code: &str) -> StatusCode {
    post(app, p, path, json!({ "code": code })).await.status()
}

#[tokio::test]
async fn guessing_join_codes_is_rate_limited_per_user_and_per_address() {
    let app = spawn_with(&[
        ("LOBBY_JOIN_RATE", "3/1m"),
        ("LOBBY_JOIN_RATE_PER_IP", "5/1m"),
    ])
    .await;
    let (lobby, party) = ("/api/lobbies/join", "/api/lobbies/parties/join");
    let guesser = app.player("Guesser").await;
    for _ in 0..3 {
        assert_eq!(
            guess(&app, &guesser, lobby, "ZZZZZZ").await,
            StatusCode::NOT_FOUND
        );
    }
    let limited = post(&app, &guesser, lobby, json!({"code": "YYYYYY"})).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(error_code(limited).await, "rate_limited");
    // Party codes share the budget.
    assert_eq!(
        guess(&app, &guesser, party, "YYYYYY").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A second account from the same address gets the rest of the address's budget only.
    let accomplice = app.player("Accomplice").await;
    for _ in 0..2 {
        assert_eq!(
            guess(&app, &accomplice, lobby, "ZZZZZZ").await,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        guess(&app, &accomplice, lobby, "ZZZZZZ").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_private_lobby_needs_a_live_edge_node() {
    let app = spawn().await;
    let host = app.player("Host").await;
    let r = post(&app, &host, "/api/lobbies", json!({})).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(error_code(r).await, "service_unavailable");
}
