//! The shared HTTP stack over real HTTP, against real PostgreSQL and Redis: health, error format,
//! body limits, rate limits, pool exhaustion, timeouts.

#![allow(clippy::unwrap_used)]

use axum::{
    Router,
    extract::State,
    routing::{get, post},
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use whoosh_http::{ApiError, AppState, Json};
use whoosh_test_support::{Client, Nobody, TestApp, error_code};

/// Routes that exercise the stack; they exist only in this test.
fn probe_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/probe/echo",
            post(|Json(v): Json<Value>| async move { Json(v) }),
        )
        .route("/probe/ping", get(|| async { "pong" }))
        .route(
            "/probe/panic",
            get(|| async {
                if std::hint::black_box(true) {
                    panic!("probe handler panics on purpose");
                }
                "unreachable"
            }),
        )
        .route(
            "/probe/db",
            get(|State(s): State<AppState>| async move {
                let n: i32 = sqlx::query_scalar("SELECT 41 + 1").fetch_one(&s.db).await?;
                Ok::<_, ApiError>(Json(json!({ "n": n })))
            }),
        )
        .route(
            "/probe/me",
            get(|user: whoosh_http::AuthUser| async move {
                Json(json!({ "user_id": user.user_id.to_string() }))
            }),
        )
        .route(
            "/probe/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
}

#[tokio::test]
async fn healthz_and_readyz_answer_when_postgres_and_redis_are_up() {
    let app = TestApp::spawn(probe_routes()).await;
    let health = app.get("/healthz", Nobody).await;
    assert_eq!(health.status(), StatusCode::OK);
    let ready = app.get("/readyz", Nobody).await;
    assert_eq!(ready.status(), StatusCode::OK);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(
        body,
        json!({"status": "ready", "checks": {"postgres": "ok", "redis": "ok"}})
    );
}

#[tokio::test]
async fn unknown_route_is_a_json_404_and_wrong_method_a_json_405() {
    let app = TestApp::spawn(probe_routes()).await;
    let missing = app.get("/api/nothing-here", Nobody).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(missing).await, "not_found");
    let wrong = app.delete("/probe/echo", Nobody).await;
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(wrong).await, "method_not_allowed");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_sane_one_is_kept() {
    let app = TestApp::spawn(probe_routes()).await;
    let fresh = app.get("/healthz", Nobody).await;
    let id = fresh.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let kept = app
        .http
        .get(app.at("/healthz"))
        .header("x-request-id", "trace-abc_123")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "trace-abc_123");
    let replaced = app
        .http
        .get(app.at("/healthz"))
        .header("x-request-id", "x\"; DROP")
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "x\"; DROP");
}

