//! The edge game node: stateful WebSocket lobbies and SSE feeds (`/ws/*`, `/sse/*` behind the ALB
//! and Global Accelerator), plus its health endpoints and Prometheus metrics.
//!
//! - [`socket`]: the upgrade (token, origin, caps) and one task per socket;
//! - [`lobby`]: one actor per lobby, owning the room, the game and the players' message streams;
//! - [`node`]: what the sockets and lobbies of this process share, and the node's background tasks;
//! - [`results`]: game results to PostgreSQL exactly once, through a durable outbox;
//! - [`forward`]: a socket that reached a node other than its lobby's owner, pumped to the owner;
//! - [`feed`]: live leaderboards over SSE;
//! - [`me`]: `/ws/me`, a player's own channel of events (battles, ranks) with resume;
//! - [`protocol`]: the JSON messages of a lobby socket (docs/PROTOCOL.md).

pub mod feed;
pub mod forward;
pub mod lobby;
pub mod me;
pub mod metrics;
pub mod node;
pub mod protocol;
pub mod results;
pub mod socket;

use axum::{Extension, Router, routing::get};
pub use node::Edge;
use std::sync::Arc;
use whoosh_http::AppState;

/// Starts this process's edge node (registry heartbeat, revocation listener, outbox worker) and
/// returns its routes, without the shared middleware (for composition).
pub fn start(state: &AppState) -> Router<AppState> {
    routes(Edge::start(state))
}

/// The routes of a started node.
pub fn routes(edge: Edge) -> Router<AppState> {
    metrics::install();
    Router::new()
        .route("/sse/leaderboards/{board}", get(feed::leaderboard_feed))
        .route("/ws/lobbies/{id}", get(socket::upgrade))
        .route("/ws/me", get(me::upgrade))
        .route("/metrics", get(metrics::render))
        .layer(Extension(Arc::new(feed::Feeds::default())))
        .layer(Extension(edge))
}

/// The complete edge service.
pub fn router(state: AppState) -> Router {
    let routes = start(&state);
    whoosh_http::app(routes, state)
}
