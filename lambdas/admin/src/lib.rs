//! The admin service: the operator console's API. The ALB routes `/api/admin/*` here; the local
//! all-in-one binary mounts the same routes at the same paths and serves the console itself at
//! `/console`.
//!
//! Staff sign in with accounts of their own (`whoosh admin create` makes the first) and get an
//! admin token, a kind no player endpoint accepts (nor do these accept a player's token). Roles:
//! viewer reads, support also changes players (coins, sessions, bans), admin also maintains
//! leaderboards. Every request must carry `X-Whoosh-Console`, which a cross-site form cannot send.
//! Every change, and every sign-in, is an audit row that nothing can edit or delete.

mod console;
mod live;
mod players;
pub mod staff;

use axum::{
    Router,
    routing::{get, post},
};
use utoipa::OpenApi;
use whoosh_http::AppState;

pub use staff::CONSOLE_HEADER;

/// The service's routes, without the shared middleware (for composition). Each carries the
/// console-header check.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/admin/login", post(staff::login))
        .route("/api/admin/logout", post(staff::logout))
        .route("/api/admin/me", get(staff::me))
        .route("/api/admin/players", get(players::search))
        .route("/api/admin/players/{player}", get(players::show))
        .route("/api/admin/players/{player}/matches", get(players::matches))
        .route("/api/admin/players/{player}/ledger", get(players::ledger))
        .route("/api/admin/players/{player}/grants", post(players::grant))
        .route("/api/admin/players/{player}/ban", post(players::ban))
        .route("/api/admin/players/{player}/unban", post(players::unban))
        .route(
            "/api/admin/players/{player}/sessions/end-all",
            post(players::end_all_sessions),
        )
        .route(
            "/api/admin/players/{player}/sessions/{session}/end",
            post(players::end_session),
        )
        .route("/api/admin/audit", get(players::audit))
        .route("/api/admin/live", get(live::live))
        .route("/api/admin/leaderboards", get(live::list_boards))
        .route("/api/admin/leaderboards/{board}", get(live::board_top))
        .route(
            "/api/admin/leaderboards/{board}/drift-check",
            post(live::drift_check),
        )
        .route(
            "/api/admin/leaderboards/{board}/rebuild",
            post(live::rebuild),
        )
        .route_layer(axum::middleware::from_fn(staff::require_console_header))
        .merge(console::routes())
}

/// The routes a deployed admin service serves: [`routes`] and its part of the API document at
/// `GET /api/openapi.json`.
pub fn service_routes() -> Router<AppState> {
    whoosh_http::openapi::with_document(routes(), openapi())
}

/// The admin service's part of the API document.
#[derive(OpenApi)]
#[openapi(paths(
    staff::login,
    staff::logout,
    staff::me,
    players::search,
    players::show,
    players::matches,
    players::ledger,
    players::grant,
    players::ban,
    players::unban,
    players::end_all_sessions,
    players::end_session,
    players::audit,
    live::live,
    live::list_boards,
    live::board_top,
    live::drift_check,
    live::rebuild
))]
struct ApiDoc;

/// The admin service's endpoints in the API document (see `whoosh_http::openapi`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The complete service: routes, health endpoints and the shared middleware.
pub fn router(state: AppState) -> Router {
    whoosh_http::app(service_routes(), state)
}
