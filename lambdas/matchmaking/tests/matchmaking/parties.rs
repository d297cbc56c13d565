//! Parties: friends gather under a join code and queue together; every member finds the match.

use crate::{assert_join_token, edge_node, pass_at, player_rated, queue, spawn, ticket};
use reqwest::StatusCode;
use serde_json::json;
use whoosh_test_support::{Client, error_code, json_body, now_ms};

#[tokio::test]
async fn a_party_of_three_lands_in_one_lobby_and_every_member_finds_the_match() {
    let app = spawn().await;
    edge_node(&app, "edge-a", 100).await;
    let leader = player_rated(&app, "Lead", 1300).await;
    let friends = [
        player_rated(&app, "Fry", 1100).await,
        player_rated(&app, "Bender", 1200).await,
    ];
    let party = json_body(
        app.post("/api/lobbies/parties", &leader, json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    let party_id = party["party_id"].as_str().unwrap().to_owned();
    let code = party["code"].as_str().unwrap().to_lowercase();
    for f in &friends {
        let joined = json_body(
            app.post("/api/lobbies/parties/join", f, json!({"code": code}))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(joined["party_id"], party_id.as_str());
    }
    let stranger = app.player("Zoe").await;
    let hidden = app
        .get(&format!("/api/lobbies/parties/{party_id}"), &stranger)
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(hidden).await, "party_not_found");

    let not_leader = app
        .post(
            "/api/matchmaking/tickets",
            &friends[0],
            json!({"mode": "party", "party_id": party_id}),
        )
        .await;
    assert_eq!(not_leader.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(not_leader).await, "not_party_leader");

    let created = json_body(
        app.post(
            "/api/matchmaking/tickets",
            &leader,
            json!({"mode": "party", "party_id": party_id}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["rating"], 1200, "the party's average");
    assert_eq!(created["players"].as_array().unwrap().len(), 3);
    let ticket_id = created["ticket_id"].as_str().unwrap().to_owned();
    let own = app
        .post("/api/matchmaking/tickets", &friends[1], json!({}))
        .await;
    assert_eq!(
        own.status(),
        StatusCode::CONFLICT,
        "a member is on the party's ticket"
    );
    assert_eq!(error_code(own).await, "ticket_already_live");

    // Three solo players fill the lobby to the target of six: it forms at once.
    for name in ["S1", "S2", "S3"] {
        let solo = player_rated(&app, name, 1210).await;
        queue(&app, &solo).await;
    }
    let report = pass_at(&app, now_ms()).await;
    assert_eq!(report.lobbies.len(), 1, "{report:?}");
    assert_eq!(report.lobbies[0].players.len(), 6);
    let lobby = report.lobbies[0].lobby_id.clone();

    for member in std::iter::once(&leader).chain(&friends) {
        let t = ticket(&app, member, &ticket_id).await;
        assert_eq!(t["status"], "matched");
        assert_eq!(t["lobby_id"], lobby.as_str());
        assert_join_token(&app, t["join_token"].as_str().unwrap(), &member.id, &lobby);
        let seen = json_body(
            app.get(&format!("/api/lobbies/parties/{party_id}"), member)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(seen["ticket"]["status"], "matched");
        assert_eq!(seen["ticket"]["lobby_id"], lobby.as_str());
        assert_join_token(
            &app,
            seen["ticket"]["join_token"].as_str().unwrap(),
            &member.id,
            &lobby,
        );
    }
}

#[tokio::test]
async fn a_party_holds_five_players() {
    let app = spawn().await;
    let leader = app.player("Lead").await;
    let party = json_body(
        app.post("/api/lobbies/parties", &leader, json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    let code = party["code"].as_str().unwrap();
    for i in 0..4 {
        let p = app.player(&format!("P{i}")).await;
        json_body(
            app.post("/api/lobbies/parties/join", &p, json!({"code": code}))
                .await,
            StatusCode::OK,
        )
        .await;
    }
    let sixth = app.player("Late").await;
    let full = app
        .post("/api/lobbies/parties/join", &sixth, json!({"code": code}))
        .await;
    assert_eq!(full.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(full).await, "party_full");
}
