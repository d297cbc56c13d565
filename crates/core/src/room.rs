//! The lobby before a game, private or quick-match: who is seated, who is ready, who may start.
//!
//! * A **private** room has a host who chose its [`RoomSettings`] (round 60–600 s, 3–10 seats).
//!   Only the host starts (`not_host`); it takes at least 3 connected seats
//!   (`not_enough_players`), and every connected seat except the host's must be ready
//!   (`players_not_ready`). If the host leaves, the first connected seat (else the first seat)
//!   becomes host.
//! * A **quick-match** room has no host and 180 s rounds; the server starts it with
//!   [`Room::start_now`] when the matched players are present or the wait has run out.
//! * Only connected seats play. Joining a full room is `lobby_full`; joining again while seated
//!   is a rejoin (the seat is kept, marked connected, its profile refreshed). Once a game has
//!   started only seated players may rejoin (`game_already_started`) until
//!   [`Room::back_to_lobby`].
//! * The server may replace the round length with [`GameConfig::round_secs_override`] — a server
//!   setting for integration tests and development (e.g. 5 s rounds), never a lobby's choice.

use crate::game::{self, Game, Outcome, Player, Rejection};
use crate::{ErrorCode, Invalid, UserId};
use serde::{Deserialize, Serialize};

/// What a room's players agreed on. Valid by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSettings {
    round_secs: u32,
    max_players: u8,
}

impl RoomSettings {
    pub const MIN_ROUND_SECS: u32 = 60;
    pub const MAX_ROUND_SECS: u32 = 600;
    pub const QUICK_MATCH_ROUND_SECS: u32 = 180;

    /// Settings for a private lobby: round 60–600 s, 3–10 players.
    pub fn new(round_secs: u32, max_players: u8) -> Result<Self, Invalid> {
        if !(Self::MIN_ROUND_SECS..=Self::MAX_ROUND_SECS).contains(&round_secs) {
            return Err(Invalid::new(
                ErrorCode::InvalidRequest,
                format!(
                    "round_secs must be {}–{}",
                    Self::MIN_ROUND_SECS,
                    Self::MAX_ROUND_SECS
                ),
            ));
        }
        Self::quick_match(max_players).map(|s| Self { round_secs, ..s })
    }

    /// Settings for a quick-match lobby: 180 s rounds, 3–10 players.
    pub fn quick_match(max_players: u8) -> Result<Self, Invalid> {
        if !(game::MIN_PLAYERS..=game::MAX_PLAYERS).contains(&usize::from(max_players)) {
            return Err(Invalid::new(
                ErrorCode::InvalidRequest,
                format!(
                    "max_players must be {}–{}",
                    game::MIN_PLAYERS,
                    game::MAX_PLAYERS
                ),
            ));
        }
        Ok(Self {
            round_secs: Self::QUICK_MATCH_ROUND_SECS,
            max_players,
        })
    }

    pub fn round_secs(&self) -> u32 {
        self.round_secs
    }

    pub fn max_players(&self) -> u8 {
        self.max_players
    }
}

/// Server-side knobs for starting games, not chosen by a lobby.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GameConfig {
    /// Replaces the room's round length (clamped to 1–600 s by [`Game::new`]).
    pub round_secs_override: Option<u32>,
    /// Game ticks per second (clamped to 1–30 by [`Game::with_tick_rate`]; 0 means 1).
    pub tick_hz: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    pub user: UserId,
    pub display_name: String,
    pub rating: i32,
    pub games_played: u32,
    pub ready: bool,
    pub connected: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinOutcome {
    Joined,
    Rejoined,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    host: Option<UserId>,
    settings: RoomSettings,
    seats: Vec<Seat>,
    started: bool,
}

impl Room {
    /// A private room with `host` seated in it.
    pub fn private(host: Seat, settings: RoomSettings) -> Room {
        let mut room = Room {
            host: Some(host.user),
            settings,
            seats: Vec::new(),
            started: false,
        };
        room.seats.push(Seat {
            ready: false,
            connected: true,
            ..host
        });
        room
    }

