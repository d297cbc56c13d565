//! The profiles service over real HTTP against real PostgreSQL and Redis: profiles, leaderboards
//! with first-reached ties, action-token scores, Redis faults, groups and account deletion. One
//! test binary, a module per capability.

#![allow(clippy::unwrap_used)]

mod boards;
mod groups;
mod profile;
mod redis_faults;
mod scores;

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use whoosh_test_support::{Client, Nobody, Player, TestApp};

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
        .post(
            "/api/actions",
            app.service_token("arcade"),
            json!({"user_id": p.id, "max_score": max_score}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.unwrap()["action_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn submit(app: &TestApp, p: &Player, token: &str, delta: Value) -> Response {
    app.post(
        "/api/scores",
        &p.token,
        json!({"action_token": token, "delta": delta}),
    )
    .await
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
        .get(&format!("/api/leaderboards/{board}?limit=100"), Nobody)
        .await
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
