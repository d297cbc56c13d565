//! Tokens: forged, expired, early, misaddressed and wrong-kind tokens are refused; the JWKS
//! publishes every verifying key, so tokens survive a key rotation.

use crate::{now, spawn, spawn_with};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use whoosh_auth::{Grant, Keyring, TokenKind, TokenSpec};
use whoosh_test_support::{Client, Nobody, TestApp, error_code as code, text_at};

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
    let r = app.get("/api/auth/me", token).await;
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
    let session = app.register("victim", "password-123").await;
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
    let genuine = text_at(&session, "access_token");
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
    let session = app.register("timely", "password-123").await;
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
        app.get("/api/auth/me", &within_leeway).await.status(),
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
    let session = app.register("kinds", "password-123").await;
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
        refused(&app, &text_at(&session, "refresh_token")).await,
        "invalid_token"
    );
    // …and an access token is not a refresh token.
    let swapped = app
        .post(
            "/api/auth/refresh",
            Nobody,
            json!({"refresh_token": text_at(&session, "access_token")}),
        )
        .await;
    assert_eq!(swapped.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(code(swapped).await, "invalid_refresh_token");
    // An access token is not a join or service token either.
    let access = text_at(&session, "access_token");
    assert!(ring.verify(spec, &access, TokenKind::Join).is_err());
    assert!(ring.verify(spec, &access, TokenKind::Service).is_err());
}

#[tokio::test]
async fn jwks_publishes_every_verifying_key_and_old_tokens_survive_rotation() {
    let app = spawn().await;
    let session = app.register("rotation", "password-123").await;
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
    let old_token = text_at(&session, "access_token");
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
        let r = app.post(path, Nobody, json!({})).await;
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
