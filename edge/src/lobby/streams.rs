//! Each player's stream: events numbered and kept for resumption, state messages carrying the
//! latest number, and every message queued for the player's socket without waiting (a socket whose
//! queue is full is dropped).

use super::state::{Lobby, REPLAY_CAPACITY};
use crate::{
    protocol::{ErrorBody, encode},
    transport::close::Close,
};
use axum::extract::ws::Utf8Bytes;
use serde::Serialize;
use std::time::Instant;
use tokio::sync::mpsc;
use whoosh_core::UserId;

impl Lobby {
    pub(super) fn name_of(&self, id: UserId) -> String {
        self.streams
            .get(&id)
            .map_or_else(|| "someone".to_owned(), |s| s.name.clone())
    }

    pub(super) fn users(&self) -> Vec<UserId> {
        self.streams.keys().copied().collect()
    }

    pub(super) fn broadcast(&mut self, kind: &str, body: &impl Serialize) {
        for user in self.users() {
            self.send(user, kind, body);
        }
    }

    pub(super) fn send_error(&mut self, user: UserId, code: &str, message: &str) {
        self.send(user, "ERROR", &ErrorBody { code, message });
    }

    /// Appends an event to `user`'s stream (numbered, kept for resumption) and hands it to their
    /// socket without waiting.
    pub(super) fn send(&mut self, user: UserId, kind: &str, body: &impl Serialize) {
        let Some(stream) = self.streams.get_mut(&user) else {
            return;
        };
        stream.seq += 1;
        let text: Utf8Bytes = encode(kind, stream.seq, body).into();
        if stream.replay.len() == REPLAY_CAPACITY {
            stream.replay.pop_front();
        }
        stream.replay.push_back((stream.seq, text.clone()));
        self.deliver(user, text);
    }

    /// Hands a state message (carrying the latest event's number; superseded by the next state
    /// message, so neither numbered nor kept) to `user`'s socket without waiting.
    pub(super) fn send_state(&mut self, user: UserId, kind: &str, body: &impl Serialize) {
        let Some(stream) = self.streams.get(&user) else {
            return;
        };
        if stream.conn.is_none() {
            return;
        }
        let text: Utf8Bytes = encode(kind, stream.seq, body).into();
        self.deliver(user, text);
    }

    /// Queues `text` for `user`'s socket; a socket whose queue is full is dropped (too slow) and
    /// its player may resume.
    pub(super) fn deliver(&mut self, user: UserId, text: Utf8Bytes) {
        let Some(conn) = self.streams.get(&user).and_then(|s| s.conn.as_ref()) else {
            return;
        };
        match conn.tx.try_send(text) {
            Ok(()) => crate::metrics::hot().messages_out.increment(1),
            Err(mpsc::error::TrySendError::Full(_)) => {
                metrics::counter!("whoosh_edge_drops_total", "reason" => "slow_consumer")
                    .increment(1);
                tracing::info!(lobby_id = %self.record.id, user_id = %user, "socket too slow; dropped");
                self.disconnect(user, Some(Close::too_slow()));
            }
            Err(mpsc::error::TrySendError::Closed(_)) => self.disconnect(user, None),
        }
    }

    /// Marks `user`'s seat as dropped (it is kept for the grace window), closing the socket with
    /// `close` when the lobby is the one ending it.
    pub(super) fn disconnect(&mut self, user: UserId, close: Option<Close>) {
        let Some(stream) = self.streams.get_mut(&user) else {
            return;
        };
        let Some(conn) = stream.conn.take() else {
            return;
        };
        if let Some(close) = close {
            let _ = conn.close.send(close);
        }
        stream.dropped_at = Some(Instant::now());
        let _ = self.room.set_connected(user, false);
        self.broadcast_lobby();
    }
}
