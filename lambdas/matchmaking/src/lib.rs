//! The matchmaking service. The ALB routes `/api/matchmaking/*`, `/api/lobbies/*` and
//! `/api/battles`, `/api/battles/*` here; the local all-in-one binary mounts the same routes at the
//! same paths.
//!
//! - Tickets (quick match): a player, or a party's leader for the whole party, asks for a match;
//!   the matcher loop ([`run_matcher`]) groups waiting tickets by rating and places each group in a
//!   lobby on a live edge node; every player on a matched ticket then reads `{lobby_id, edge_url,
//!   join_token}` from it.
//! - Parties: friends gather under a join code and queue together.
//! - Private lobbies: a host opens a lobby and shares its join code.
//! - Battles: a challenge between two players or two groups, played in a lobby of their own.
//!
//! Tickets, parties and lobbies live in Redis (`whoosh_cache`); PostgreSQL gives the ratings.

mod battles;
mod join_code;
mod lobbies;
pub mod matcher;
mod parties;
mod placement;
mod records;
mod ticket_view;
mod tickets;

use axum::{
    Router,
    routing::{get, post},
};
use whoosh_http::AppState;

pub use matcher::{FormedLobby, PassReport, match_pass, run_matcher};
pub use records::{MODES, TICKET_KEEP};

/// The service's routes, without the shared middleware (for composition).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/matchmaking/tickets", post(tickets::create))
        .route(
            "/api/matchmaking/tickets/{id}",
            get(tickets::show).delete(tickets::cancel),
        )
        .route("/api/lobbies", post(lobbies::create))
        .route("/api/lobbies/join", post(lobbies::join))
        .route("/api/lobbies/{id}", get(lobbies::show))
        .route("/api/lobbies/parties", post(parties::create))
        .route("/api/lobbies/parties/join", post(parties::join))
        .route("/api/lobbies/parties/{id}", get(parties::show))
        .route("/api/lobbies/parties/{id}/leave", post(parties::leave))
        .route("/api/battles", post(battles::create))
        .route("/api/battles/{id}", get(battles::show))
        .route("/api/battles/{id}/join", post(battles::join))
        .route("/api/battles/{id}/invite", post(battles::invite))
        .route("/api/battles/{id}/begin", post(battles::begin))
}

/// The routes a deployed matchmaking service serves: [`routes`] and its part of the API document
/// at `GET /api/openapi.json`.
pub fn service_routes() -> Router<AppState> {
    whoosh_http::openapi::with_document(routes(), openapi())
}

/// The matchmaking service's part of the API document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    tickets::create,
    tickets::show,
    tickets::cancel,
    lobbies::create,
    lobbies::join,
    lobbies::show,
    parties::create,
    parties::join,
    parties::show,
    parties::leave,
    battles::create,
    battles::show,
    battles::join,
    battles::invite,
    battles::begin
))]
struct ApiDoc;

/// The matchmaking service's endpoints in the API document (see `whoosh_http::openapi`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    <ApiDoc as utoipa::OpenApi>::openapi()
}

/// The complete service: routes, health endpoints and the shared middleware.
pub fn router(state: AppState) -> Router {
    whoosh_http::app(service_routes(), state)
}