    /// An empty room without a host.
    pub fn quick_match(settings: RoomSettings) -> Room {
        Room {
            host: None,
            settings,
            seats: Vec::new(),
            started: false,
        }
    }

    pub fn host(&self) -> Option<UserId> {
        self.host
    }

    pub fn settings(&self) -> &RoomSettings {
        &self.settings
    }

    /// In join order.
    pub fn seats(&self) -> &[Seat] {
        &self.seats
    }

    pub fn is_started(&self) -> bool {
        self.started
    }

    /// Seats a player (connected, not ready), or takes a seated player back.
    pub fn join(&mut self, seat: Seat) -> Result<JoinOutcome, Rejection> {
        if let Some(seated) = self.seat_mut(seat.user) {
            seated.display_name = seat.display_name;
            seated.rating = seat.rating;
            seated.games_played = seat.games_played;
            seated.connected = true;
            return Ok(JoinOutcome::Rejoined);
        }
        if self.started {
            return Err(Rejection::GameAlreadyStarted);
        }
        if self.seats.len() >= usize::from(self.settings.max_players) {
            return Err(Rejection::LobbyFull);
        }
        self.seats.push(Seat {
            ready: false,
            connected: true,
            ..seat
        });
        Ok(JoinOutcome::Joined)
    }

    /// Frees `user`'s seat; a leaving host hands over to the next seat.
    pub fn leave(&mut self, user: UserId) -> Result<(), Rejection> {
        let index = self.position(user)?;
        self.seats.remove(index);
        if self.host == Some(user) {
            self.host = self
                .seats
                .iter()
                .find(|s| s.connected)
                .or(self.seats.first())
                .map(|s| s.user);
        }
        Ok(())
    }

    pub fn set_connected(&mut self, user: UserId, connected: bool) -> Result<(), Rejection> {
        let index = self.position(user)?;
        self.seats[index].connected = connected;
        Ok(())
    }

    pub fn set_ready(&mut self, user: UserId, ready: bool) -> Result<(), Rejection> {
        let index = self.position(user)?;
        if self.started {
            return Err(Rejection::GameAlreadyStarted);
        }
        self.seats[index].ready = ready;
        Ok(())
    }

    /// The host starts a private room's game with the connected seats.
    pub fn start(&mut self, by: UserId, seed: u64, config: &GameConfig) -> Result<Game, Rejection> {
        if self.started {
            return Err(Rejection::GameAlreadyStarted);
        }
        if self.host != Some(by) {
            return Err(Rejection::NotHost);
        }
        if self.seats.iter().filter(|s| s.connected).count() < game::MIN_PLAYERS {
            return Err(Rejection::NotEnoughPlayers);
        }
        if self
            .seats
            .iter()
            .any(|s| s.connected && !s.ready && s.user != by)
        {
            return Err(Rejection::PlayersNotReady);
        }
        self.deal(seed, config)
    }

    /// The server starts a quick-match room's game with the connected seats, ready or not.
    pub fn start_now(&mut self, seed: u64, config: &GameConfig) -> Result<Game, Rejection> {
        if self.started {
            return Err(Rejection::GameAlreadyStarted);
        }
        if self.host.is_some() {
            return Err(Rejection::NotHost);
        }
        self.deal(seed, config)
    }

    /// Reopens the room after `outcome`: seats take their new rating and, unless the game was
    /// abandoned, one more game played; everyone must ready up again.
    pub fn back_to_lobby(&mut self, outcome: &Outcome) {
        self.started = false;
        for seat in &mut self.seats {
            seat.ready = false;
            if let Some(result) = outcome.players.iter().find(|r| r.user == seat.user) {
                seat.rating = seat.rating.saturating_add(result.rating_delta);
                if outcome.winner.is_some() {
                    seat.games_played = seat.games_played.saturating_add(1);
                }
            }
        }
    }

