//! The auth service: accounts (full and guest), sessions with rotating refresh tokens, password
//! changes, and the JWKS. The ALB routes `/api/auth/*` and `/.well-known/jwks.json` here; the
//! local all-in-one binary mounts the same routes at the same paths.
//!
//! Credentials are checked in constant shape: an unknown user and a wrong password answer the same
//! status, body and (through a dummy hash) time. Logins are throttled per account and per address.
//!
//! Telegram linking lives here too: a signed-in player asks for a single-use code, opens
//! `https://t.me/<bot>?start=<code>`, and Telegram posts the `/start <code>` message to the
//! webhook, which links that chat to the account. `whoosh notifier` then sends there.

mod jwks;
mod renewal;
mod session;
mod sign_in;
mod telegram_link;

use axum::{
    Router,
    routing::{get, post},
};
use utoipa::OpenApi;
use whoosh_http::AppState;

/// The service's routes, without the shared middleware (for composition).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(sign_in::register))
        .route("/api/auth/login", post(sign_in::login))
        .route("/api/auth/guest", post(sign_in::guest))
        .route("/api/auth/upgrade", post(sign_in::upgrade))
        .route("/api/auth/refresh", post(renewal::refresh_session))
        .route("/api/auth/logout", post(renewal::logout))
        .route("/api/auth/logout-all", post(renewal::logout_all))
        .route("/api/auth/password", post(renewal::change_password))
        .route("/api/auth/me", get(sign_in::me))
        .route(
            "/api/auth/telegram/link",
            post(telegram_link::telegram_link),
        )
        .route(
            "/api/auth/telegram/webhook",
            post(telegram_link::telegram_webhook),
        )
        .route("/.well-known/jwks.json", get(jwks::jwks))
}

/// The routes a deployed auth service serves: [`routes`] and its part of the API document at
/// `GET /api/openapi.json`.
pub fn service_routes() -> Router<AppState> {
    whoosh_http::openapi::with_document(routes(), openapi())
}

/// The complete service: routes, health endpoints and the shared middleware.
pub fn router(state: AppState) -> Router {
    whoosh_http::app(service_routes(), state)
}

/// The auth service's part of the API document.
#[derive(OpenApi)]
#[openapi(paths(
    sign_in::register,
    sign_in::login,
    sign_in::guest,
    sign_in::upgrade,
    renewal::refresh_session,
    renewal::logout,
    renewal::logout_all,
    renewal::change_password,
    sign_in::me,
    telegram_link::telegram_link,
    telegram_link::telegram_webhook,
    jwks::jwks
))]
struct ApiDoc;

/// The auth service's endpoints in the API document (see `whoosh_http::openapi`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
