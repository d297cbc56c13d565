//! Private lobbies: joined by code (wrong code 404, full 409, members only), guessing codes is
//! rate limited, and a lobby needs a live edge node.

use crate::{EDGE_URL, assert_join_token, edge_node, spawn, spawn_with};
use reqwest::StatusCode;
use serde_json::json;
use whoosh_test_support::{Client, Player, TestApp, error_code, json_body};

#[tokio::test]
async fn private_lobby_by_code_wrong_code_404_full_409_and_members_only() {
    let app = spawn().await;
    edge_node(&app, "edge-a", 100).await;
    let host = app.player("Host").await;
    let bad = app
        .post("/api/lobbies", &host, json!({"round_secs": 30}))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(bad).await, "invalid_lobby_settings");
    let bad = app
        .post("/api/lobbies", &host, json!({"max_players": 11}))
        .await;
    assert_eq!(error_code(bad).await, "invalid_lobby_settings");
    let bad = app
        .post("/api/lobbies", &host, json!({"max_players": 3.5}))
        .await;
    assert_eq!(error_code(bad).await, "invalid_lobby_settings");

    let created = json_body(
        app.post(
            "/api/lobbies",
            &host,
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
        let joined = json_body(
            app.post(
                "/api/lobbies/join",
                g,
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
    let full = app
        .post("/api/lobbies/join", &late, json!({"code": code_str}))
        .await;
    assert_eq!(full.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(full).await, "lobby_full");
    let wrong = app
        .post("/api/lobbies/join", &late, json!({"code": "ZZZZZZ"}))
        .await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(wrong).await, "lobby_not_found");
    let malformed = app
        .post("/api/lobbies/join", &late, json!({"code": "O0I1"}))
        .await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(malformed).await, "invalid_join_code");

    let seen = json_body(
        app.get(&format!("/api/lobbies/{lobby}"), &guests[0]).await,
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
    let hidden = app.get(&format!("/api/lobbies/{lobby}"), &late).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(hidden).await, "lobby_not_found");
}

/// One join-by-code attempt; its status.
async fn guess(app: &TestApp, p: &Player, path: &str, code: &str) -> StatusCode {
    app.post(path, p, json!({ "code": code })).await.status()
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
    let limited = app.post(lobby, &guesser, json!({"code": "YYYYYY"})).await;
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
    let r = app.post("/api/lobbies", &host, json!({})).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(error_code(r).await, "service_unavailable");
}
