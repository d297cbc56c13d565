//! The profiles service over real HTTP against real PostgreSQL and Redis: profiles, leaderboards
//! with first-reached ties, action-token scores, Redis faults, and account deletion.

#![allow(clippy::unwrap_used)]

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use whoosh_auth::Grant;
use whoosh_lambda_profiles::action_token::{self, ActionClaim};
use whoosh_test_support::{
    Fault, FaultProxy, Player, TestApp, ThrowawayRedis, error_code as code, test_action_key_file,
};

async fn spawn_with(overrides: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("RATE_LIMIT_PER_CLIENT", "100000/1m")];
    all.extend_from_slice(overrides);
    TestApp::spawn_with(whoosh_lambda_profiles::routes(), &all).await
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn action(app: &TestApp, p: &Player, max_score: i64) -> String {
    let r = app
        .http
        .post(app.at("/api/actions"))
        .bearer_auth(app.service_token("arcade"))
        .json(&json!({"user_id": p.id, "max_score": max_score}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.unwrap()["action_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn submit(app: &TestApp, p: &Player, token: &str, delta: Value) -> Response {
    app.http
        .post(app.at("/api/scores"))
        .bearer_auth(&p.token)
        .json(&json!({"action_token": token, "delta": delta}))
        .send()
        .await
        .unwrap()
}

async fn score(app: &TestApp, p: &Player, delta: i64) {
    let token = action(app, p, delta).await;
    assert_eq!(
        submit(app, p, &token, json!(delta)).await.status(),
        StatusCode::OK
    );
}

async fn top(app: &TestApp, board: &str) -> Vec<(String, i64)> {
    let body: Value = app
        .http
        .get(app.at(&format!("/api/leaderboards/{board}?limit=100")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
async fn ties_go_to_whoever_reached_the_score_first() {
    let app = spawn_with(&[]).await;
    let (a, b) = (app.player("Alpha").await, app.player("Bravo").await);
    score(&app, &a, 100).await;
    score(&app, &b, 100).await;
    assert_eq!(
        top(&app, "score").await,
        [(a.id.clone(), 100), (b.id.clone(), 100)]
    );
    // B reaches 150 first now.
    score(&app, &b, 50).await;
    score(&app, &a, 50).await;
    assert_eq!(
        top(&app, "score").await,
        [(b.id.clone(), 150), (a.id.clone(), 150)]
    );
    // Ranks agree between the top list, /me and around-me, with Redis and with PostgreSQL.
    let me: Value = app
        .http
        .get(app.at("/api/leaderboards/score/me"))
        .bearer_auth(&a.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["entry"]["rank"].as_i64(), me["entry"]["value"].as_i64()),
        (Some(2), Some(150))
    );
    let around: Value = app
        .http
        .get(app.at("/api/leaderboards/score/around-me?radius=1"))
        .bearer_auth(&a.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ranks: Vec<i64> = around["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rank"].as_i64().unwrap())
        .collect();
    assert_eq!(ranks, [1, 2]);
    app.state.leaderboards.drop_board("score").await.unwrap();
    assert_eq!(
        top(&app, "score").await,
        [(b.id.clone(), 150), (a.id.clone(), 150)],
        "PostgreSQL fallback agrees"
    );
}

#[tokio::test]
async fn fifty_concurrent_score_updates_for_one_player_lose_none() {
    let app = spawn_with(&[]).await;
    let p = app.player("Busy").await;
    let mut tokens = Vec::new();
    for _ in 0..50 {
        tokens.push(action(&app, &p, 10).await);
    }
    let results =
        futures_util::future::join_all(tokens.iter().map(|t| submit(&app, &p, t, json!(7)))).await;
    assert!(results.iter().all(|r| r.status() == StatusCode::OK));
    assert_eq!(top(&app, "score").await, [(p.id.clone(), 350)]);
    let events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM score_events WHERE user_id = $1::uuid")
            .bind(&p.id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(events, 50);
}

#[tokio::test]
async fn action_tokens_are_single_use_signed_capped_and_personal() {
    let app = spawn_with(&[]).await;
    let (p, other) = (app.player("Owner").await, app.player("Other").await);
    let token = action(&app, &p, 100).await;
    let first = submit(&app, &p, &token, json!(60)).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    let replay = submit(&app, &p, &token, json!(60)).await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(
        replay.json::<Value>().await.unwrap(),
        first,
        "a replay gets the first answer"
    );
    assert_eq!(
        top(&app, "score").await,
        [(p.id.clone(), 60)],
        "counted once"
    );

    let fresh = action(&app, &p, 100).await;
    let mut flipped = fresh.clone().into_bytes();
    flipped[5] ^= 0x01;
    let r = submit(&app, &p, &String::from_utf8(flipped).unwrap(), json!(1)).await;
    assert_eq!(
        (r.status(), code(r).await.as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_action_token")
    );
    let r = submit(&app, &other, &fresh, json!(1)).await;
    assert_eq!(
        (r.status(), code(r).await.as_str()),
        (StatusCode::FORBIDDEN, "action_token_wrong_user")
    );
    let r = submit(&app, &p, &fresh, json!(101)).await;
    assert_eq!(
        (r.status(), code(r).await.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "score_over_cap")
    );
    for bad in [json!(0), json!(-5), json!(1.5), json!("3")] {
        let r = submit(&app, &p, &fresh, bad.clone()).await;
        assert_eq!(code(r).await, "invalid_score", "{bad}");
    }

    // An expired token, signed with the real key.
    let key = std::fs::read_to_string(test_action_key_file()).unwrap();
    let user: uuid::Uuid = p.id.parse().unwrap();
    let expired_at = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
    let action_id = whoosh_store::actions::register(&app.state.db, user, "arcade", 10, expired_at)
        .await
        .unwrap();
    let expired = action_token::sign(
        key.trim().as_bytes(),
        &ActionClaim {
            action_id,
            user_id: user,
            max_score: 10,
            expires_at: expired_at.unix_timestamp(),
        },
    );
    let r = submit(&app, &p, &expired, json!(5)).await;
    assert_eq!(
        (r.status(), code(r).await.as_str()),
        (StatusCode::UNAUTHORIZED, "action_token_expired")
    );
    // Only services register actions.
    let as_player = app
        .http
        .post(app.at("/api/actions"))
        .bearer_auth(&p.token)
        .json(&json!({"user_id": p.id, "max_score": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(as_player.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(top(&app, "score").await, [(p.id.clone(), 60)]);
}

#[tokio::test]
async fn a_score_that_would_overflow_is_422_and_nothing_wraps() {
    let app = spawn_with(&[]).await;
    let p = app.player("Maxed").await;
    score(&app, &p, 1).await;
    sqlx::query("UPDATE leaderboard_entries SET value = 9007199254740990 WHERE user_id = $1::uuid")
        .bind(&p.id)
        .execute(&app.state.db)
        .await
        .unwrap();
    let token = action(&app, &p, 10).await;
    let r = submit(&app, &p, &token, json!(5)).await;
    assert_eq!(
        (r.status(), code(r).await.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "score_overflow")
    );
    let value: i64 =
        sqlx::query_scalar("SELECT value FROM leaderboard_entries WHERE user_id = $1::uuid")
            .bind(&p.id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(value, 9_007_199_254_740_990);
}

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
            .http
            .post(app.at("/api/leaderboards/score/drift-check"))
            .bearer_auth(app.service_token("arcade"))
            .send()
            .await
            .unwrap();
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
        .http
        .post(app.at("/api/leaderboards/score/drift-check"))
        .bearer_auth(app.service_token("arcade"))
        .send()
        .await
        .unwrap()
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

#[tokio::test]
async fn leaderboard_pages_clamp_limits_and_refuse_bad_cursors() {
    use base64::Engine;
    let app = spawn_with(&[]).await;
    let players = [
        app.player("Page One").await,
        app.player("Page Two").await,
        app.player("Page Three").await,
    ];
    for (i, p) in players.iter().enumerate() {
        score(&app, p, 10 * (i as i64 + 1)).await;
    }
    let page = |query: String| {
        let app = &app;
        async move {
            app.http
                .get(app.at(&format!("/api/leaderboards/score?{query}")))
                .send()
                .await
                .unwrap()
        }
    };
    let cursor = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    // Limits out of range are clamped: at least one entry, at most the maximum.
    for (limit, expected) in [("-5", 1), ("0", 1), ("1000000", 3)] {
        let response = page(format!("limit={limit}")).await;
        assert_eq!(response.status(), StatusCode::OK, "limit={limit}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["entries"].as_array().unwrap().len(),
            expected,
            "limit={limit}"
        );
    }
    // The cursor of a clamped page continues it.
    let first: Value = page("limit=-5".to_owned()).await.json().await.unwrap();
    let next = first["next_cursor"].as_str().unwrap();
    let second: Value = page(format!("limit=1&cursor={next}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["entries"][0]["user_id"], players[1].id.as_str());
    // Garbage, foreign and negative cursors are 400 `invalid_cursor`; a bad limit 400.
    for (query, status, error) in [
        (
            "cursor=garbage".to_owned(),
            StatusCode::BAD_REQUEST,
            "invalid_cursor",
        ),
        (
            format!("cursor={}", cursor("p1:-5")),
            StatusCode::BAD_REQUEST,
            "invalid_cursor",
        ),
        (
            format!("cursor={}", cursor("p2:1")),
            StatusCode::BAD_REQUEST,
            "invalid_cursor",
        ),
        (
            "limit=-1x".to_owned(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ] {
        let response = page(query.clone()).await;
        assert_eq!(response.status(), status, "{query}");
        assert_eq!(code(response).await, error, "{query}");
    }
    // A cursor past the end is an empty last page.
    let past: Value = page(format!("cursor={}", cursor("p1:1000")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(past["entries"].as_array().unwrap().len(), 0);
    assert_eq!(past["next_cursor"], Value::Null);
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
            .http
            .post(app.at("/api/leaderboards/score/drift-check"))
            .bearer_auth(app.service_token("arcade"))
            .send()
            .await
            .unwrap()
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
            .http
            .post(app.at("/api/leaderboards/score/drift-check"))
            .bearer_auth(app.service_token("arcade"))
            .send()
            .await
            .unwrap();
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

#[tokio::test]
async fn profiles_show_public_fields_and_edits_take_only_allow_listed_ones() {
    let app = spawn_with(&[]).await;
    let p = app.player("Editor").await;
    let me: Value = app
        .http
        .get(app.at("/api/profiles/me"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["elo"].as_i64(), me["level"].as_i64(), me["xp"].as_i64()),
        (Some(1200), Some(1), Some(0))
    );
    let public: Value = app
        .http
        .get(app.at(&format!("/api/profiles/{}", p.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["display_name"], "Editor");
    assert!(public.get("username").is_none() && public.get("password_hash").is_none());

    let sneaky = app
        .http
        .patch(app.at("/api/profiles/me"))
        .bearer_auth(&p.token)
        .json(&json!({"display_name": "Hacker", "elo": 3000, "coins": 1e9}))
        .send()
        .await
        .unwrap();
    assert_eq!(sneaky.status(), StatusCode::BAD_REQUEST);
    let ok = app
        .http
        .patch(app.at("/api/profiles/me"))
        .bearer_auth(&p.token)
        .json(&json!({"display_name": "  Renamed  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.json::<Value>().await.unwrap()["display_name"], "Renamed");
    let avatar = app
        .http
        .patch(app.at("/api/profiles/me"))
        .bearer_auth(&p.token)
        .json(&json!({"avatar_id": "avatar-owl"}))
        .send()
        .await
        .unwrap();
    assert_eq!(code(avatar).await, "invalid_avatar");
    let me: Value = app
        .http
        .get(app.at("/api/profiles/me"))
        .bearer_auth(&p.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["elo"].as_i64(), me["display_name"].as_str()),
        (Some(1200), Some("Renamed"))
    );
    let missing = app
        .http
        .get(app.at(&format!("/api/profiles/{}", uuid::Uuid::new_v4())))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let history: Value = app
        .http
        .get(app.at(&format!("/api/profiles/{}/matches?limit=5", p.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["matches"], json!([]));
}

#[tokio::test]
async fn deleting_an_account_removes_it_from_boards_and_anonymises_its_audit_rows() {
    let app = spawn_with(&[]).await;
    let (gone, stays) = (app.player("Leaver").await, app.player("Stayer").await);
    score(&app, &gone, 500).await;
    score(&app, &stays, 100).await;
    let stale = app
        .state
        .keyring
        .mint(
            &app.state.tokens,
            Grant::access(&gone.id, uuid::Uuid::new_v4()),
            now() - 3600,
            Duration::from_secs(7200),
        )
        .unwrap();
    let refused = app
        .http
        .delete(app.at("/api/profiles/me"))
        .bearer_auth(&stale)
        .send()
        .await
        .unwrap();
    assert_eq!(code(refused).await, "reauthentication_required");

    let deleted = app
        .http
        .delete(app.at("/api/profiles/me"))
        .bearer_auth(&gone.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(top(&app, "score").await, [(stays.id.clone(), 100)]);
    app.state.leaderboards.drop_board("score").await.unwrap();
    assert_eq!(
        top(&app, "score").await,
        [(stays.id.clone(), 100)],
        "gone from PostgreSQL too"
    );
    let anonymised: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM score_events WHERE user_id IS NULL AND delta = 500",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(anonymised, 1, "the audit row is kept without the user id");
    let profile = app
        .http
        .get(app.at(&format!("/api/profiles/{}", gone.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), StatusCode::NOT_FOUND);
}
