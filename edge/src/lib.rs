//! The edge game node: stateful WebSocket lobbies and SSE feeds (`/ws/*`, `/sse/*` behind the ALB
//! and Global Accelerator), plus its health endpoints.

pub mod feed;

use axum::{Extension, Router, routing::get};
use std::sync::Arc;
use whoosh_http::AppState;

/// The edge's routes, without the shared middleware (for composition).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sse/leaderboards/{board}", get(feed::leaderboard_feed))
        .layer(Extension(Arc::new(feed::Feeds::default())))
}

/// The complete edge service.
pub fn router(state: AppState) -> Router {
    whoosh_http::app(routes(), state)
}
