//! The matchmaking service over real HTTP against real PostgreSQL and Redis: tickets, the matcher
//! (driven with an injected clock, never by sleeping), parties, private lobbies and join codes,
//! and the matcher while Redis is killed or flushed. The edge node is a registry entry pointing at
//! a ws:// URL, as a live node would publish. One test binary, a module per capability.

#![allow(clippy::unwrap_used)]

mod lobbies;
mod matcher;
mod parties;
mod redis_faults;
mod tickets;

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use whoosh_auth::TokenKind;
use whoosh_lambda_matchmaking::{PassReport, match_pass};
use whoosh_test_support::{Client, Player, TestApp, json_body, records};

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
            &records::edge_node(id, EDGE_URL, capacity),
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

/// Queues `p` alone; returns the ticket id.
async fn queue(app: &TestApp, p: &Player) -> String {
    let ticket = json_body(
        app.post("/api/matchmaking/tickets", p, json!({"mode": "party"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(ticket["status"], "searching");
    ticket["ticket_id"].as_str().unwrap().to_owned()
}

async fn ticket(app: &TestApp, p: &Player, id: &str) -> Value {
    json_body(
        app.get(&format!("/api/matchmaking/tickets/{id}"), p).await,
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
