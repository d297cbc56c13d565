//! The profiles service: profiles and match history, leaderboards (Redis index over PostgreSQL),
//! action tokens and scores, groups, and account deletion. The ALB routes `/api/profiles/*`,
//! `/api/leaderboards/*`, `/api/scores/*`, `/api/actions/*` and `/api/groups`, `/api/groups/*` here; the local all-in-one binary
//! mounts the same routes at the same paths.

pub mod action_token;
mod groups;
mod leaderboards;
mod profile;
mod scores;

use axum::{
    Router,
    routing::{delete, get, post, put},
};
use utoipa::OpenApi;
use whoosh_http::AppState;

pub use leaderboards::MAX_RADIUS;
pub use profile::{FRESH_LOGIN_SECS, erase_account};
pub use scores::MAX_ACTION_SCORE;

/// The service's routes, without the shared middleware (for composition).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/profiles/me",
            get(profile::me)
                .patch(profile::edit_me)
                .delete(profile::delete_me),
        )
        .route("/api/profiles/{user}", get(profile::public_profile))
        .route("/api/profiles/{user}/matches", get(profile::match_history))
        .route("/api/leaderboards", get(leaderboards::list_boards))
        .route("/api/leaderboards/{board}", get(leaderboards::board_top))
        .route("/api/leaderboards/{board}/me", get(leaderboards::board_me))
        .route(
            "/api/leaderboards/{board}/around-me",
            get(leaderboards::board_around_me),
        )
        .route(
            "/api/leaderboards/{board}/sync",
            post(leaderboards::board_sync),
        )
        .route(
            "/api/leaderboards/{board}/drift-check",
            post(leaderboards::board_drift_check),
        )
        .route("/api/actions", post(scores::register_action))
        .route("/api/scores", post(scores::submit_score))
        .route("/api/groups", post(groups::create))
        .route("/api/groups/me", get(groups::mine))
        .route("/api/groups/leaderboard", get(groups::leaderboard))
        .route("/api/groups/join", post(groups::join_by_invite))
        .route(
            "/api/groups/{id}",
            get(groups::show).delete(groups::disband),
        )
        .route("/api/groups/{id}/join", post(groups::join))
        .route("/api/groups/{id}/leave", post(groups::leave))
        .route("/api/groups/{id}/invites", post(groups::invite))
        .route("/api/groups/{id}/transfer", post(groups::transfer))
        .route("/api/groups/{id}/members", get(groups::members))
        .route("/api/groups/{id}/members/{user}", delete(groups::kick))
        .route(
            "/api/groups/{id}/members/{user}/role",
            put(groups::set_role),
        )
}

/// The routes a deployed profiles service serves: [`routes`] and its part of the API document at
/// `GET /api/openapi.json`.
pub fn service_routes() -> Router<AppState> {
    whoosh_http::openapi::with_document(routes(), openapi())
}

/// The profiles service's part of the API document.
#[derive(OpenApi)]
#[openapi(paths(
    profile::me,
    profile::edit_me,
    profile::delete_me,
    profile::public_profile,
    profile::match_history,
    leaderboards::list_boards,
    leaderboards::board_top,
    leaderboards::board_me,
    leaderboards::board_around_me,
    leaderboards::board_sync,
    leaderboards::board_drift_check,
    scores::register_action,
    scores::submit_score,
    groups::create,
    groups::mine,
    groups::leaderboard,
    groups::join_by_invite,
    groups::show,
    groups::disband,
    groups::join,
    groups::leave,
    groups::invite,
    groups::transfer,
    groups::members,
    groups::kick,
    groups::set_role
))]
struct ApiDoc;

/// The profiles service's endpoints in the API document (see `whoosh_http::openapi`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The complete service: routes, health endpoints and the shared middleware.
pub fn router(state: AppState) -> Router {
    whoosh_http::app(service_routes(), state)
}
