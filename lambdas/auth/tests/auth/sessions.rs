//! Sessions: refresh rotation with reuse detection, logout of one session or all (announced to
//! live sockets), and a password change ending the other sessions.

use crate::spawn;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use whoosh_test_support::{Client, Nobody, error_code as code, text_at};

#[tokio::test]
async fn refresh_rotates_and_reuse_of_a_rotated_token_revokes_the_family() {
    let app = spawn().await;
    let session = app.register("rotator", "password-123").await;
    let first_refresh = text_at(&session, "refresh_token");
    let rotated = app
        .post(
            "/api/auth/refresh",
            Nobody,
            json!({"refresh_token": first_refresh}),
        )
        .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: Value = rotated.json().await.unwrap();
    let second_refresh = text_at(&rotated, "refresh_token");
    assert_ne!(first_refresh, second_refresh);
    assert_eq!(
        app.get("/api/auth/me", &text_at(&rotated, "access_token"))
            .await
            .status(),
        StatusCode::OK
    );

    let reuse = app
        .post(
            "/api/auth/refresh",
            Nobody,
            json!({"refresh_token": first_refresh}),
        )
        .await;
    assert_eq!(reuse.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(reuse).await, "invalid_refresh_token");
    let after = app
        .post(
            "/api/auth/refresh",
            Nobody,
            json!({"refresh_token": second_refresh}),
        )
        .await;
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "the whole family is revoked"
    );
    let stale_access = app
        .get("/api/auth/me", &text_at(&rotated, "access_token"))
        .await;
    assert_eq!(
        stale_access.status(),
        StatusCode::UNAUTHORIZED,
        "its access tokens die too"
    );
}

#[tokio::test]
async fn logout_ends_this_session_only_and_logout_all_ends_every_session() {
    let app = spawn().await;
    let a = app.register("multi", "password-123").await;
    let b: Value = app
        .login("multi", "password-123")
        .await
        .json()
        .await
        .unwrap();
    let c: Value = app
        .login("multi", "password-123")
        .await
        .json()
        .await
        .unwrap();

    let out = app
        .post("/api/auth/logout", &text_at(&a, "access_token"), json!({}))
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/auth/me", &text_at(&a, "access_token"))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let dead = app
        .post(
            "/api/auth/refresh",
            Nobody,
            json!({"refresh_token": text_at(&a, "refresh_token")}),
        )
        .await;
    assert_eq!(dead.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/api/auth/me", &text_at(&b, "access_token"))
            .await
            .status(),
        StatusCode::OK,
        "other sessions live"
    );

    let all = app
        .post(
            "/api/auth/logout-all",
            &text_at(&b, "access_token"),
            json!({}),
        )
        .await;
    assert_eq!(all.status(), StatusCode::NO_CONTENT);
    for s in [&b, &c] {
        assert_eq!(
            app.get("/api/auth/me", &text_at(s, "access_token"))
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
        let r = app
            .post(
                "/api/auth/refresh",
                Nobody,
                json!({"refresh_token": text_at(s, "refresh_token")}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn logout_all_publishes_a_revocation_event_for_live_sockets() {
    let app = spawn().await;
    let session = app.register("socketeer", "password-123").await;
    let client = redis::Client::open(whoosh_test_support::redis_url()).unwrap();
    let mut pubsub = client.get_async_pubsub().await.unwrap();
    pubsub
        .subscribe(app.state.keys.revocations_channel())
        .await
        .unwrap();
    let all = app
        .post(
            "/api/auth/logout-all",
            &text_at(&session, "access_token"),
            json!({}),
        )
        .await;
    assert_eq!(all.status(), StatusCode::NO_CONTENT);
    use futures_util::StreamExt;
    let message = tokio::time::timeout(Duration::from_secs(5), pubsub.on_message().next())
        .await
        .unwrap()
        .unwrap();
    let event: Value = serde_json::from_str(&message.get_payload::<String>().unwrap()).unwrap();
    assert_eq!(event["user_id"], session["user"]["id"]);
    assert_eq!(event["reason"], "logout_all");
    assert_eq!(event["sessions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn password_change_ends_every_other_session() {
    let app = spawn().await;
    let here = app.register("changer", "old password").await;
    let elsewhere: Value = app
        .login("changer", "old password")
        .await
        .json()
        .await
        .unwrap();
    let access = text_at(&here, "access_token");

    let wrong = app
        .post(
            "/api/auth/password",
            &access,
            json!({"current_password": "not it at all", "new_password": "new password"}),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(wrong).await, "invalid_credentials");

    let changed = app
        .post(
            "/api/auth/password",
            &access,
            json!({"current_password": "old password", "new_password": "new password"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/auth/me", &access).await.status(),
        StatusCode::OK,
        "this session continues"
    );
    assert_eq!(
        app.get("/api/auth/me", &text_at(&elsewhere, "access_token"))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post(
            "/api/auth/refresh",
            Nobody,
            json!({"refresh_token": text_at(&elsewhere, "refresh_token")}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let old = app.login("changer", "old password").await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = app.login("changer", "new password").await;
    assert_eq!(new.status(), StatusCode::OK);
}
