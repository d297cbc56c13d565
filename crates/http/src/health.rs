//! `/healthz` (the process is alive) and `/readyz` (this process takes new work: it is not
//! draining and not at capacity). PostgreSQL and Redis are checked on every `/readyz` and reported
//! in its body, its log line and the `whoosh_dependency_up` gauge, but they do not make the process
//! unready: every process shares them, so failing readiness on them would take the whole fleet out
//! of its load balancer at once, over a blip the services and the edge's outbox already ride out.

use crate::AppState;
use axum::{Json, Router, extract::State, http::StatusCode, routing::get};
use serde::Serialize;
use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};
use utoipa::ToSchema;

/// How long each dependency check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Set by a process that cannot take more work (an edge node at its player capacity).
static AT_CAPACITY: AtomicBool = AtomicBool::new(false);

/// Marks this process as full (`true`) or able to take more (`false`); `/readyz` follows.
pub fn set_at_capacity(full: bool) {
    AT_CAPACITY.store(full, Ordering::Relaxed);
}

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
    /// `"ready"`, `"draining"` (shutting down; no checks) or `"at_capacity"` (full; no new work).
    #[schema(example = "ready")]
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Checks>,
}

/// Each dependency's round trip: `"ok"` or `"unavailable"`. Reported, not judged: an unavailable
/// dependency does not make the process unready.
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

/// The process takes new work: 200 unless it is draining or at capacity.
///
/// The body reports whether PostgreSQL and Redis each answered a round trip within 2 s; that does
/// not change the status.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "Ready (whatever the dependency checks say).", body = Readiness),
    (status = 503, description = "Draining, or at capacity.", body = Readiness),
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
    let postgres_ok = matches!(postgres, Ok(Ok(())));
    let redis_ok = matches!(redis, Ok(Ok(())));
    for (dependency, up) in [("postgres", postgres_ok), ("redis", redis_ok)] {
        metrics::gauge!("whoosh_dependency_up", "dependency" => dependency).set(if up {
            1.0
        } else {
            0.0
        });
    }
    let verdict = |ok: bool| if ok { "ok" } else { "unavailable" };
    if !(postgres_ok && redis_ok) {
        tracing::warn!(
            postgres = verdict(postgres_ok),
            redis = verdict(redis_ok),
            "a dependency is unavailable (still ready: readiness is this process's own)"
        );
    }
    let full = AT_CAPACITY.load(Ordering::Relaxed);
    (
        if full {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        },
        Json(Readiness {
            status: if full { "at_capacity" } else { "ready" },
            checks: Some(Checks {
                postgres: verdict(postgres_ok),
                redis: verdict(redis_ok),
            }),
        }),
    )
}
