//! A lobby's own entries in the directory (its state, a private lobby's join code), retried through
//! a short Redis outage.

use std::time::Duration;
use whoosh_http::AppState;

/// Pauses between attempts of a directory update; the last (zero) ends the attempts.
const DIRECTORY_RETRIES: [Duration; 5] = [
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::ZERO,
];

/// Records the lobby's state in the directory, retrying through a short Redis outage (the
/// matchmaker refuses joins to started lobbies by it).
pub(super) async fn set_state(app: &AppState, id: &str, state: &str) {
    for pause in DIRECTORY_RETRIES {
        match app.lobbies.set_state(id, state).await {
            Ok(()) => return,
            Err(error) if pause.is_zero() => {
                tracing::warn!(lobby_id = id, %error, "could not record the lobby state in the directory");
            }
            Err(_) => tokio::time::sleep(pause).await,
        }
    }
}

/// Frees a started lobby's join code, retrying through a short Redis outage (else it frees
/// itself when it expires with the lobby).
pub(super) async fn release_code(app: &AppState, code: &str) {
    for pause in DIRECTORY_RETRIES {
        match app.lobbies.release_code(code).await {
            Ok(()) => return,
            Err(error) if pause.is_zero() => {
                tracing::warn!(%error, "could not release a join code");
            }
            Err(_) => tokio::time::sleep(pause).await,
        }
    }
}
