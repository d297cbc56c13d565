//! Redis faults: reads fall back to PostgreSQL while Redis is down, slow or blackholed, and the
//! index is rebuilt when it returns or was flushed.

use crate::{score, spawn_with, top};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::Duration;
use whoosh_test_support::{Client, Fault, FaultProxy, TestApp, ThrowawayRedis};

#[tokio::test]
async fn redis_down_reads_fall_back_and_the_index_is_rebuilt_when_it_returns_or_is_flushed() {
    let mut redis = ThrowawayRedis::start().await;
    let url = redis.url();
    let app = spawn_with(&[("REDIS_URL", &url)]).await;
    let players = [
        app.player("One").await,
        app.player("Two").await,
        app.player("Three").await,
    ];
    for (i, p) in players.iter().enumerate() {
        score(&app, p, 10 * (i as i64 + 1)).await;
    }
    let expected = top(&app, "score").await;
    assert_eq!(expected.len(), 3);

    redis.kill();
    assert_eq!(
        top(&app, "score").await,
        expected,
        "reads fall back to PostgreSQL"
    );
    score(&app, &players[0], 25).await; // 35: a write while Redis is down succeeds and queues a repair
    let during = top(&app, "score").await;
    assert_eq!(during[0], (players[0].id.clone(), 35));

    redis.restart().await; // empty: as after a flush or a failover to a blank node
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = top(&app, "score").await;
    assert_eq!(
        after, during,
        "the first read after the restart falls back and starts a rebuild"
    );
    // The scheduled drift check runs until Redis answers again (503 while it does not).
    let mut checked = false;
    for _ in 0..50 {
        let drift = app
            .call(
                Method::POST,
                "/api/leaderboards/score/drift-check",
                app.service_token("arcade"),
                None,
            )
            .await;
        if drift.status() == StatusCode::OK {
            checked = true;
            break;
        }
        assert_eq!(drift.status(), StatusCode::SERVICE_UNAVAILABLE);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        checked,
        "the drift check never succeeded after Redis returned"
    );
    assert!(app.state.leaderboards.is_ready("score").await.unwrap());
    let indexed: Vec<(String, i64)> = app
        .state
        .leaderboards
        .range("score", 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.entry.user_id.to_string(), r.entry.value))
        .collect();
    assert_eq!(
        indexed, during,
        "the rebuilt index equals PostgreSQL exactly"
    );

    // FLUSHALL, then the drift check restores the exact order.
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("FLUSHALL")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    let checked: Value = app
        .call(
            Method::POST,
            "/api/leaderboards/score/drift-check",
            app.service_token("arcade"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(checked["drift"], 3);
    let restored: Vec<(String, i64)> = app
        .state
        .leaderboards
        .range("score", 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.entry.user_id.to_string(), r.entry.value))
        .collect();
    assert_eq!(restored, during);
}

/// The board page as a client with bounded patience sees it: the status and the entries.
async fn top_within(app: &TestApp, board: &str, patience: Duration) -> Vec<(String, i64)> {
    let response = app
        .http
        .get(app.at(&format!("/api/leaderboards/{board}?limit=100")))
        .timeout(patience)
        .send()
        .await
        .expect("the leaderboard answered before the client gave up");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["user_id"].as_str().unwrap().to_owned(),
                e["value"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_blackholed_redis_costs_one_command_timeout_and_reads_fall_back_to_postgres() {
    // Redis (a throwaway one) behind a proxy that can swallow every packet: a Redis that neither
    // answers nor closes, the case a connection refusal does not cover.
    let redis = ThrowawayRedis::start().await;
    let proxy = FaultProxy::in_front_of(&redis.url()).await;
    let app = spawn_with(&[
        ("REDIS_URL", &proxy.reroute(&redis.url())),
        ("REDIS_COMMAND_TIMEOUT", "300ms"),
        ("HTTP_REQUEST_TIMEOUT", "60s"),
    ])
    .await;
    let players = [
        app.player("Silent One").await,
        app.player("Silent Two").await,
        app.player("Silent Three").await,
    ];
    for (i, p) in players.iter().enumerate() {
        score(&app, p, 10 * (i as i64 + 1)).await;
    }
    let expected = top(&app, "score").await;
    assert_eq!(expected.len(), 3);
    // Let the index be built (the first read started a rebuild) before the faults begin. While
    // that rebuild holds the board's lock, the drift check answers 503 rather than claim a check.
    let mut ready = false;
    for _ in 0..50 {
        let checked = app
            .call(
                Method::POST,
                "/api/leaderboards/score/drift-check",
                app.service_token("arcade"),
                None,
            )
            .await
            .status();
        if checked == StatusCode::OK && app.state.leaderboards.is_ready("score").await.unwrap() {
            ready = true;
            break;
        }
        assert_eq!(checked, StatusCode::SERVICE_UNAVAILABLE);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the index was built");

    // The client's patience is far below the request timeout (60 s): an answer within it came
    // from the Redis command timeout and the PostgreSQL fallback, not from a hang.
    let patience = Duration::from_secs(20);
    for fault in [Fault::Blackhole, Fault::Reset, Fault::Drop] {
        proxy.set(fault);
        assert_eq!(
            top_within(&app, "score", patience).await,
            expected,
            "{fault:?}: the page comes from PostgreSQL"
        );
    }
    // A score written while Redis is silent is committed to PostgreSQL and shows at once.
    proxy.set(Fault::Blackhole);
    score(&app, &players[0], 25).await;
    let during = top_within(&app, "score", patience).await;
    assert_eq!(during[0], (players[0].id.clone(), 35));

    // When Redis answers again, the drift check brings the index back to PostgreSQL's order.
    proxy.set(Fault::Pass);
    for _ in 0..50 {
        if app.state.redis.ping().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut checked = false;
    for _ in 0..50 {
        let drift = app
            .call(
                Method::POST,
                "/api/leaderboards/score/drift-check",
                app.service_token("arcade"),
                None,
            )
            .await;
        if drift.status() == StatusCode::OK {
            checked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        checked,
        "the drift check never succeeded after the fault was lifted"
    );
    let indexed: Vec<(String, i64)> = app
        .state
        .leaderboards
        .range("score", 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.entry.user_id.to_string(), r.entry.value))
        .collect();
    assert_eq!(indexed, during, "the index equals PostgreSQL again");
}
