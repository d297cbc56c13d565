//! The edge game node: stateful WebSocket lobbies and SSE feeds (`/ws/*`, `/sse/*` behind the ALB
//! and Global Accelerator), plus its health endpoints.

use axum::Router;
use whoosh_http::AppState;

/// The edge's routes, without the shared middleware (for composition).
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// The complete edge service.
pub fn router(state: AppState) -> Router {
    whoosh_http::app(routes(), state)
}
