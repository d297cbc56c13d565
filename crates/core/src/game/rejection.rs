//! Why a player's message was refused. Sent over the WebSocket as `ERROR {code}`; the codes are
//! part of the protocol (docs/PROTOCOL.md): add codes, never rename one. These are not HTTP errors.

use serde::{Deserialize, Serialize};

/// A refused lobby or game message, with a stable snake_case [`code`](Rejection::code) and a
/// human message (`Display`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    #[error("you are not a player in this lobby or game")]
    NotInGame,
    #[error("you cannot suspect yourself")]
    SuspectSelf,
    #[error("that player is not in this game")]
    UnknownTarget,
    #[error("the game is over")]
    GameOver,
    #[error("the game has not started yet")]
    GameNotStarted,
    #[error("the game has already started")]
    GameAlreadyStarted,
    #[error("only the host can start the game")]
    NotHost,
    #[error("a game needs at least 3 connected players")]
    NotEnoughPlayers,
    #[error("every connected player must be ready")]
    PlayersNotReady,
    #[error("the lobby is full")]
    LobbyFull,
    #[error("a chat message must be 1–200 characters without control characters")]
    ChatInvalid,
    #[error("too many chat messages; wait a moment")]
    ChatRateLimited,
}

impl Rejection {
    /// Every rejection, in declaration order.
    pub const ALL: &'static [Rejection] = &[
        Self::NotInGame,
        Self::SuspectSelf,
        Self::UnknownTarget,
        Self::GameOver,
        Self::GameNotStarted,
        Self::GameAlreadyStarted,
        Self::NotHost,
        Self::NotEnoughPlayers,
        Self::PlayersNotReady,
        Self::LobbyFull,
        Self::ChatInvalid,
        Self::ChatRateLimited,
    ];

    /// The wire form, identical to the serde form.
    pub const fn code(self) -> &'static str {
        match self {
            Self::NotInGame => "not_in_game",
            Self::SuspectSelf => "suspect_self",
            Self::UnknownTarget => "unknown_target",
            Self::GameOver => "game_over",
            Self::GameNotStarted => "game_not_started",
            Self::GameAlreadyStarted => "game_already_started",
            Self::NotHost => "not_host",
            Self::NotEnoughPlayers => "not_enough_players",
            Self::PlayersNotReady => "players_not_ready",
            Self::LobbyFull => "lobby_full",
            Self::ChatInvalid => "chat_invalid",
            Self::ChatRateLimited => "chat_rate_limited",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_pinned_and_match_the_serde_form() {
        let codes: Vec<_> = Rejection::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(
            codes,
            [
                "not_in_game",
                "suspect_self",
                "unknown_target",
                "game_over",
                "game_not_started",
                "game_already_started",
                "not_host",
                "not_enough_players",
                "players_not_ready",
                "lobby_full",
                "chat_invalid",
                "chat_rate_limited",
            ]
        );
        for r in Rejection::ALL {
            let json = serde_json::to_string(r).expect("serializes");
            assert_eq!(json, format!("\"{}\"", r.code()));
        }
    }
}
