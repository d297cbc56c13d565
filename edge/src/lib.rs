//! The edge game node: stateful WebSocket lobbies and SSE feeds (`/ws/*`, `/sse/*` behind the ALB
//! and Global Accelerator), plus its health endpoints and Prometheus metrics.
//!
//! The modules are layers, each using only those below it (`scripts/check-layers` keeps it so):
//!
//! - [`node`] (top): what the sockets and lobbies of this process share, the doors of the game
//!   sockets ([`node::upgrades`]: token, origin, caps, the lobby's lease, forwarding), the
//!   registry heartbeat, the revocation and user-event subscriptions, and the drain;
//! - [`feed`]: live leaderboards over SSE;
//! - [`lobby`]: one actor per lobby, owning the room, the game and the players' message streams;
//!   it knows the node only as a [`lobby::Host`];
//! - [`me`]: `/ws/me`, a player's own channel of events (battles, ranks) with resume;
//! - [`transport`]: what every socket shares: upgrade checks and codec caps, the message
//!   allowance, keep-alive, close codes, the write timeout, forwarding to a lobby's owner;
//! - [`protocol`], [`results`], [`metrics`] (bottom): the JSON messages of a lobby socket
//!   (docs/PROTOCOL.md), game results to PostgreSQL exactly once through a durable outbox, and
//!   the node's Prometheus metrics.
//!
//! A `TICK` is built in [`lobby::views`] (with [`protocol::TickFrame`]), queued for each socket in
//! `lobby::streams`, and written by the socket's task in [`lobby::socket`].

pub mod feed;
pub mod lobby;
pub mod me;
pub mod metrics;
pub mod node;
pub mod protocol;
pub mod results;
pub mod transport;
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
        .route("/ws/lobbies/{id}", get(node::upgrades::lobby))
        .route("/ws/me", get(node::upgrades::me))
        .route("/metrics", get(metrics::render))
        .layer(Extension(Arc::new(feed::Feeds::default())))
        .layer(Extension(edge))
}

/// The complete edge service.
pub fn router(state: AppState) -> Router {
    let routes = start(&state);
    whoosh_http::app(routes, state)
}
