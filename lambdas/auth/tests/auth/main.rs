//! The auth service over real HTTP against real PostgreSQL and Redis: every endpoint, and every
//! row of the "Tokens and sessions" table of ROBUSTNESS.md; also the Lambda binary driven through
//! the Runtime API. One test binary, a module per capability.

#![allow(clippy::unwrap_used)]

mod accounts;
mod analytics;
mod lambda;
mod sessions;
mod telegram;
mod tokens;

use reqwest::StatusCode;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};
use whoosh_test_support::TestApp;

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
