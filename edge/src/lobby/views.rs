//! What a lobby shows its players: the `LOBBY` view every player gets when it changes, and the
//! `TICK` each playing player gets every tick, built from the part all players share (serialised
//! once, [`TickFrame`]) and their secret part.

use super::state::Lobby;
use crate::protocol::TickFrame;
use axum::extract::ws::Utf8Bytes;
use serde_json::json;
use whoosh_core::UserId;

impl Lobby {
    /// `TICK` to every connected player: their view and when the server sent it (Unix ms;
    /// clients can gauge latency). The part of the view all players share is serialised once
    /// (see [`TickFrame`]).
    pub(super) fn send_ticks(&mut self) {
        let Some(game) = &self.game else { return };
        let server_ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        let frame = TickFrame::new(&game.shared_view(), server_ms);
        let ticks: Vec<(UserId, Utf8Bytes)> = self
            .streams
            .iter()
            .filter(|(_, stream)| stream.conn.is_some())
            .filter_map(|(user, stream)| {
                let secret = game.secret_view(*user)?;
                Some((*user, frame.for_player(stream.seq, &secret).into()))
            })
            .collect();
        for (user, text) in ticks {
            self.deliver(user, text);
        }
    }

    pub(super) fn lobby_view(&self) -> serde_json::Value {
        let players: Vec<_> = self
            .room
            .seats()
            .iter()
            .map(|seat| {
                json!({
                    "user_id": seat.user,
                    "name": seat.display_name,
                    "rating": seat.rating,
                    "ready": seat.ready,
                    "connected": self.streams.get(&seat.user).is_some_and(|s| s.conn.is_some()),
                    "host": self.room.host() == Some(seat.user),
                })
            })
            .collect();
        json!({
            "id": self.record.id,
            "kind": self.record.kind.as_str(),
            "state": self.phase,
            "host": self.room.host(),
            "code": self.record.code,
            "settings": { "round_secs": self.record.round_secs, "max_players": self.record.max_players },
            "players": players,
        })
    }

    pub(super) fn broadcast_lobby(&mut self) {
        let body = json!({ "lobby": self.lobby_view() });
        for user in self.users() {
            self.send_state(user, "LOBBY", &body);
        }
    }
}