#[tokio::test]
async fn oversized_body_is_413_before_it_is_read() {
    let app = TestApp::spawn_with(probe_routes(), &[("HTTP_BODY_LIMIT_BYTES", "1024")]).await;
    let big = json!({ "blob": "x".repeat(50 * 1024 * 1024) }).to_string();
    let response = app
        .http
        .post(app.at("/probe/echo"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await;
    // The server may answer and close before the client finishes sending 50 MB.
    if let Ok(response) = response {
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(error_code(response).await, "payload_too_large");
    }
    // A chunked body (no Content-Length) is cut at the same limit while being read.
    let stream =
        futures_util::stream::iter((0..64).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024])));
    let chunked = app
        .http
        .post(app.at("/probe/echo"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(chunked.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(chunked).await, "payload_too_large");
}

#[tokio::test]
async fn malformed_and_deeply_nested_json_is_400_and_wrong_type_415() {
    let app = TestApp::spawn(probe_routes()).await;
    let post = |body: String, ct: &'static str| {
        app.http
            .post(app.at("/probe/echo"))
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let broken = post("{\"a\":".into(), "application/json").await.unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(broken).await, "invalid_json");
    let nested = post(
        format!("{}{}", "[".repeat(5000), "]".repeat(5000)),
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(nested.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(nested).await, "invalid_json");
    let text = post("{}".into(), "text/plain").await.unwrap();
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_code(text).await, "unsupported_media_type");
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_per_client() {
    let app = TestApp::spawn_with(probe_routes(), &[("RATE_LIMIT_PER_CLIENT", "3/1m")]).await;
    for _ in 0..3 {
        assert_eq!(
            app.get("/probe/ping", Nobody).await.status(),
            StatusCode::OK
        );
    }
    // A forged X-Forwarded-For does not buy a fresh budget: the limiter keys on the socket peer.
    let limited = app
        .http
        .get(app.at("/probe/ping"))
        .header("x-forwarded-for", "198.51.100.1")
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=20).contains(&retry),
        "one request every 20 s, told to wait {retry} s"
    );
    assert_eq!(error_code(limited).await, "rate_limited");
    // Health probes are never limited.
    assert_eq!(app.get("/healthz", Nobody).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_panicking_handler_is_a_json_500_with_a_request_id() {
    let app = TestApp::spawn(probe_routes()).await;
    let response = app.get("/probe/panic", Nobody).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(error_code(response).await, "internal_error");
    assert_eq!(
        app.get("/healthz", Nobody).await.status(),
        StatusCode::OK,
        "the server lives on"
    );
}

#[tokio::test]
async fn exhausted_pool_answers_503_with_retry_after_instead_of_hanging() {
    let app = TestApp::spawn_with(
        probe_routes(),
        &[
            ("DATABASE_MAX_CONNECTIONS", "1"),
            ("DATABASE_ACQUIRE_TIMEOUT", "300ms"),
        ],
    )
    .await;
    let ok = app.get("/probe/db", Nobody).await;
    assert_eq!(ok.json::<Value>().await.unwrap(), json!({"n": 42}));
    let held = app.state.db.acquire().await.unwrap();
    let started = std::time::Instant::now();
    let starved = app.get("/probe/db", Nobody).await;
    assert_eq!(starved.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered within the acquire timeout, not hung"
    );
    assert!(starved.headers().contains_key("retry-after"));
    assert_eq!(error_code(starved).await, "service_unavailable");
    drop(held);
    assert_eq!(app.get("/probe/db", Nobody).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn slow_handlers_are_cut_at_the_request_timeout() {
    let app = TestApp::spawn_with(probe_routes(), &[("HTTP_REQUEST_TIMEOUT", "200ms")]).await;
    let response = app.get("/probe/slow", Nobody).await;
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(error_code(response).await, "request_timeout");
}

#[tokio::test]
async fn a_remembered_token_is_refused_on_the_request_after_its_session_is_revoked() {
    let app = TestApp::spawn(probe_routes()).await;
    let user = uuid::Uuid::now_v7();
    let (session, other_session) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let token = app.mint(whoosh_auth::Grant::access(&user.to_string(), session));
    let other = app.mint(whoosh_auth::Grant::access(&user.to_string(), other_session));
    let me = |token: String| {
        let request = app.http.get(app.at("/probe/me")).bearer_auth(token).send();
        async move { request.await.unwrap() }
    };
    for _ in 0..2 {
        assert_eq!(me(token.clone()).await.status(), StatusCode::OK);
    }
    assert!(
        !app.state.verified.is_empty(),
        "the token's verification is remembered"
    );
    whoosh_http::auth::announce_revocation(
        &app.state,
        &whoosh_http::auth::Revocation {
            user_id: whoosh_core::UserId::from(user),
            sessions: &[session],
            all_sessions: false,
            reason: "logout",
        },
    )
    .await;
    let refused = me(token.clone()).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(refused).await, "invalid_token");
    // The same player's other session is untouched.
    assert_eq!(me(other).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_players_budget_is_kept_per_player_across_sessions_and_addresses() {
    let app = TestApp::spawn_with(probe_routes(), &[("RATE_LIMIT_PER_CLIENT", "3/1m")]).await;
    let user = uuid::Uuid::now_v7().to_string();
    let tokens: Vec<String> = (0..4)
        .map(|_| app.mint(whoosh_auth::Grant::access(&user, uuid::Uuid::now_v7())))
        .collect();
    for token in &tokens[..3] {
        let ok = app
            .http
            .get(app.at("/probe/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
    }
    let limited = app
        .http
        .get(app.at("/probe/me"))
        .bearer_auth(&tokens[3])
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(limited).await, "rate_limited");
    // Another player from the same address has a budget of its own.
    let stranger = app.mint(whoosh_auth::Grant::access(
        &uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7(),
    ));
    let ok = app
        .http
        .get(app.at("/probe/me"))
        .bearer_auth(stranger)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}
