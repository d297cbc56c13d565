//! The pure domain of Whoosh: identifiers, validated newtypes, the stable error codes of the API,
//! and the party game's rules ([`game`]) and lobbies ([`room`]).
//!
//! Nothing here performs I/O, reads a clock or spawns a task; time is passed in by callers. That
//! keeps every rule testable without a socket and shared by the Lambdas and the edge alike.

pub mod account;
pub mod error;
pub mod game;
pub mod group;
pub mod ids;
pub mod matchmaking;
pub mod progression;
pub mod room;

pub use account::{DeviceId, DisplayName, Password, Username};
pub use error::ErrorCode;
pub use group::{GroupDescription, GroupName, GroupRole, GroupTag, Visibility};
pub use ids::UserId;
pub use matchmaking::LobbyCode;

/// A value that failed validation at the edge of the system: which code to answer with and a
/// message a developer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub code: ErrorCode,
    pub message: String,
}

impl Invalid {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
