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

// Groups.

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    p: &Player,
    body: Option<Value>,
) -> Response {
    let mut request = app.http.request(method, app.at(path)).bearer_auth(&p.token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn ok_json(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    response.json().await.unwrap()
}

async fn new_group(app: &TestApp, owner: &Player, name: &str, visibility: &str) -> String {
    let body = json!({"name": name, "tag": "TST", "visibility": visibility});
    let made = call(app, reqwest::Method::POST, "/api/groups", owner, Some(body)).await;
    let made = ok_json(made, StatusCode::CREATED).await;
    assert_eq!(made["my_role"], "owner");
    made["id"].as_str().unwrap().to_owned()
}

async fn join_group(app: &TestApp, p: &Player, group: &str) -> Response {
    let path = format!("/api/groups/{group}/join");
    call(app, reqwest::Method::POST, &path, p, None).await
}

async fn invite_code(app: &TestApp, p: &Player, group: &str, max_uses: i64) -> Response {
    let path = format!("/api/groups/{group}/invites");
    let body = json!({"max_uses": max_uses});
    call(app, reqwest::Method::POST, &path, p, Some(body)).await
}

async fn join_by_code(app: &TestApp, p: &Player, code: &str) -> Response {
    let body = json!({"code": code});
    call(
        app,
        reqwest::Method::POST,
        "/api/groups/join",
        p,
        Some(body),
    )
    .await
}

async fn kick(app: &TestApp, actor: &Player, group: &str, target: &Player) -> Response {
    let path = format!("/api/groups/{group}/members/{}", target.id);
    call(app, reqwest::Method::DELETE, &path, actor, None).await
}

async fn roles(app: &TestApp, viewer: &Player, group: &str) -> Vec<(String, String)> {
    let path = format!("/api/groups/{group}/members?limit=100");
    let page = call(app, reqwest::Method::GET, &path, viewer, None).await;
    ok_json(page, StatusCode::OK).await["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user_id"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn group_roles_decide_who_may_kick_promote_and_leave() {
    let app = spawn_with(&[]).await;
    let (owner, a, b) = (
        app.player("Owner").await,
        app.player("Ann").await,
        app.player("Ben").await,
    );
    let group = new_group(&app, &owner, "  The Moles ", "open").await;
    // Names are unique case-insensitively and validated.
    let taken = call(
        &app,
        reqwest::Method::POST,
        "/api/groups",
        &a,
        Some(json!({"name": "the moles", "tag": "x1"})),
    )
    .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert_eq!(code(taken).await, "group_name_taken");
    for (body, expected) in [
        (json!({"name": "ab", "tag": "OK"}), "invalid_group_name"),
        (
            json!({"name": "bad\u{7}name", "tag": "OK"}),
            "invalid_group_name",
        ),
        (
            json!({"name": "Fine name", "tag": "TOOLONG"}),
            "invalid_group_tag",
        ),
        (
            json!({"name": "Fine name", "tag": "OK", "visibility": "secret"}),
            "invalid_group_settings",
        ),
    ] {
        let r = call(&app, reqwest::Method::POST, "/api/groups", &a, Some(body)).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(code(r).await, expected);
    }

    assert_eq!(join_group(&app, &a, &group).await.status(), StatusCode::OK);
    assert_eq!(join_group(&app, &b, &group).await.status(), StatusCode::OK);
    assert_eq!(
        code(join_group(&app, &b, &group).await).await,
        "already_group_member"
    );

    // A plain member kicks nobody and makes no invite codes.
    let refused = kick(&app, &a, &group, &b).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(code(refused).await, "not_group_admin");
    assert_eq!(
        code(invite_code(&app, &a, &group, 1).await).await,
        "not_group_admin"
    );

    // Only the owner appoints admins.
    let promote = |actor: &Player, target: &Player, role: &str| {
        let path = format!("/api/groups/{group}/members/{}/role", target.id);
        let (app, actor, body) = (&app, actor.clone(), json!({"role": role}));
        async move { call(app, reqwest::Method::PUT, &path, &actor, Some(body)).await }
    };
    assert_eq!(
        code(promote(&a, &b, "admin").await).await,
        "not_group_owner"
    );
    assert_eq!(
        promote(&owner, &a, "admin").await.status(),
        StatusCode::NO_CONTENT
    );

    // An admin removes plain members but neither the owner nor another admin.
    assert_eq!(
        code(kick(&app, &a, &group, &owner).await).await,
        "not_group_owner"
    );
    assert_eq!(
        kick(&app, &a, &group, &b).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        code(kick(&app, &a, &group, &b).await).await,
        "group_member_not_found"
    );
    assert_eq!(
        roles(&app, &owner, &group).await,
        [
            (owner.id.clone(), "owner".to_owned()),
            (a.id.clone(), "admin".to_owned())
        ]
    );

    // The owner leaves only after handing over; the old owner stays as an admin.
    let leave = |p: &Player| {
        let path = format!("/api/groups/{group}/leave");
        let (app, p) = (&app, p.clone());
        async move { call(app, reqwest::Method::POST, &path, &p, None).await }
    };
    let stuck = leave(&owner).await;
    assert_eq!(stuck.status(), StatusCode::CONFLICT);
    assert_eq!(code(stuck).await, "owner_must_transfer");
    let transfer = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/groups/{group}/transfer"),
        &owner,
        Some(json!({"user_id": a.id})),
    )
    .await;
    assert_eq!(transfer.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        roles(&app, &a, &group).await,
        [
            (owner.id.clone(), "admin".to_owned()),
            (a.id.clone(), "owner".to_owned())
        ]
    );
    let mine = call(&app, reqwest::Method::GET, "/api/groups/me", &owner, None).await;
    let mine = ok_json(mine, StatusCode::OK).await;
    assert_eq!(mine["groups"][0]["my_role"], "admin");
    assert_eq!(mine["groups"][0]["name"], "The Moles");
    assert_eq!(mine["groups"][0]["members"], 2);

    // The last member out disbands the group.
    assert_eq!(
        ok_json(leave(&owner).await, StatusCode::OK).await["disbanded"],
        false
    );
    assert_eq!(
        ok_json(leave(&a).await, StatusCode::OK).await["disbanded"],
        true
    );
    let gone = call(
        &app,
        reqwest::Method::GET,
        &format!("/api/groups/{group}"),
        &a,
        None,
    )
    .await;
    assert_eq!(code(gone).await, "group_not_found");
}

#[tokio::test]
async fn private_groups_are_invisible_to_strangers_and_joined_by_invite_code() {
    let app = spawn_with(&[]).await;
    let (owner, stranger, late) = (
        app.player("Owner").await,
        app.player("Stranger").await,
        app.player("Late").await,
    );
    let group = new_group(&app, &owner, "Hidden Hand", "private").await;
    for path in [
        format!("/api/groups/{group}"),
        format!("/api/groups/{group}/members"),
    ] {
        let hidden = call(&app, reqwest::Method::GET, &path, &stranger, None).await;
        assert_eq!(hidden.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(code(hidden).await, "group_not_found");
    }
    assert_eq!(
        code(join_group(&app, &stranger, &group).await).await,
        "group_not_found"
    );

    let invite = ok_json(
        invite_code(&app, &owner, &group, 1).await,
        StatusCode::CREATED,
    )
    .await;
    let code_text = invite["code"].as_str().unwrap().to_owned();
    // Codes are read case-insensitively; a single-use code is spent by its first join.
    let joined = join_by_code(&app, &stranger, &code_text.to_lowercase()).await;
    assert_eq!(ok_json(joined, StatusCode::OK).await["id"], group.as_str());
    assert_eq!(roles(&app, &stranger, &group).await.len(), 2);
    assert_eq!(
        code(join_by_code(&app, &late, &code_text).await).await,
        "invite_not_found"
    );
    assert_eq!(
        code(join_by_code(&app, &late, "NOPE").await).await,
        "invalid_join_code"
    );
    assert_eq!(
        code(invite_code(&app, &owner, &group, 51).await).await,
        "invalid_group_settings"
    );

    // Invite-only groups are visible but not joined without a code.
    let club = new_group(&app, &owner, "Velvet Rope", "invite_only").await;
    let shown = call(
        &app,
        reqwest::Method::GET,
        &format!("/api/groups/{club}"),
        &late,
        None,
    )
    .await;
    let shown = ok_json(shown, StatusCode::OK).await;
    assert_eq!(
        (shown["visibility"].as_str(), &shown["my_role"]),
        (Some("invite_only"), &Value::Null)
    );
    let refused = join_group(&app, &late, &club).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(code(refused).await, "invite_required");
}

#[tokio::test]
async fn guessing_group_invite_codes_is_throttled() {
    let app = spawn_with(&[("LOBBY_JOIN_RATE", "3/1m")]).await;
    let guesser = app.player("Guesser").await;
    for _ in 0..3 {
        assert_eq!(
            code(join_by_code(&app, &guesser, "ABCDEF").await).await,
            "invite_not_found"
        );
    }
    let limited = join_by_code(&app, &guesser, "ABCDEF").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
}

async fn set_elo(app: &TestApp, p: &Player, elo: i32) {
    sqlx::query("UPDATE users SET elo = $2 WHERE id = $1::uuid")
        .bind(&p.id)
        .bind(elo)
        .execute(&app.state.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_group_leaderboard_ranks_by_average_rating_with_total_order_across_pages() {
    let app = spawn_with(&[]).await;
    let mut players = Vec::new();
    for (i, elo) in [1400, 1600, 1500, 1300, 2000, 1500].into_iter().enumerate() {
        let p = app.player(&format!("P{i}")).await;
        set_elo(&app, &p, elo).await;
        players.push(p);
    }
    // Average 1500 with two members; average 1500 with one member (the tie goes to more members
    // first); 1300; a private group of 2000 stays off the board.
    let pair = new_group(&app, &players[0], "Pair", "open").await;
    assert_eq!(
        join_group(&app, &players[1], &pair).await.status(),
        StatusCode::OK
    );
    let solo = new_group(&app, &players[2], "Solo", "invite_only").await;
    let low = new_group(&app, &players[3], "Low", "open").await;
    new_group(&app, &players[4], "Secret", "private").await;
    // Another 1500 solo, made later than Solo: same rating and size, so the older group first.
    let late = new_group(&app, &players[5], "Late solo", "open").await;

    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: Value = app
            .http
            .get(app.at(&format!("/api/groups/leaderboard?limit=1{cursor}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for e in page["entries"].as_array().unwrap() {
            seen.push((
                e["rank"].as_i64().unwrap(),
                e["group_id"].as_str().unwrap().to_owned(),
                e["rating"].as_i64().unwrap(),
                e["members"].as_i64().unwrap(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            (1, pair, 1500, 2),
            (2, solo, 1500, 1),
            (3, late, 1500, 1),
            (4, low, 1300, 1),
        ]
    );
}

#[tokio::test]
async fn member_pages_follow_join_order_without_gaps() {
    let app = spawn_with(&[]).await;
    let owner = app.player("Owner").await;
    let group = new_group(&app, &owner, "Crowd", "open").await;
    let mut expected = vec![owner.id.clone()];
    for i in 0..6 {
        let p = app.player(&format!("M{i}")).await;
        assert_eq!(join_group(&app, &p, &group).await.status(), StatusCode::OK);
        expected.push(p.id);
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/api/groups/{group}/members?limit=3{cursor}");
        let page = ok_json(
            call(&app, reqwest::Method::GET, &path, &owner, None).await,
            StatusCode::OK,
        )
        .await;
        let members = page["members"].as_array().unwrap();
        assert!(members.len() <= 3);
        seen.extend(
            members
                .iter()
                .map(|m| m["user_id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn deleting_an_account_hands_its_groups_over_or_disbands_them() {
    let app = spawn_with(&[]).await;
    let (owner, early, admin, other) = (
        app.player("Owner").await,
        app.player("Early").await,
        app.player("Admin").await,
        app.player("Other").await,
    );
    let shared = new_group(&app, &owner, "Shared", "open").await;
    assert_eq!(
        join_group(&app, &early, &shared).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        join_group(&app, &admin, &shared).await.status(),
        StatusCode::OK
    );
    let promoted = call(
        &app,
        reqwest::Method::PUT,
        &format!("/api/groups/{shared}/members/{}/role", admin.id),
        &owner,
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_eq!(promoted.status(), StatusCode::NO_CONTENT);
    let alone = new_group(&app, &owner, "Alone", "open").await;
    // A group the player is a plain member of just loses the member.
    let theirs = new_group(&app, &other, "Theirs", "open").await;
    assert_eq!(
        join_group(&app, &owner, &theirs).await.status(),
        StatusCode::OK
    );

    let deleted = app
        .http
        .delete(app.at("/api/profiles/me"))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    // The admin inherits, although a plain member joined before them.
    assert_eq!(
        roles(&app, &admin, &shared).await,
        [
            (early.id.clone(), "member".to_owned()),
            (admin.id.clone(), "owner".to_owned())
        ]
    );
    let gone = call(
        &app,
        reqwest::Method::GET,
        &format!("/api/groups/{alone}"),
        &other,
        None,
    )
    .await;
    assert_eq!(code(gone).await, "group_not_found");
    assert_eq!(
        roles(&app, &other, &theirs).await,
        [(other.id.clone(), "owner".to_owned())]
    );
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM group_members WHERE user_id = $1::uuid")
            .bind(&owner.id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(left, 0);
}
