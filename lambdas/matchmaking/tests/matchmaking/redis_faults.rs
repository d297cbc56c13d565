//! Matchmaking and leaderboards while Redis (a throwaway server this test starts; never the shared
//! one) is SIGKILLed in the middle of a matcher pass and restarted empty, then flushed with
//! FLUSHALL. Redis holds only the queues and the index: the invariants are that no ticket is ever
//! matched twice (across every pass, before and after the faults), that tickets lost with Redis
//! are gone rather than half-matched, and that after the repair every board's Redis order equals
//! PostgreSQL's exactly.

use std::{collections::HashMap, time::Duration};
use whoosh_cache::TicketQueue;
use whoosh_lambda_matchmaking::match_pass;
use whoosh_store::matches::{MatchRecord, PlayerRecord};
use whoosh_test_support::{
    TestApp, ThrowawayRedis, assert_bank_invariants, now_ms, records, searching_ticket,
};

async fn edge_node(app: &TestApp) {
    let node = records::edge_node("edge-1", "ws://127.0.0.1:7001", 1_000_000);
    app.state
        .nodes
        .heartbeat(&node, Duration::from_secs(60))
        .await
        .unwrap();
}

async fn seed(queue: &TicketQueue, phase: usize, n: usize, now: i64) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id = format!("p{phase}-t{i}-{}", uuid::Uuid::new_v4().simple());
        let ticket = searching_ticket(
            id.clone(),
            vec![uuid::Uuid::new_v4().to_string()],
            1000 + ((i * 7919) % 400) as i32,
            now,
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

/// Waits until Redis answers again through the service's own client.
async fn until_redis_answers(app: &TestApp) {
    for _ in 0..100 {
        if app.state.redis.ping().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Redis never answered after the restart");
}

/// A finished match among `players`, recorded in PostgreSQL and written through to the index.
async fn finish_match(app: &TestApp, players: &[uuid::Uuid], round: usize) {
    let now = time::OffsetDateTime::now_utc();
    let record = MatchRecord {
        id: uuid::Uuid::now_v7(),
        mode: "party".to_owned(),
        winner: "agents".to_owned(),
        reason: "exposed".to_owned(),
        started_at: now - time::Duration::minutes(3),
        finished_at: now,
        players: players
            .iter()
            .enumerate()
            .map(|(i, user)| PlayerRecord {
                user_id: *user,
                role: if i == round % players.len() {
                    "mole"
                } else {
                    "agent"
                }
                .to_owned(),
                won: i != round % players.len(),
                heat: 0,
                final_suspect: None,
                rating_delta: if i == round % players.len() {
                    -15
                } else {
                    5 + i as i32
                },
                xp: 10 * (i as i64 + 1),
                coins: 5,
            })
            .collect(),
    };
    let recorded = whoosh_store::matches::record(&app.state.db, &record)
        .await
        .unwrap()
        .expect("a new match");
    whoosh_http::leaderboards::write_through(&app.state, &recorded.changed).await;
}

/// Records every lobby a pass formed; fails if a ticket was already in another lobby.
fn note(owner: &mut HashMap<String, String>, report: &whoosh_lambda_matchmaking::PassReport) {
    for lobby in &report.lobbies {
        for t in &lobby.tickets {
            if let Some(before) = owner.insert(t.clone(), lobby.lobby_id.clone()) {
                panic!("ticket {t} matched twice: {before} and {}", lobby.lobby_id);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_killed_mid_pass_or_flushed_never_matches_a_ticket_twice_and_boards_are_repaired() {
    let mut redis = ThrowawayRedis::start().await;
    let url = redis.url();
    let app = TestApp::spawn_with(
        whoosh_lambda_matchmaking::routes(),
        &[
            ("REDIS_URL", &url),
            ("REDIS_COMMAND_TIMEOUT", "500ms"),
            ("RATE_LIMIT_PER_CLIENT", "100000/1m"),
        ],
    )
    .await;
    let queue = TicketQueue::new(app.state.redis.clone(), app.state.keys.clone());
    let mut players = Vec::new();
    for i in 0..6 {
        players.push(app.player(&format!("Board {i}")).await.id.parse().unwrap());
    }
    let mut owner: HashMap<String, String> = HashMap::new();

    // Phase 0: normal service, then Redis is SIGKILLed while a pass is running.
    edge_node(&app).await;
    let now = now_ms();
    let lost_with_redis = seed(&queue, 0, 30, now).await;
    note(
        &mut owner,
        &match_pass(&app.state, now + 1_000).await.unwrap(),
    );
    finish_match(&app, &players, 0).await;
    seed(&queue, 0, 20, now).await;
    let pass = {
        let state = app.state.clone();
        tokio::spawn(async move { match_pass(&state, now + 20_000).await })
    };
    tokio::time::sleep(Duration::from_millis(2)).await;
    redis.kill();
    if let Ok(report) = pass.await.unwrap() {
        note(&mut owner, &report);
    }
    // A match finishing while Redis is down is committed; the index write queues a repair.
    finish_match(&app, &players, 1).await;
    assert!(
        match_pass(&app.state, now + 21_000).await.is_err(),
        "a pass against a dead Redis fails instead of matching from nothing"
    );

    // Phase 1: Redis is back, empty (as after a failover to a blank node).
    redis.restart().await;
    until_redis_answers(&app).await;
    for id in &lost_with_redis {
        assert_eq!(
            queue.get(id).await.unwrap(),
            None,
            "a ticket lost with Redis is gone, not half-matched"
        );
    }
    edge_node(&app).await; // the next heartbeat of a live node
    let now = now_ms();
    seed(&queue, 1, 30, now).await;
    for step in 0..3 {
        note(
            &mut owner,
            &match_pass(&app.state, now + 1_000 + step * 10_000)
                .await
                .unwrap(),
        );
    }
    finish_match(&app, &players, 2).await;

    // Phase 2: FLUSHALL between passes.
    seed(&queue, 2, 30, now).await;
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("FLUSHALL")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    let flushed = match_pass(&app.state, now + 40_000).await.unwrap();
    assert!(
        flushed.lobbies.is_empty(),
        "no lobby forms from flushed tickets, nor without a live edge node"
    );
    edge_node(&app).await;
    seed(&queue, 3, 30, now).await;
    for step in 0..3 {
        note(
            &mut owner,
            &match_pass(&app.state, now + 50_000 + step * 10_000)
                .await
                .unwrap(),
        );
    }
    finish_match(&app, &players, 3).await;
    assert!(owner.len() >= 60, "passes matched tickets: {}", owner.len());

    // Every lobby still in the directory holds the tickets' players once.
    for (ticket, lobby) in &owner {
        if let Some(record) = app.state.lobbies.get(lobby).await.unwrap() {
            let mut members = record.members.clone();
            members.sort();
            members.dedup();
            assert_eq!(members.len(), record.members.len(), "{lobby} for {ticket}");
        }
    }

    // Repair: the drift check rebuilds each board; Redis then equals PostgreSQL exactly.
    for board in ["rating", "xp"] {
        drift_check_as_a_scheduler_would(&app, board).await;
        let truth: Vec<(uuid::Uuid, i64)> = whoosh_store::leaderboards::all(&app.state.db, board)
            .await
            .unwrap()
            .iter()
            .map(|s| (s.user_id, s.value))
            .collect();
        let index: Vec<(uuid::Uuid, i64)> = app
            .state
            .leaderboards
            .range(board, 0, 1_000)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.entry.user_id, r.entry.value))
            .collect();
        assert_eq!(truth.len(), players.len(), "{board}");
        assert_eq!(index, truth, "{board}: Redis order equals PostgreSQL's");
        assert_eq!(
            drift_check_as_a_scheduler_would(&app, board).await,
            0,
            "{board}: no drift left"
        );
    }
    assert_bank_invariants(&app.state.db).await;
}

/// The drift check as its schedule runs it: while another rebuild of the board holds the lock (one
/// a read started after the restart, say) it answers 503 with `Retry-After`, and is run again.
async fn drift_check_as_a_scheduler_would(app: &TestApp, board: &str) -> usize {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        match whoosh_http::leaderboards::drift_check(&app.state, board).await {
            Ok(drift) => return drift,
            Err(e)
                if e.code() == whoosh_core::ErrorCode::ServiceUnavailable
                    && tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => panic!("the drift check of {board} failed: {e:?}"),
        }
    }
}
