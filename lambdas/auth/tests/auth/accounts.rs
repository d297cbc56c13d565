//! Accounts: registering, signing in (throttled per account and per address), guests by device
//! and their upgrade to a full account.

use crate::{spawn, spawn_with};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use whoosh_test_support::{Client, Nobody, error_code as code, text_at};

#[tokio::test]
async fn register_login_and_me() {
    let app = spawn().await;
    let session = app.register("MoleHunter", "correct horse battery").await;
    assert_eq!(session["token_type"], "Bearer");
    assert_eq!(session["expires_in"], 900);
    assert_eq!(session["user"]["username"], "MoleHunter");
    assert_eq!(session["user"]["display_name"], "MoleHunter");
    assert_eq!(session["user"]["is_guest"], false);

    let mine: Value = app
        .get("/api/auth/me", &text_at(&session, "access_token"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["id"], session["user"]["id"]);

    // Login is case-insensitive on the username.
    let login = app.login("molehunter", "correct horse battery").await;
    assert_eq!(login.status(), StatusCode::OK);
    let login: Value = login.json().await.unwrap();
    assert_eq!(login["user"]["id"], session["user"]["id"]);
}

#[tokio::test]
async fn usernames_are_unique_case_insensitively() {
    let app = spawn().await;
    app.register("Agent", "password-one").await;
    let again = app
        .post(
            "/api/auth/register",
            Nobody,
            json!({"username": "aGENT", "password": "password-two"}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(code(again).await, "username_taken");
}

#[tokio::test]
async fn concurrent_registrations_of_one_username_give_one_201_and_409s() {
    let app = spawn().await;
    let attempts = (0..8).map(|i| {
        app.post(
            "/api/auth/register",
            Nobody,
            json!({"username": "racer", "password": format!("password-{i}")}),
        )
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(Response::status)
        .collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        7,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn inputs_are_validated_into_domain_types() {
    let app = spawn().await;
    let cases = [
        (
            json!({"username": "ab", "password": "long enough"}),
            "invalid_username",
        ),
        (
            json!({"username": "has space", "password": "long enough"}),
            "invalid_username",
        ),
        (
            json!({"username": "okname", "password": "short"}),
            "invalid_password",
        ),
        (
            json!({"username": "okname", "password": "x".repeat(129)}),
            "invalid_password",
        ),
        (
            json!({"username": "okname", "password": "long enough", "display_name": "bell\u{7}"}),
            "invalid_display_name",
        ),
        (json!({"username": "okname"}), "invalid_json"),
    ];
    for (body, expected) in cases {
        let response = app.post("/api/auth/register", Nobody, body.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(code(response).await, expected, "{body}");
    }
    let guest = app
        .post("/api/auth/guest", Nobody, json!({"device_id": "short"}))
        .await;
    assert_eq!(code(guest).await, "invalid_device_id");
}

#[tokio::test]
async fn a_huge_password_or_body_is_refused_before_any_hashing() {
    let app = spawn().await;
    let huge = json!({"username": "okname", "password": "x".repeat(1 << 20)});
    let response = app.post("/api/auth/login", Nobody, huge).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(response).await, "payload_too_large");
}

#[tokio::test]
async fn unknown_user_and_wrong_password_answer_identically() {
    let app = spawn().await;
    app.register("existing", "right password").await;
    let wrong = app.login("existing", "wrong password").await;
    let unknown = app.login("nobody-here", "wrong password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let wrong: Value = wrong.json().await.unwrap();
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"]["code"], "invalid_credentials");
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_account_with_retry_after() {
    let app = spawn_with(&[
        ("LOGIN_RATE_PER_ACCOUNT", "3/10m"),
        ("LOGIN_RATE_PER_IP", "100/10m"),
    ])
    .await;
    app.register("target", "right password").await;
    for _ in 0..3 {
        let r = app.login("target", "guess guess").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = app.login("TARGET", "right password").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        limited.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(code(limited).await, "rate_limited");
    // Another account from the same address is not locked by it.
    app.register("bystander", "right password").await;
    let other = app.login("bystander", "right password").await;
    assert_eq!(other.status(), StatusCode::OK);
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_address_and_unknown_users_too() {
    let app = spawn_with(&[("LOGIN_RATE_PER_IP", "4/10m")]).await;
    for i in 0..4 {
        let r = app.login(&format!("ghost{i}"), "guess guess").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = app.login("ghost9", "guess guess").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn guest_device_returns_the_same_account_and_upgrades_in_place() {
    let app = spawn().await;
    let device = json!({"device_id": "0b0f6a9e-8c1d-4f7e-9a3b-2f1c5d6e7a8b"});
    let first = app.post("/api/auth/guest", Nobody, device.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["user"]["is_guest"], true);
    let second = app.post("/api/auth/guest", Nobody, device.clone()).await;
    assert_eq!(second.status(), StatusCode::OK);
    let second: Value = second.json().await.unwrap();
    assert_eq!(first["user"]["id"], second["user"]["id"]);

    let access = text_at(&second, "access_token");
    let upgraded = app.post("/api/auth/upgrade", &access, json!({"username": "FormerGuest", "password": "now a real one", "display_name": "Former Guest"})).await;
    assert_eq!(upgraded.status(), StatusCode::OK);
    let upgraded: Value = upgraded.json().await.unwrap();
    assert_eq!(upgraded["id"], first["user"]["id"], "the user id is kept");
    assert_eq!(upgraded["is_guest"], false);
    assert_eq!(upgraded["display_name"], "Former Guest");

    let login: Value = app
        .login("formerguest", "now a real one")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(login["user"]["id"], first["user"]["id"]);
    let twice = app
        .post(
            "/api/auth/upgrade",
            &access,
            json!({"username": "Another", "password": "now a real one"}),
        )
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert_eq!(code(twice).await, "not_a_guest");
    // The device is no longer a credential for the upgraded account.
    let fresh: Value = app
        .post("/api/auth/guest", Nobody, device)
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(fresh["user"]["id"], first["user"]["id"]);
}
