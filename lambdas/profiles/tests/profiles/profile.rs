//! Profiles: public fields, allow-listed edits, and deleting an account.

use crate::{now, score, spawn_with, top};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use whoosh_auth::Grant;
use whoosh_test_support::{Client, Nobody, error_code as code};

#[tokio::test]
async fn profiles_show_public_fields_and_edits_take_only_allow_listed_ones() {
    let app = spawn_with(&[]).await;
    let p = app.player("Editor").await;
    let me: Value = app
        .get("/api/profiles/me", &p.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["elo"].as_i64(), me["level"].as_i64(), me["xp"].as_i64()),
        (Some(1200), Some(1), Some(0))
    );
    let public: Value = app
        .get(&format!("/api/profiles/{}", p.id), Nobody)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["display_name"], "Editor");
    assert!(public.get("username").is_none() && public.get("password_hash").is_none());

    let sneaky = app
        .patch(
            "/api/profiles/me",
            &p.token,
            json!({"display_name": "Hacker", "elo": 3000, "coins": 1e9}),
        )
        .await;
    assert_eq!(sneaky.status(), StatusCode::BAD_REQUEST);
    let ok = app
        .patch(
            "/api/profiles/me",
            &p.token,
            json!({"display_name": "  Renamed  "}),
        )
        .await;
    assert_eq!(ok.json::<Value>().await.unwrap()["display_name"], "Renamed");
    let avatar = app
        .patch(
            "/api/profiles/me",
            &p.token,
            json!({"avatar_id": "avatar-owl"}),
        )
        .await;
    assert_eq!(code(avatar).await, "invalid_avatar");
    let me: Value = app
        .get("/api/profiles/me", &p.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["elo"].as_i64(), me["display_name"].as_str()),
        (Some(1200), Some("Renamed"))
    );
    let missing = app
        .get(&format!("/api/profiles/{}", uuid::Uuid::new_v4()), Nobody)
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let history: Value = app
        .get(&format!("/api/profiles/{}/matches?limit=5", p.id), Nobody)
        .await
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
    let refused = app.delete("/api/profiles/me", &stale).await;
    assert_eq!(code(refused).await, "reauthentication_required");

    let deleted = app.delete("/api/profiles/me", &gone.token).await;
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
    let profile = app.get(&format!("/api/profiles/{}", gone.id), Nobody).await;
    assert_eq!(profile.status(), StatusCode::NOT_FOUND);
}
