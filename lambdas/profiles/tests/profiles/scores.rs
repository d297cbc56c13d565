//! Scores: action tokens (single use, signed, capped, personal), concurrent updates that lose
//! nothing, and overflow refused.

use crate::{action, score, spawn_with, submit, top};
use reqwest::StatusCode;
use serde_json::{Value, json};
use whoosh_lambda_profiles::action_token::{self, ActionClaim};
use whoosh_test_support::{Client, error_code as code, test_action_key_file};

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
        .post(
            "/api/actions",
            &p.token,
            json!({"user_id": p.id, "max_score": 5}),
        )
        .await;
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
