//! The profiles service. The ALB routes `/api/profiles/*`, `/api/leaderboards/*`, `/api/scores/*` and `/api/actions/*` here; the local
//! all-in-one binary mounts the same routes at the same paths.

use axum::Router;
use whoosh_http::AppState;

/// The service's routes, without the shared middleware (for composition).
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// The complete service: routes, health endpoints and the shared middleware.
pub fn router(state: AppState) -> Router {
    whoosh_http::app(routes(), state)
}
