//! Where the service's records live: the ticket queue and the party directory in Redis, the game
//! modes a ticket may ask for, how long a ticket's record outlives it, and the wall clock handlers
//! stamp records with (the matcher takes its clock as an argument).

use std::time::Duration;
use whoosh_cache::{PartyDirectory, TicketQueue};
use whoosh_http::AppState;

pub use whoosh_core::matchmaking::MODES;

/// How long a ticket's record outlives its expiry, so that polling clients learn it expired
/// rather than that it never existed.
pub const TICKET_KEEP: Duration = Duration::from_secs(600);

pub(crate) fn ticket_queue(state: &AppState) -> TicketQueue {
    TicketQueue::new(state.redis.clone(), state.keys.clone())
}

pub(crate) fn party_directory(state: &AppState) -> PartyDirectory {
    PartyDirectory::new(state.redis.clone(), state.keys.clone())
}

/// Wall-clock time for request handlers.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
