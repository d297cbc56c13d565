//! The stack a scenario runs against: serving one in this process (`whoosh-bench stack`), the
//! loopback-only guard, a service token from its keyring file, and its players.

use anyhow::{Context, ensure};
use serde_json::{Value, json};
use std::time::Duration;
use whoosh_auth::{Grant, Keyring, TokenSpec};

/// Serves the API routers and an edge node until SIGTERM (`whoosh-bench stack`).
pub async fn serve() -> anyhow::Result<()> {
    let config = whoosh_http::Config::from_env()?;
    whoosh_http::telemetry::init(config.log_format, &config.log_filter);
    let bind = config.http.bind;
    let timeouts = whoosh_http::ConnTimeouts::from(&config.http);
    let state = whoosh_http::AppState::connect(config).await?;
    whoosh_store::MIGRATOR
        .run(&state.db)
        .await
        .context("applying migrations")?;
    let edge = whoosh_edge::Edge::start(&state);
    let routes = whoosh_lambda_auth::routes()
        .merge(whoosh_lambda_matchmaking::routes())
        .merge(whoosh_lambda_profiles::routes())
        .merge(whoosh_lambda_economy::routes())
        .merge(whoosh_edge::routes(edge.clone()));
    let app = whoosh_http::app(routes, state);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on WHOOSH_BIND={bind}"))?;
    whoosh_http::serve_http(listener, app, timeouts, whoosh_http::shutdown_signal()).await?;
    edge.drained().await;
    Ok(())
}

pub fn ensure_loopback(url: &str) -> anyhow::Result<()> {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or_default()
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    ensure!(
        matches!(host, "127.0.0.1" | "localhost" | "[::1]") || host.starts_with("127."),
        "benchmarks target loopback only, not {host}"
    );
    Ok(())
}

pub fn unix_now() -> anyhow::Result<i64> {
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64)
}

/// The issuer/audience the local stack uses (override with JWT_ISSUER / JWT_AUDIENCE).
pub fn spec() -> TokenSpec {
    TokenSpec {
        issuer: std::env::var("JWT_ISSUER").unwrap_or_else(|_| "whoosh".into()),
        audience: std::env::var("JWT_AUDIENCE").unwrap_or_else(|_| "whoosh-players".into()),
    }
}

/// A service token minted with the stack's keyring file.
pub fn service_token(keys: &std::path::Path) -> anyhow::Result<String> {
    let ring = Keyring::from_json(
        &std::fs::read_to_string(keys).with_context(|| format!("reading {}", keys.display()))?,
        unix_now()?,
    )?;
    Ok(ring.mint(
        &spec(),
        Grant::service("whoosh-bench"),
        unix_now()?,
        Duration::from_secs(3600),
    )?)
}

/// Guest players, each funded with coins; returns (user id, access token) pairs.
pub async fn players(
    http: &reqwest::Client,
    url: &str,
    service: &str,
    count: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for _ in 0..count {
        let device = uuid::Uuid::new_v4().to_string();
        let session: Value = http
            .post(format!("{url}/api/auth/guest"))
            .json(&json!({"device_id": device}))
            .send()
            .await?
            .json()
            .await?;
        let user = session["user"]["id"]
            .as_str()
            .context("guest login failed")?
            .to_owned();
        let funded = http
            .post(format!("{url}/api/wallet/grants"))
            .bearer_auth(service)
            .header("idempotency-key", format!("bench-{}", uuid::Uuid::new_v4()))
            .json(&json!({"user_id": user, "currency": "coins", "amount": 1_000_000_000, "reason": "grant"}))
            .send()
            .await?;
        ensure!(
            funded.status().as_u16() == 201,
            "funding answered {}",
            funded.status()
        );
        out.push((
            user,
            session["access_token"]
                .as_str()
                .context("no access token")?
                .to_owned(),
        ));
    }
    Ok(out)
}

pub async fn funded_players(
    http: &reqwest::Client,
    url: &str,
    service: &str,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    Ok(players(http, url, service, count)
        .await?
        .into_iter()
        .map(|(_, token)| token)
        .collect())
}

/// Registers an action worth `max_score` for `user`; returns its token.
pub async fn action(
    http: &reqwest::Client,
    url: &str,
    service: &str,
    user: &str,
    max_score: i64,
) -> anyhow::Result<String> {
    let body: Value = http
        .post(format!("{url}/api/actions"))
        .bearer_auth(service)
        .json(&json!({"user_id": user, "max_score": max_score}))
        .send()
        .await?
        .json()
        .await?;
    Ok(body["action_token"]
        .as_str()
        .context("no action token")?
        .to_owned())
}
