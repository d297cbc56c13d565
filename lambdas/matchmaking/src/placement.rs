//! Where a lobby is played and how a player gets there: the region asked for, the least loaded
//! edge node with room, the lobby's socket URL and the join token that opens it.

use crate::records::now_ms;
use whoosh_core::ErrorCode;
use whoosh_http::{ApiError, AppState};

/// A join token that opens `lobby` on its edge node for `user`, valid `JOIN_TOKEN_TTL` from now.
pub(crate) fn join_token(state: &AppState, user: &str, lobby: &str) -> Result<String, ApiError> {
    state
        .keyring
        .mint(
            &state.tokens,
            whoosh_auth::Grant::join(user, lobby),
            now_ms() / 1000,
            state.config.auth.join_token_ttl,
        )
        .map_err(|e| ApiError::internal(anyhow::anyhow!("minting a join token: {e}")))
}

/// Where a player opens a lobby's socket.
pub(crate) fn socket_url(edge_url: &str, lobby: &str) -> String {
    format!("{}/ws/lobbies/{lobby}", edge_url.trim_end_matches('/'))
}

/// The least loaded live edge node of `region` with `seats` free seats; 503
/// `service_unavailable` when none has room.
pub(crate) async fn node_with_room(
    state: &AppState,
    region: &str,
    seats: u32,
) -> Result<whoosh_cache::EdgeNode, ApiError> {
    state
        .nodes
        .least_loaded(region, seats)
        .await?
        .ok_or_else(|| {
            ApiError::unavailable(
                "a game node",
                anyhow::anyhow!("no live edge node in {region} with {seats} free seats"),
            )
        })
}

/// The region asked for, or the default; 400 `invalid_region` when it is not served.
pub(crate) fn region(state: &AppState, asked: Option<&str>) -> Result<String, ApiError> {
    let config = &state.config.matchmaking;
    match asked {
        None => Ok(config.default_region.clone()),
        Some(region) if config.regions.iter().any(|r| r == region) => Ok(region.to_owned()),
        Some(_) => Err(ApiError::new(
            ErrorCode::InvalidRegion,
            format!("region must be one of: {}", config.regions.join(", ")),
        )),
    }
}
