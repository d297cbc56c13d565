//! What both kinds of game socket check and set before the upgrade: the `Origin` allow-list, where
//! the token is found, the subprotocol, and the codec's caps; and the header a forwarding node adds.

use axum::{
    extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection},
    http::{HeaderMap, header},
};
use std::time::Duration;
use whoosh_core::ErrorCode;
use whoosh_http::{ApiError, AppState};

/// The subprotocol a browser offers, next to `bearer.<join token>`.
pub const SUBPROTOCOL: &str = "whoosh.v1";
/// Prefix of the subprotocol entry that carries the join token (browsers cannot set headers).
pub const TOKEN_PROTOCOL_PREFIX: &str = "bearer.";
/// `Retry-After` of refusals for a full node or address.
pub const RETRY_FULL: Duration = Duration::from_secs(5);

/// Header on forwarded upgrades: a service token of the forwarding edge node.
pub const FORWARDED_BY: &str = "x-whoosh-forwarded-by";

/// Refuses a browser page whose `Origin` is not in `ALLOWED_ORIGINS` (a request without one —
/// a native client — passes: its token authenticates it).
pub(crate) fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default().trim_end_matches('/');
        if !state
            .config
            .http
            .allowed_origins
            .iter()
            .any(|o| o == origin)
        {
            return Err(ApiError::new(
                ErrorCode::OriginNotAllowed,
                "this page's origin may not open game sockets (see ALLOWED_ORIGINS)",
            ));
        }
    }
    Ok(())
}

/// A socket's token from `Authorization: Bearer`, a `bearer.<token>` subprotocol, or `?token=`.
pub(crate) fn socket_token<'a>(headers: &'a HeaderMap, query: Option<&'a str>) -> Option<&'a str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let protocol = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().strip_prefix(TOKEN_PROTOCOL_PREFIX));
    bearer.or(protocol).or(query).map(str::trim)
}

/// Every socket of the edge the same way: a plain HTTP request (no upgrade) is 426
/// `upgrade_required`; frames and messages are capped at `max_message_bytes`, the read buffer is
/// small and writes are not buffered (each message goes out when sent), for memory per idle player.
pub(crate) fn configure_upgrade(
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    max_message_bytes: usize,
) -> Result<WebSocketUpgrade, ApiError> {
    let Ok(ws) = ws else {
        return Err(ApiError::new(
            ErrorCode::UpgradeRequired,
            "this endpoint speaks WebSocket only: send an upgrade request",
        ));
    };
    Ok(ws
        .protocols([SUBPROTOCOL])
        .max_message_size(max_message_bytes)
        .max_frame_size(max_message_bytes)
        .read_buffer_size(1024)
        .write_buffer_size(0))
}
