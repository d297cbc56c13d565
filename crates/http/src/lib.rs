//! The axum plumbing every Whoosh service shares: typed configuration, the application state, the
//! one `ApiError`, extractors, middleware (request ids, JSON logs, limits, timeouts, rate limits),
//! health endpoints, and serving a router either as an AWS Lambda or as a plain HTTP server.

pub mod auth;
pub mod config;
pub mod emf;
pub mod error;
pub mod events;
pub mod extract;
pub mod health;
pub mod leaderboards;
pub mod middleware;
pub mod openapi;
pub mod serve;
pub mod state;
pub mod telemetry;

pub use auth::AuthUser;
pub use config::{Config, ConfigError, MatchmakingConfig};
pub use error::ApiError;

/// The error body in the API document (`body = ErrorBody` in `#[utoipa::path]`).
pub type ErrorBody = error::Body<'static>;
pub use extract::{ClientIp, IdempotencyKey, Json, Page};
pub use serve::{
    ConnTimeouts, app, is_shutting_down, run_service, run_service_with, serve_http, service_main,
    shutdown_signal, shutting_down,
};
pub use state::AppState;
