//! How the server ends a socket: the close code and reason ([`Close`]), and sending the close frame.

use axum::extract::ws::{CloseFrame, Message};
use futures_util::SinkExt;
use std::time::Duration;

/// How the server ends a socket: a close code and a reason clients can show or act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: &'static str,
}

impl Close {
    pub const fn normal(reason: &'static str) -> Self {
        Self { code: 1000, reason }
    }
    /// The node is shutting down; reconnect (with `last_seq`) to resume.
    pub const fn going_away() -> Self {
        Self {
            code: 1001,
            reason: "server going away; reconnect to resume",
        }
    }
    pub const fn policy(reason: &'static str) -> Self {
        Self { code: 1008, reason }
    }
    pub const fn too_big() -> Self {
        Self {
            code: 1009,
            reason: "message too big",
        }
    }
    /// The socket's outbound queue overflowed.
    pub const fn too_slow() -> Self {
        Self {
            code: 1013,
            reason: "too slow; reconnect with last_seq to resume",
        }
    }
    /// Another socket took this seat.
    pub const fn replaced() -> Self {
        Self {
            code: 4000,
            reason: "replaced by a newer connection",
        }
    }
}

pub(crate) async fn close<S>(sink: &mut S, how: Close)
where
    S: SinkExt<Message> + Unpin,
{
    let frame = CloseFrame {
        code: how.code,
        reason: how.reason.into(),
    };
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        sink.send(Message::Close(Some(frame))),
    )
    .await;
}
