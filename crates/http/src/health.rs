//! `/healthz` (the process is alive) and `/readyz` (it can serve: PostgreSQL and Redis answer).

use crate::AppState;
use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;

/// How long each readiness check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The answer of `/healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Alive {
    /// Always `"ok"`.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The answer of `/readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `"ready"`, `"unavailable"` (a check failed) or `"draining"` (shutting down; no checks).
    #[schema(example = "ready")]
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Checks>,
}

/// Each dependency's round trip: `"ok"` or `"unavailable"`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Checks {
    #[schema(example = "ok")]
    pub postgres: &'static str,
    #[schema(example = "ok")]
    pub redis: &'static str,
}

/// The process is alive. Checks nothing else; not rate limited.
#[utoipa::path(get, path = "/healthz", tag = "health", responses(
    (status = 200, description = "Alive.", body = Alive),
))]
pub async fn healthz() -> Json<Alive> {
    Json(Alive { status: "ok" })
}

/// The process can serve: PostgreSQL and Redis each answered a round trip within 2 s.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "Ready.", body = Readiness),
    (status = 503, description = "A dependency is unavailable, or the process is draining.", body = Readiness),
))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    // Draining (after SIGTERM): not ready at once, so load balancers stop sending new work.
    if crate::is_shutting_down() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Readiness {
                status: "draining",
                checks: None,
            }),
        );
    }
    let (postgres, redis) = tokio::join!(
        tokio::time::timeout(CHECK_TIMEOUT, whoosh_store::ping(&state.db)),
        tokio::time::timeout(CHECK_TIMEOUT, state.redis.ping()),
    );
    let verdict = |ok: bool| if ok { "ok" } else { "unavailable" };
    let postgres_ok = matches!(postgres, Ok(Ok(())));
    let redis_ok = matches!(redis, Ok(Ok(())));
    let ready = postgres_ok && redis_ok;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    if !ready {
        tracing::warn!(
            postgres = verdict(postgres_ok),
            redis = verdict(redis_ok),
            "not ready"
        );
    }
    (
        status,
        Json(Readiness {
            status: if ready { "ready" } else { "unavailable" },
            checks: Some(Checks {
                postgres: verdict(postgres_ok),
                redis: verdict(redis_ok),
            }),
        }),
    )
}
