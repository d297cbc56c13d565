//! The auth service over real HTTP against real PostgreSQL and Redis: every endpoint, and every
//! row of the "Tokens and sessions" table of ROBUSTNESS.md.

#![allow(clippy::unwrap_used)]

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use whoosh_auth::{Grant, Keyring, TokenKind, TokenSpec};
use whoosh_test_support::{TestApp, error_code as code};

async fn spawn() -> TestApp {
    spawn_with(&[]).await
}

async fn spawn_with(overrides: &[(&str, &str)]) -> TestApp {
    TestApp::spawn_with(whoosh_lambda_auth::routes(), overrides).await
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn post(app: &TestApp, path: &str, body: Value) -> Response {
    app.http
        .post(app.at(path))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn post_auth(app: &TestApp, path: &str, token: &str, body: Value) -> Response {
    app.http
        .post(app.at(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn me(app: &TestApp, token: &str) -> Response {
    app.http
        .get(app.at("/api/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn register(app: &TestApp, username: &str, password: &str) -> Value {
    let response = post(
        app,
        "/api/auth/register",
        json!({"username": username, "password": password}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

fn token(session: &Value, field: &str) -> String {
    session[field].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn register_login_and_me() {
    let app = spawn().await;
    let session = register(&app, "MoleHunter", "correct horse battery").await;
    assert_eq!(session["token_type"], "Bearer");
    assert_eq!(session["expires_in"], 900);
    assert_eq!(session["user"]["username"], "MoleHunter");
    assert_eq!(session["user"]["display_name"], "MoleHunter");
    assert_eq!(session["user"]["is_guest"], false);

    let mine: Value = me(&app, &token(&session, "access_token"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["id"], session["user"]["id"]);

    // Login is case-insensitive on the username.
    let login = post(
        &app,
        "/api/auth/login",
        json!({"username": "molehunter", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(login.status(), StatusCode::OK);
    let login: Value = login.json().await.unwrap();
    assert_eq!(login["user"]["id"], session["user"]["id"]);
}

#[tokio::test]
async fn usernames_are_unique_case_insensitively() {
    let app = spawn().await;
    register(&app, "Agent", "password-one").await;
    let again = post(
        &app,
        "/api/auth/register",
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
        post(
            &app,
            "/api/auth/register",
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
        let response = post(&app, "/api/auth/register", body.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(code(response).await, expected, "{body}");
    }
    let guest = post(&app, "/api/auth/guest", json!({"device_id": "short"})).await;
    assert_eq!(code(guest).await, "invalid_device_id");
}

#[tokio::test]
async fn a_huge_password_or_body_is_refused_before_any_hashing() {
    let app = spawn().await;
    let huge = json!({"username": "okname", "password": "x".repeat(1 << 20)});
    let response = post(&app, "/api/auth/login", huge).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(response).await, "payload_too_large");
}

#[tokio::test]
async fn unknown_user_and_wrong_password_answer_identically() {
    let app = spawn().await;
    register(&app, "existing", "right password").await;
    let wrong = post(
        &app,
        "/api/auth/login",
        json!({"username": "existing", "password": "wrong password"}),
    )
    .await;
    let unknown = post(
        &app,
        "/api/auth/login",
        json!({"username": "nobody-here", "password": "wrong password"}),
    )
    .await;
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
    register(&app, "target", "right password").await;
    for _ in 0..3 {
        let r = post(
            &app,
            "/api/auth/login",
            json!({"username": "target", "password": "guess guess"}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = post(
        &app,
        "/api/auth/login",
        json!({"username": "TARGET", "password": "right password"}),
    )
    .await;
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
    register(&app, "bystander", "right password").await;
    let other = post(
        &app,
        "/api/auth/login",
        json!({"username": "bystander", "password": "right password"}),
    )
    .await;
    assert_eq!(other.status(), StatusCode::OK);
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_address_and_unknown_users_too() {
    let app = spawn_with(&[("LOGIN_RATE_PER_IP", "4/10m")]).await;
    for i in 0..4 {
        let r = post(
            &app,
            "/api/auth/login",
            json!({"username": format!("ghost{i}"), "password": "guess guess"}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = post(
        &app,
        "/api/auth/login",
        json!({"username": "ghost9", "password": "guess guess"}),
    )
    .await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn guest_device_returns_the_same_account_and_upgrades_in_place() {
    let app = spawn().await;
    let device = json!({"device_id": "0b0f6a9e-8c1d-4f7e-9a3b-2f1c5d6e7a8b"});
    let first = post(&app, "/api/auth/guest", device.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["user"]["is_guest"], true);
    let second = post(&app, "/api/auth/guest", device.clone()).await;
    assert_eq!(second.status(), StatusCode::OK);
    let second: Value = second.json().await.unwrap();
    assert_eq!(first["user"]["id"], second["user"]["id"]);

    let access = token(&second, "access_token");
    let upgraded = post_auth(&app, "/api/auth/upgrade", &access, json!({"username": "FormerGuest", "password": "now a real one", "display_name": "Former Guest"})).await;
    assert_eq!(upgraded.status(), StatusCode::OK);
    let upgraded: Value = upgraded.json().await.unwrap();
    assert_eq!(upgraded["id"], first["user"]["id"], "the user id is kept");
    assert_eq!(upgraded["is_guest"], false);
    assert_eq!(upgraded["display_name"], "Former Guest");

    let login: Value = post(
        &app,
        "/api/auth/login",
        json!({"username": "formerguest", "password": "now a real one"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(login["user"]["id"], first["user"]["id"]);
    let twice = post_auth(
        &app,
        "/api/auth/upgrade",
        &access,
        json!({"username": "Another", "password": "now a real one"}),
    )
    .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert_eq!(code(twice).await, "not_a_guest");
    // The device is no longer a credential for the upgraded account.
    let fresh: Value = post(&app, "/api/auth/guest", device)
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(fresh["user"]["id"], first["user"]["id"]);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_of_a_rotated_token_revokes_the_family() {
    let app = spawn().await;
    let session = register(&app, "rotator", "password-123").await;
    let first_refresh = token(&session, "refresh_token");
    let rotated = post(
        &app,
        "/api/auth/refresh",
        json!({"refresh_token": first_refresh}),
    )
    .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: Value = rotated.json().await.unwrap();
    let second_refresh = token(&rotated, "refresh_token");
    assert_ne!(first_refresh, second_refresh);
    assert_eq!(
        me(&app, &token(&rotated, "access_token")).await.status(),
        StatusCode::OK
    );

    let reuse = post(
        &app,
        "/api/auth/refresh",
        json!({"refresh_token": first_refresh}),
    )
    .await;
    assert_eq!(reuse.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(reuse).await, "invalid_refresh_token");
    let after = post(
        &app,
        "/api/auth/refresh",
        json!({"refresh_token": second_refresh}),
    )
    .await;
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "the whole family is revoked"
    );
    let stale_access = me(&app, &token(&rotated, "access_token")).await;
    assert_eq!(
        stale_access.status(),
        StatusCode::UNAUTHORIZED,
        "its access tokens die too"
    );
}

#[tokio::test]
async fn logout_ends_this_session_only_and_logout_all_ends_every_session() {
    let app = spawn().await;
    let a = register(&app, "multi", "password-123").await;
    let b: Value = post(
        &app,
        "/api/auth/login",
        json!({"username": "multi", "password": "password-123"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let c: Value = post(
        &app,
        "/api/auth/login",
        json!({"username": "multi", "password": "password-123"}),
    )
    .await
    .json()
    .await
    .unwrap();

    let out = post_auth(
        &app,
        "/api/auth/logout",
        &token(&a, "access_token"),
        json!({}),
    )
    .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        me(&app, &token(&a, "access_token")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let dead = post(
        &app,
        "/api/auth/refresh",
        json!({"refresh_token": token(&a, "refresh_token")}),
    )
    .await;
    assert_eq!(dead.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&app, &token(&b, "access_token")).await.status(),
        StatusCode::OK,
        "other sessions live"
    );

    let all = post_auth(
        &app,
        "/api/auth/logout-all",
        &token(&b, "access_token"),
        json!({}),
    )
    .await;
    assert_eq!(all.status(), StatusCode::NO_CONTENT);
    for s in [&b, &c] {
        assert_eq!(
            me(&app, &token(s, "access_token")).await.status(),
            StatusCode::UNAUTHORIZED
        );
        let r = post(
            &app,
            "/api/auth/refresh",
            json!({"refresh_token": token(s, "refresh_token")}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn logout_all_publishes_a_revocation_event_for_live_sockets() {
    let app = spawn().await;
    let session = register(&app, "socketeer", "password-123").await;
    let client = redis::Client::open(whoosh_test_support::redis_url()).unwrap();
    let mut pubsub = client.get_async_pubsub().await.unwrap();
    pubsub
        .subscribe(app.state.keys.revocations_channel())
        .await
        .unwrap();
    let all = post_auth(
        &app,
        "/api/auth/logout-all",
        &token(&session, "access_token"),
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
    let here = register(&app, "changer", "old password").await;
    let elsewhere: Value = post(
        &app,
        "/api/auth/login",
        json!({"username": "changer", "password": "old password"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let access = token(&here, "access_token");

    let wrong = post_auth(
        &app,
        "/api/auth/password",
        &access,
        json!({"current_password": "not it at all", "new_password": "new password"}),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(wrong).await, "invalid_credentials");

    let changed = post_auth(
        &app,
        "/api/auth/password",
        &access,
        json!({"current_password": "old password", "new_password": "new password"}),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        me(&app, &access).await.status(),
        StatusCode::OK,
        "this session continues"
    );
    assert_eq!(
        me(&app, &token(&elsewhere, "access_token")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = post(
        &app,
        "/api/auth/refresh",
        json!({"refresh_token": token(&elsewhere, "refresh_token")}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let old = post(
        &app,
        "/api/auth/login",
        json!({"username": "changer", "password": "old password"}),
    )
    .await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = post(
        &app,
        "/api/auth/login",
        json!({"username": "changer", "password": "new password"}),
    )
    .await;
    assert_eq!(new.status(), StatusCode::OK);
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn claims_for(app: &TestApp, sub: &str) -> Value {
    let t = now();
    json!({"iss": app.state.tokens.issuer, "aud": app.state.tokens.audience, "sub": sub, "exp": t + 600, "iat": t, "nbf": t,
           "jti": "x", "typ": "access", "sid": uuid::Uuid::new_v4()})
}

async fn refused(app: &TestApp, token: &str) -> String {
    let r = me(app, token).await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "token accepted: {token}"
    );
    code(r).await
}

#[tokio::test]
async fn forged_tokens_are_refused() {
    let app = spawn().await;
    let session = register(&app, "victim", "password-123").await;
    let sub = session["user"]["id"].as_str().unwrap().to_owned();
    let claims = claims_for(&app, &sub);
    let kid = app.state.keyring.signing_kid().to_owned();

    // alg: none
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT", "kid": kid})
            .to_string()
            .as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    assert_eq!(refused(&app, &none).await, "invalid_token");

    // HS256 "signed" with the public key material that the JWKS publishes.
    let jwks: Value = app
        .http
        .get(app.at("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(kid.clone());
    let hs = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(jwks.to_string().as_bytes()),
    )
    .unwrap();
    assert_eq!(refused(&app, &hs).await, "invalid_token");

    // A genuine RS256 signature by a key Whoosh does not know, under a known and an unknown kid.
    let (stranger, stranger_stored) = Keyring::generate(now()).unwrap();
    let foreign = stranger
        .mint(
            &app.state.tokens,
            Grant::access(&sub, uuid::Uuid::new_v4()),
            now(),
            Duration::from_secs(60),
        )
        .unwrap();
    assert_eq!(refused(&app, &foreign).await, "invalid_token");

    // The same, pointing jku/x5u at a server we watch: it must never be fetched.
    let watcher = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let watched = format!("http://{}/jwks.json", watcher.local_addr().unwrap());
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(stranger.signing_kid().to_owned());
    header.jku = Some(watched.clone());
    header.x5u = Some(watched);
    let pem = stranger_stored.keys[0].private_key_pem.clone();
    let with_jku = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_eq!(refused(&app, &with_jku).await, "invalid_token");
    let fetched = tokio::time::timeout(Duration::from_millis(300), watcher.accept()).await;
    assert!(fetched.is_err(), "the jku/x5u URL was fetched");

    // One flipped bit in the signature.
    let genuine = token(&session, "access_token");
    let mut bytes = genuine.into_bytes();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        refused(&app, &String::from_utf8(bytes).unwrap()).await,
        "invalid_token"
    );
    assert_eq!(refused(&app, "not.a.jwt").await, "invalid_token");
}

#[tokio::test]
async fn expired_future_and_misaddressed_tokens_are_refused() {
    let app = spawn().await;
    let session = register(&app, "timely", "password-123").await;
    let sub = session["user"]["id"].as_str().unwrap().to_owned();
    let sid = Some(uuid::Uuid::new_v4());
    let ring = &app.state.keyring;
    let spec = &app.state.tokens;
    let ttl = Duration::from_secs(60);

    let expired = ring
        .mint(
            spec,
            Grant {
                kind: TokenKind::Access,
                sub: &sub,
                sid,
                lobby: None,
            },
            now() - 120,
            ttl,
        )
        .unwrap();
    assert_eq!(refused(&app, &expired).await, "token_expired");
    let future = ring
        .mint(
            spec,
            Grant {
                kind: TokenKind::Access,
                sub: &sub,
                sid,
                lobby: None,
            },
            now() + 120,
            ttl,
        )
        .unwrap();
    assert_eq!(refused(&app, &future).await, "invalid_token");
    let within_leeway = ring
        .mint(
            spec,
            Grant {
                kind: TokenKind::Access,
                sub: &sub,
                sid,
                lobby: None,
            },
            now() + 20,
            ttl,
        )
        .unwrap();
    assert_eq!(
        me(&app, &within_leeway).await.status(),
        StatusCode::OK,
        "nbf 20 s ahead is within the 30 s leeway"
    );
    let other_iss = TokenSpec {
        issuer: "someone-else".into(),
        ..spec.clone()
    };
    assert_eq!(
        refused(
            &app,
            &ring
                .mint(
                    &other_iss,
                    Grant {
                        kind: TokenKind::Access,
                        sub: &sub,
                        sid,
                        lobby: None
                    },
                    now(),
                    ttl
                )
                .unwrap()
        )
        .await,
        "invalid_token"
    );
    let other_aud = TokenSpec {
        audience: "another-game".into(),
        ..spec.clone()
    };
    assert_eq!(
        refused(
            &app,
            &ring
                .mint(
                    &other_aud,
                    Grant {
                        kind: TokenKind::Access,
                        sub: &sub,
                        sid,
                        lobby: None
                    },
                    now(),
                    ttl
                )
                .unwrap()
        )
        .await,
        "invalid_token"
    );
}

#[tokio::test]
async fn token_kinds_never_stand_in_for_each_other() {
    let app = spawn().await;
    let session = register(&app, "kinds", "password-123").await;
    let sub = session["user"]["id"].as_str().unwrap().to_owned();
    let ring = &app.state.keyring;
    let spec = &app.state.tokens;
    let ttl = Duration::from_secs(60);
    let join = ring
        .mint(spec, Grant::join(&sub, "lobby-1"), now(), ttl)
        .unwrap();
    assert_eq!(refused(&app, &join).await, "invalid_token");
    let service = ring
        .mint(spec, Grant::service("game-server"), now(), ttl)
        .unwrap();
    assert_eq!(refused(&app, &service).await, "invalid_token");
    // A refresh token is not a bearer token…
    assert_eq!(
        refused(&app, &token(&session, "refresh_token")).await,
        "invalid_token"
    );
    // …and an access token is not a refresh token.
    let swapped = post(
        &app,
        "/api/auth/refresh",
        json!({"refresh_token": token(&session, "access_token")}),
    )
    .await;
    assert_eq!(swapped.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(swapped).await, "invalid_refresh_token");
    // An access token is not a join or service token either.
    let access = token(&session, "access_token");
    assert!(ring.verify(spec, &access, TokenKind::Join).is_err());
    assert!(ring.verify(spec, &access, TokenKind::Service).is_err());
}

#[tokio::test]
async fn jwks_publishes_every_verifying_key_and_old_tokens_survive_rotation() {
    let app = spawn().await;
    let session = register(&app, "rotation", "password-123").await;
    let jwks: Value = app
        .http
        .get(app.at("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert!(
        keys.iter()
            .any(|k| k["kid"] == app.state.keyring.signing_kid())
    );
    assert!(keys.iter().all(|k| k["kty"] == "RSA"
        && k["alg"] == "RS256"
        && k["use"] == "sig"
        && k.get("d").is_none()));

    // Rotate the keyring file this service was started from, and start a second service on it.
    let path = whoosh_test_support::test_keys_file();
    let mut stored: whoosh_auth::keyring::StoredKeyring =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let new_kid = stored.rotate(now(), 0).unwrap();
    let rotated_file =
        std::env::temp_dir().join(format!("whoosh-rotated-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&rotated_file, stored.to_json()).unwrap();
    let source = format!("file:{}", rotated_file.display());
    let rotated = spawn_with(&[("AUTH_KEYS_SOURCE", &source)]).await;
    assert_eq!(rotated.state.keyring.signing_kid(), new_kid);
    let jwks: Value = rotated
        .http
        .get(rotated.at("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    // A token signed by the old key verifies after rotation.
    let old_token = token(&session, "access_token");
    assert!(
        rotated
            .state
            .keyring
            .verify(&rotated.state.tokens, &old_token, TokenKind::Access)
            .is_ok()
    );
    std::fs::remove_file(rotated_file).ok();
}

#[tokio::test]
async fn protected_endpoints_need_a_bearer_token() {
    let app = spawn().await;
    for path in [
        "/api/auth/logout",
        "/api/auth/logout-all",
        "/api/auth/upgrade",
        "/api/auth/password",
    ] {
        let r = post(&app, path, json!({})).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(code(r).await, "invalid_token");
    }
    let r = app
        .http
        .get(app.at("/api/auth/me"))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_service_serves_its_own_api_document() {
    let app = TestApp::spawn_with(whoosh_lambda_auth::service_routes(), &[]).await;
    let response = app
        .http
        .get(app.at("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/auth/login",
        "/.well-known/jwks.json",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    assert!(
        paths.keys().all(|p| !p.starts_with("/api/wallet")),
        "another service's endpoints are in the auth document"
    );
    assert_eq!(
        doc["paths"]["/api/auth/login"]["post"]["responses"]["401"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
}

/// A webhook secret in a file, for `TELEGRAM_WEBHOOK_SECRET_SOURCE`.
fn webhook_secret_file(secret: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "whoosh-test-webhook-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&path, secret).unwrap();
    path
}

async fn webhook(app: &TestApp, secret: Option<&str>, body: &str) -> Response {
    let mut request = app
        .http
        .post(app.at("/api/auth/telegram/webhook"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(secret) = secret {
        request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
    }
    request.send().await.unwrap()
}

fn start_update(chat: i64, text: &str) -> String {
    json!({
        "update_id": 7,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": false, "first_name": "Ann"},
            "text": text,
        }
    })
    .to_string()
}

#[tokio::test]
async fn a_link_code_sent_as_start_links_the_chat_once() {
    const SECRET: &str = "s3cret-webhook-token_0123456789";
    let file = webhook_secret_file(SECRET);
    let source = format!("file:{}", file.display());
    let app = spawn_with(&[
        ("TELEGRAM_WEBHOOK_SECRET_SOURCE", &source),
        ("TELEGRAM_BOT_USERNAME", "WhooshTestBot"),
    ])
    .await;
    let player = app.player("Ann").await;
    let user: uuid::Uuid = player.id.parse().unwrap();

    // Only a signed-in player gets a code.
    let anonymous = post(&app, "/api/auth/telegram/link", json!({})).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let issued = post_auth(&app, "/api/auth/telegram/link", &player.token, json!({})).await;
    assert_eq!(issued.status(), StatusCode::CREATED);
    let issued: Value = issued.json().await.unwrap();
    let link_code = issued["code"].as_str().unwrap();
    assert_eq!(link_code.len(), 22);
    assert_eq!(
        issued["url"],
        format!("https://t.me/WhooshTestBot?start={link_code}").as_str()
    );
    assert_eq!(issued["expires_in"], 600);

    let start = start_update(4242, &format!("/start {link_code}"));
    // The secret is checked before anything else: missing or wrong is 401, and nothing links.
    let missing = webhook(&app, None, &start).await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(missing).await, "invalid_webhook_secret");
    let wrong = webhook(&app, Some("s3cret-webhook-token_0123456788"), &start).await;
    assert_eq!(code(wrong).await, "invalid_webhook_secret");
    let malformed_unauthenticated = webhook(&app, Some("nope"), "{not json").await;
    assert_eq!(malformed_unauthenticated.status(), StatusCode::UNAUTHORIZED);
    assert!(
        whoosh_store::telegram::link_of(&app.state.db, user)
            .await
            .unwrap()
            .is_none()
    );

    // With the secret: a malformed update is 400; a well-formed one that is not /start is 200.
    let malformed = webhook(&app, Some(SECRET), "{not json").await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(code(malformed).await, "invalid_json");
    let no_update_id = webhook(&app, Some(SECRET), r#"{"message": {}}"#).await;
    assert_eq!(no_update_id.status(), StatusCode::BAD_REQUEST);
    let edited = webhook(
        &app,
        Some(SECRET),
        r#"{"update_id": 8, "edited_message": {}}"#,
    )
    .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let chatter = webhook(&app, Some(SECRET), &start_update(4242, "hello bot")).await;
    assert_eq!(chatter.status(), StatusCode::OK);
    assert_eq!(chatter.json::<Value>().await.unwrap(), json!({}));

    // /start <code> links the chat and answers with a message for Telegram to send.
    let linked = webhook(&app, Some(SECRET), &start).await;
    assert_eq!(linked.status(), StatusCode::OK);
    let reply: Value = linked.json().await.unwrap();
    assert_eq!(reply["method"], "sendMessage");
    assert_eq!(reply["chat_id"], 4242);
    assert!(
        reply["text"].as_str().unwrap().starts_with("Linked!"),
        "{reply}"
    );
    let link = whoosh_store::telegram::link_of(&app.state.db, user)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((link.chat_id, link.dead_at), (4242, None));

    // The code is single use: another chat presenting it links nothing and is told so.
    let reused = webhook(
        &app,
        Some(SECRET),
        &start_update(5353, &format!("/start {link_code}")),
    )
    .await;
    assert_eq!(reused.status(), StatusCode::OK);
    let reply: Value = reused.json().await.unwrap();
    assert_eq!(reply["chat_id"], 5353);
    assert!(
        reply["text"].as_str().unwrap().contains("expired"),
        "{reply}"
    );
    let unknown = webhook(&app, Some(SECRET), &start_update(5353, "/start not-a-code")).await;
    assert_eq!(unknown.status(), StatusCode::OK);
    let link = whoosh_store::telegram::link_of(&app.state.db, user)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.chat_id, 4242);
    let _ = std::fs::remove_file(file);
}

#[tokio::test]
async fn without_a_configured_secret_the_webhook_refuses_every_update() {
    let app = spawn().await;
    let refused = webhook(&app, Some(""), &start_update(1, "/start abc")).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(refused).await, "invalid_webhook_secret");
}

#[tokio::test]
async fn sign_ups_and_sessions_are_recorded_as_analytics_events() {
    let app = spawn().await;
    let session = register(&app, "Analyst", "correct horse battery").await;
    let user: uuid::Uuid = session["user"]["id"].as_str().unwrap().parse().unwrap();
    let login = post(
        &app,
        "/api/auth/login",
        json!({"username": "analyst", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(login.status(), StatusCode::OK);
    let events: Vec<(String, Value)> = sqlx::query_as(
        "SELECT name, properties FROM analytics_events WHERE user_id = $1 ORDER BY id",
    )
    .bind(user)
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        events,
        [
            ("signup".to_owned(), json!({"guest": false})),
            (
                "session_start".to_owned(),
                json!({"via": "register", "days_since_signup": 0})
            ),
            (
                "session_start".to_owned(),
                json!({"via": "login", "days_since_signup": 0})
            ),
        ]
    );
}
