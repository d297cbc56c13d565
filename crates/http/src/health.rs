//! `/healthz` (the process is alive) and `/readyz` (it can serve: PostgreSQL and Redis answer).

use crate::AppState;
use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use serde_json::{Value, json};
use std::time::Duration;

/// How long each readiness check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    // Draining (after SIGTERM): not ready at once, so load balancers stop sending new work.
    if crate::is_shutting_down() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "draining" })),
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
        Json(json!({
            "status": if ready { "ready" } else { "unavailable" },
            "checks": { "postgres": verdict(postgres_ok), "redis": verdict(redis_ok) },
        })),
    )
}