    fn deal(&mut self, seed: u64, config: &GameConfig) -> Result<Game, Rejection> {
        let players: Vec<Player> = self
            .seats
            .iter()
            .filter(|s| s.connected)
            .map(|s| Player {
                user: s.user,
                rating: s.rating,
                games_played: s.games_played,
                connected: true,
            })
            .collect();
        let round_secs = config
            .round_secs_override
            .unwrap_or(self.settings.round_secs);
        let game = Game::with_tick_rate(players, round_secs, config.tick_hz, seed)?;
        self.started = true;
        Ok(game)
    }

    fn position(&self, user: UserId) -> Result<usize, Rejection> {
        self.seats
            .iter()
            .position(|s| s.user == user)
            .ok_or(Rejection::NotInGame)
    }

    fn seat_mut(&mut self, user: UserId) -> Option<&mut Seat> {
        self.seats.iter_mut().find(|s| s.user == user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::Side;
    use uuid::Uuid;

    fn uid(i: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(i + 1))
    }

    fn seat(i: u128) -> Seat {
        Seat {
            user: uid(i),
            display_name: format!("player {i}"),
            rating: 1200,
            games_played: 0,
            ready: true,
            connected: false,
        }
    }

    /// A private room of `n` seats, host `uid(0)`, round 60 s.
    fn room(n: u128, max_players: u8) -> Room {
        let settings = RoomSettings::new(60, max_players).expect("valid settings");
        let mut room = Room::private(seat(0), settings);
        for i in 1..n {
            assert_eq!(room.join(seat(i)), Ok(JoinOutcome::Joined));
        }
        room
    }

    fn ready_all(room: &mut Room) {
        for i in 0..room.seats().len() as u128 {
            room.set_ready(uid(i), true).expect("seated");
        }
    }

    #[test]
    fn settings_are_bounded() {
        assert!(RoomSettings::new(59, 5).is_err());
        assert!(RoomSettings::new(601, 5).is_err());
        assert!(RoomSettings::new(60, 2).is_err());
        assert!(RoomSettings::new(60, 11).is_err());
        let settings = RoomSettings::new(600, 10).expect("valid");
        assert_eq!((settings.round_secs(), settings.max_players()), (600, 10));
        let quick = RoomSettings::quick_match(3).expect("valid");
        assert_eq!(quick.round_secs(), 180);
        assert_eq!(
            RoomSettings::new(30, 5).map_err(|e| e.code),
            Err(ErrorCode::InvalidRequest)
        );
    }

    #[test]
    fn joining_seats_a_player_not_ready_and_a_full_room_refuses() {
        let mut room = room(3, 3);
        assert!(room.seats().iter().all(|s| s.connected && !s.ready));
        assert_eq!(room.join(seat(3)), Err(Rejection::LobbyFull));
        room.set_connected(uid(2), false).expect("seated");
        let mut renamed = seat(2);
        renamed.display_name = "new name".into();
        assert_eq!(
            room.join(renamed),
            Ok(JoinOutcome::Rejoined),
            "a rejoin fits when full"
        );
        assert!(room.seats()[2].connected);
        assert_eq!(room.seats()[2].display_name, "new name");
        assert_eq!(room.seats().len(), 3);
    }

    #[test]
    fn only_the_host_starts_a_private_room() {
        let mut room = room(3, 5);
        ready_all(&mut room);
        let config = GameConfig::default();
        assert_eq!(room.start(uid(1), 7, &config), Err(Rejection::NotHost));
        assert_eq!(room.start_now(7, &config), Err(Rejection::NotHost));
        let game = room.start(uid(0), 7, &config).expect("starts");
        assert_eq!(game.round_secs(), 60);
        assert_eq!(
            room.start(uid(0), 7, &config),
            Err(Rejection::GameAlreadyStarted)
        );
    }

    #[test]
    fn a_start_needs_three_connected_seats() {
        let config = GameConfig::default();
        let mut two = room(2, 5);
        ready_all(&mut two);
        assert_eq!(
            two.start(uid(0), 1, &config),
            Err(Rejection::NotEnoughPlayers)
        );
        let mut three = room(3, 5);
        ready_all(&mut three);
        three.set_connected(uid(2), false).expect("seated");
        assert_eq!(
            three.start(uid(0), 1, &config),
            Err(Rejection::NotEnoughPlayers)
        );
    }

    #[test]
    fn connected_players_other_than_the_host_must_be_ready() {
        let config = GameConfig::default();
        let mut room = room(4, 5);
        room.set_ready(uid(1), true).expect("seated");
        room.set_ready(uid(2), true).expect("seated");
        assert_eq!(
            room.start(uid(0), 1, &config),
            Err(Rejection::PlayersNotReady)
        );
        room.set_connected(uid(3), false).expect("seated");
        let game = room
            .start(uid(0), 1, &config)
            .expect("the host need not be ready");
        let playing: Vec<UserId> = game.players().map(|p| p.user).collect();
        assert_eq!(
            playing,
            [uid(0), uid(1), uid(2)],
            "only connected seats play"
        );
    }

    #[test]
    fn a_started_room_takes_back_only_its_own_players() {
        let mut room = room(3, 5);
        ready_all(&mut room);
        room.start(uid(0), 1, &GameConfig::default())
            .expect("starts");
        assert_eq!(room.join(seat(5)), Err(Rejection::GameAlreadyStarted));
        assert_eq!(
            room.set_ready(uid(1), false),
            Err(Rejection::GameAlreadyStarted)
        );
        room.set_connected(uid(1), false).expect("seated");
        assert_eq!(room.join(seat(1)), Ok(JoinOutcome::Rejoined));
    }

    #[test]
    fn back_in_the_lobby_seats_carry_their_new_ratings() {
        let mut room = room(3, 5);
        ready_all(&mut room);
        let mut game = room
            .start(uid(0), 1, &GameConfig::default())
            .expect("starts");
        while !game.is_over() {
            game.tick();
        }
        let outcome = game.outcome().expect("over").clone();
        room.back_to_lobby(&outcome);
        assert!(!room.is_started());
        for (seat, result) in room.seats().iter().zip(&outcome.players) {
            assert_eq!(seat.rating, 1200 + result.rating_delta);
            assert_eq!((seat.games_played, seat.ready), (1, false));
        }
    }

    #[test]
    fn a_quick_match_starts_now_with_a_server_round_override() {
        let settings = RoomSettings::quick_match(4).expect("valid");
        let mut room = Room::quick_match(settings);
        let config = GameConfig {
            round_secs_override: Some(5),
            ..GameConfig::default()
        };
        room.join(seat(0)).expect("joins");
        room.join(seat(1)).expect("joins");
        assert_eq!(room.start_now(1, &config), Err(Rejection::NotEnoughPlayers));
        room.join(seat(2)).expect("joins");
        assert_eq!(room.start(uid(0), 1, &config), Err(Rejection::NotHost));
        let mut game = room.start_now(1, &config).expect("starts unready");
        assert_eq!(game.round_secs(), 5);
        for _ in 0..4 {
            assert!(
                game.tick()
                    .iter()
                    .all(|e| !matches!(e, game::GameEvent::Over(_)))
            );
        }
        assert!(!game.tick().is_empty());
        assert!(matches!(
            game.outcome().map(|o| o.winner),
            Some(Some(Side::Moles))
        ));
    }

    #[test]
    fn a_leaving_host_hands_over_and_strangers_are_not_in_the_room() {
        let mut room = room(3, 5);
        room.set_connected(uid(1), false).expect("seated");
        room.leave(uid(0)).expect("seated");
        assert_eq!(room.host(), Some(uid(2)), "the first connected seat");
        assert_eq!(room.leave(uid(9)), Err(Rejection::NotInGame));
        assert_eq!(room.set_ready(uid(9), true), Err(Rejection::NotInGame));
        assert_eq!(room.set_connected(uid(9), true), Err(Rejection::NotInGame));
        let json = serde_json::to_string(&room).expect("serializes");
        assert_eq!(serde_json::from_str::<Room>(&json).ok(), Some(room));
    }
}
