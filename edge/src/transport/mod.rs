//! What every socket of the edge shares, below the lobbies and the player channel: the checks and
//! codec settings of an upgrade ([`upgrade`]), reading a client's frames under its allowance
//! ([`inbound`]), pings and the idle timeout ([`keep_alive`]), close codes and close frames
//! ([`close`]), the write timeout, and pumping a socket to the node that owns its lobby
//! ([`forward`]). Nothing here knows a lobby or the node.

pub mod close;
pub mod forward;
pub mod inbound;
pub mod keep_alive;
pub mod upgrade;

use std::time::Duration;

/// A write that takes longer than this ends the socket.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
