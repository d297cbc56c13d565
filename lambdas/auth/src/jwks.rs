//! `/.well-known/jwks.json`: every key that verifies tokens, so other services (and tokens
//! signed before a rotation) keep working.

use axum::{extract::State, http::header, response::IntoResponse};
use std::time::Duration;
use utoipa::ToSchema;
use whoosh_http::{AppState, Json};

/// The public signing keys (RFC 7517), current and rotated-in; cacheable for five minutes.
#[derive(ToSchema)]
#[allow(dead_code)] // The document's description of `Keyring::jwks`.
pub(crate) struct Jwks {
    #[schema(value_type = Vec<Object>)]
    keys: Vec<serde_json::Value>,
}

/// Verifiers may cache the key set this long; a rotated-in key verifies (and is published) long
/// before it signs (`whoosh keys rotate --activate-in`).
const JWKS_MAX_AGE: Duration = Duration::from_secs(300);

/// The public keys that verify Whoosh tokens.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth", responses(
    (status = 200, description = "The key set; `Cache-Control: public, max-age=300`.", body = Jwks),
))]
pub(crate) async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CACHE_CONTROL,
            format!("public, max-age={}", JWKS_MAX_AGE.as_secs()),
        )],
        Json(state.keyring.jwks()),
    )
}
