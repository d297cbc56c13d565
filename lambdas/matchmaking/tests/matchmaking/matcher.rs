//! The matcher, driven with an injected clock: close ratings match at once, far ones once the
//! window has widened, tickets wait for a live edge node, and two matchers racing never match a
//! ticket twice.

use crate::{EDGE_URL, assert_join_token, edge_node, pass_at, player_rated, queue, spawn, ticket};
use serde_json::json;
use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};
use whoosh_cache::{LobbyKind, TicketQueue, TicketStatus};
use whoosh_lambda_matchmaking::match_pass;
use whoosh_test_support::{now_ms, searching_ticket};

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
        let ticket = searching_ticket(
            id.clone(),
            members,
            1000 + ((i * 7919 + round * 104_729) % 600) as i32,
            now - (i as i64 % 5) * 1_000,
            now + 120_000,
        );
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
