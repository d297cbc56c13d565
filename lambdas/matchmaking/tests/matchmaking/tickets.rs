//! Tickets: one live ticket per player, cancelled or expired tickets free the player, other
//! players' tickets are unreachable, modes and regions are checked.

use crate::{edge_node, pass_at, queue, spawn, spawn_with, ticket};
use reqwest::StatusCode;
use serde_json::json;
use whoosh_test_support::{Client, Nobody, error_code, json_body, now_ms};

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
    let cancelled = app.delete(&path, &players[0].token).await;
    assert_eq!(
        json_body(cancelled, StatusCode::OK).await["status"],
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
    let again = app
        .post("/api/matchmaking/tickets", &p, json!({"mode": "party"}))
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
    let seen = app.get(&path, &other).await;
    assert_eq!(seen.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(seen).await, "ticket_not_found");
    let cancelled = app.delete(&path, &other.token).await;
    assert_eq!(cancelled.status(), StatusCode::NOT_FOUND);
    assert_eq!(ticket(&app, &owner, &id).await["status"], "searching");
    let unknown = app
        .get("/api/matchmaking/tickets/no-such-ticket", &owner)
        .await;
    assert_eq!(error_code(unknown).await, "ticket_not_found");
    let anonymous = app.get(&path, Nobody).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_modes_and_regions_are_400() {
    let app = spawn_with(&[("MATCHMAKING_REGIONS", "local,eu-west")]).await;
    let p = app.player("Picky").await;
    let mode = app
        .post("/api/matchmaking/tickets", &p, json!({"mode": "ranked"}))
        .await;
    assert_eq!(mode.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(mode).await, "invalid_mode");
    let region = app
        .post(
            "/api/matchmaking/tickets",
            &p,
            json!({"mode": "party", "region": "mars"}),
        )
        .await;
    assert_eq!(region.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(region).await, "invalid_region");
    let served = json_body(
        app.post(
            "/api/matchmaking/tickets",
            &p,
            json!({"mode": "party", "region": "eu-west"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(served["region"], "eu-west");
}
