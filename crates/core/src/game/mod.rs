//! The party game: secret moles, public heat, breaking news. This module is the reference for
//! the rules; docs/PROTOCOL.md restates them for clients.
//!
//! * **Players and roles.** 3–10 players ([`MIN_PLAYERS`]..=[`MAX_PLAYERS`]; a repeated user
//!   counts once). The seeded generator picks the moles: one, two from [`TWO_MOLES_FROM`] (8)
//!   players. Everyone else is an agent. Moles know each other; agents know only themselves.
//! * **Suspicion.** A player may point their suspicion at any other player of the game at any
//!   time, point it again (same or other target) or withdraw it (`None`). Refused: yourself
//!   (`suspect_self`), someone outside the game (`unknown_target`), a sender outside the game
//!   (`not_in_game`), anything once the game is over (`game_over`). A disconnected player's
//!   suspicion stays where it was but counts for nothing until they are connected again;
//!   `connected` means "still in the game", so the edge reports a disconnect only once the
//!   reconnect grace window has run out.
//! * **Clock.** A round lasts `round_secs`, clamped to 1..=[`MAX_ROUND_SECS`] (lobbies choose
//!   60–600 s; shorter rounds are for tests). The game runs at `tick_hz` ticks a second (1 by
//!   default, at most [`MAX_TICK_HZ`]): a round is `round_secs × tick_hz` ticks and heat grows
//!   per tick by `1 / tick_hz` of its rate per second, so a round lasts the same seconds and a
//!   suspicion held for a second adds the same heat at every rate. Heat is kept in ticks
//!   (`heat × tick_hz`) and shown in whole units; the clock is shown in whole seconds, rounded
//!   up. Below, "second" and "`r` s left" mean `tick_hz` ticks and `r × tick_hz` ticks left; at
//!   1 Hz a tick is one second. [`Game::tick`] takes the remaining time from `r` to `r − 1`
//!   ticks, in this order:
//!   1. **Forfeit.** If no player is connected the game is abandoned (no winner, nothing
//!      awarded); else if one side has no connected player it forfeits and the other side wins.
//!      The clock does not move.
//!   2. **Heat.** The clock moves; each player's heat grows by the number of counted suspicions
//!      on them, doubled when the tick leaves ≤ [`FINAL_STRETCH_SECS`] (30) on the clock. The
//!      tick from 31 to 30 s is the first doubled one and the tick from 1 to 0 the last: 31
//!      doubled ticks in a round longer than 30 s, every tick in a round of 30 s or less.
//!   3. **News.** When the tick leaves exactly `round·2/3`, `round/3` or 30 s (integer
//!      division), a [`Headline`] is published (see [`news`]). Points that coincide are one
//!      point, points not strictly between 0 and `round_secs` are skipped: 180 s → 120, 60, 30;
//!      90 s → 60, 30; 60 s → 40, 30, 20; 10 s → 6, 3.
//!   4. **Exposure.** When the tick leaves 0 s, the player (connected or not) with the strictly
//!      highest heat is exposed: a mole → the agents win; an agent → the moles win. A tie at the
//!      top — which includes nobody having any heat — exposes nobody and the moles win
//!      (`tie_at_top`).
//!
//!   After the game is over `tick` returns no events and changes nothing.
//! * **Results.** Rating, XP and coins are computed when the game ends (see [`results`]).
//!
//! Everything is a pure function of the players, the seed and the sequence of calls, so a
//! replay gives the same game, and a serialized game (which includes the generator) resumes
//! identically on another node.

mod chat;
pub mod news;
mod rejection;
pub mod results;
mod rng;

pub use chat::{ChatLimiter, ChatText};
pub use news::Headline;
pub use rejection::Rejection;
pub use results::{EndReason, Outcome, PlayerResult};

use crate::UserId;
use results::TeamMember;
use rng::Rng;
use serde::{Deserialize, Serialize};

pub const MIN_PLAYERS: usize = 3;
pub const MAX_PLAYERS: usize = 10;
/// From this many players there are two moles.
pub const TWO_MOLES_FROM: usize = 8;
pub const MAX_ROUND_SECS: u32 = 600;
/// Heat grows twice as fast once this little time remains.
pub const FINAL_STRETCH_SECS: u32 = 30;
/// The fastest tick rate a game runs at.
pub const MAX_TICK_HZ: u32 = 30;

fn one_hz() -> u32 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    Mole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Agents,
    Moles,
}

impl Role {
    pub const fn side(self) -> Side {
        match self {
            Role::Agent => Side::Agents,
            Role::Mole => Side::Moles,
        }
    }
}

/// Who plays, as the lobby hands them over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Player {
    pub user: UserId,
    pub rating: i32,
    pub games_played: u32,
    pub connected: bool,
}

/// Something every player is told, in order: `{"news":{…}}` or `{"over":{…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GameEvent {
    News(Headline),
    Over(Outcome),
}

/// One round of the party game.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Game {
    round_secs: u32,
    /// Ticks per second (snapshots from before the setting hold none: 1).
    #[serde(default = "one_hz")]
    tick_hz: u32,
    /// Ticks left (at 1 Hz, seconds: the name snapshots from before the setting use).
    #[serde(alias = "remaining_secs")]
    remaining_ticks: u32,
    contestants: Vec<Contestant>,
    rng: Rng,
    outcome: Option<Outcome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Contestant {
    player: Player,
    role: Role,
    /// Heat × the game's tick rate (at 1 Hz, heat: the name older snapshots use).
    #[serde(alias = "heat")]
    heat_ticks: u64,
    target: Option<UserId>,
    /// Proven innocent by breaking news.
    cleared: bool,
}

impl Contestant {
    /// Whether this player's suspicion adds heat right now.
    fn counts(&self) -> bool {
        self.player.connected && self.target.is_some()
    }
}

/// What one player may see: sent as the `WELCOME` and `TICK` payloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerView {
    pub you: UserId,
    pub role: Role,
    /// The other moles and their current suspicions; empty for agents (and a lone mole).
    pub fellow_moles: Vec<FellowMole>,
    pub round_secs: u32,
    pub remaining_secs: u32,
    /// Your own current suspicion.
    pub target: Option<UserId>,
    pub players: Vec<PlayerStatus>,
    /// Set once the game is over; it reveals every role.
    pub outcome: Option<Outcome>,
}

/// The part of a [`PlayerView`] that is the same for every player of the game: the clock, the
/// public state of each player and the outcome. A node serialises it once per tick and puts each
/// player's [`SecretView`] next to it, instead of serialising ten whole views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedView<'a> {
    pub round_secs: u32,
    pub remaining_secs: u32,
    pub players: Vec<PlayerStatus>,
    pub outcome: Option<&'a Outcome>,
}

/// The part of a [`PlayerView`] only its player may see: who they are, their role, their fellow
/// moles and their own suspicion. Together with the [`SharedView`] it holds exactly the fields of
/// the [`PlayerView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretView {
    pub you: UserId,
    pub role: Role,
    pub fellow_moles: Vec<FellowMole>,
    pub target: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FellowMole {
    pub user: UserId,
    pub target: Option<UserId>,
}

/// The public part of a player's state. Who suspects whom stays hidden; only the count shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerStatus {
    pub user: UserId,
    pub heat: u32,
    /// Counted suspicions on this player right now: what their heat grows by per second.
    pub suspected_by: u32,
    pub connected: bool,
    /// Proven innocent by breaking news.
    pub cleared: bool,
}

impl Game {
    /// Deals the roles for a game at one tick a second. The first occurrence of a repeated user
    /// is kept.
    pub fn new(players: Vec<Player>, round_secs: u32, seed: u64) -> Result<Game, Rejection> {
        Game::with_tick_rate(players, round_secs, 1, seed)
    }

    /// Deals the roles for a game at `tick_hz` ticks a second (clamped to 1..=[`MAX_TICK_HZ`]).
    pub fn with_tick_rate(
        players: Vec<Player>,
        round_secs: u32,
        tick_hz: u32,
        seed: u64,
    ) -> Result<Game, Rejection> {
        let mut unique: Vec<Player> = Vec::with_capacity(players.len());
        for player in players {
            if !unique.iter().any(|p| p.user == player.user) {
                unique.push(player);
            }
        }
        if unique.len() < MIN_PLAYERS {
            return Err(Rejection::NotEnoughPlayers);
        }
        if unique.len() > MAX_PLAYERS {
            return Err(Rejection::LobbyFull);
        }
        let mut rng = Rng::new(seed);
        let moles = if unique.len() >= TWO_MOLES_FROM { 2 } else { 1 };
        // Partial Fisher–Yates: the first `moles` slots of a shuffled index list.
        let mut order: Vec<usize> = (0..unique.len()).collect();
        for i in 0..moles {
            let j = i + rng.below(order.len() - i);
            order.swap(i, j);
        }
        let contestants = unique
            .into_iter()
            .enumerate()
            .map(|(i, player)| Contestant {
                player,
                role: if order[..moles].contains(&i) {
                    Role::Mole
                } else {
                    Role::Agent
                },
                heat_ticks: 0,
                target: None,
                cleared: false,
            })
            .collect();
        let round_secs = round_secs.clamp(1, MAX_ROUND_SECS);
        let tick_hz = tick_hz.clamp(1, MAX_TICK_HZ);
        Ok(Game {
            round_secs,
            tick_hz,
            remaining_ticks: round_secs * tick_hz,
            contestants,
            rng,
            outcome: None,
        })
    }

    pub fn round_secs(&self) -> u32 {
        self.round_secs
    }

    /// Seconds left, rounded up (a round of 180 s shows 180 until its first full second ran).
    pub fn remaining_secs(&self) -> u32 {
        self.remaining_ticks.div_ceil(self.tick_hz)
    }

    pub fn remaining_ticks(&self) -> u32 {
        self.remaining_ticks
    }

    pub fn tick_hz(&self) -> u32 {
        self.tick_hz
    }

    /// Heat in whole units.
    fn heat(&self, c: &Contestant) -> u32 {
        u32::try_from(c.heat_ticks / u64::from(self.tick_hz)).unwrap_or(u32::MAX)
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    pub fn is_over(&self) -> bool {
        self.outcome.is_some()
    }

    pub fn players(&self) -> impl Iterator<Item = &Player> {
        self.contestants.iter().map(|c| &c.player)
    }

    pub fn role_of(&self, user: UserId) -> Option<Role> {
        self.contestant(user).map(|c| c.role)
    }

    /// Points `who`'s suspicion at `target`, or withdraws it with `None`.
    pub fn suspect(&mut self, who: UserId, target: Option<UserId>) -> Result<(), Rejection> {
        if self.is_over() {
            return Err(Rejection::GameOver);
        }
        if self.contestant(who).is_none() {
            return Err(Rejection::NotInGame);
        }
        if let Some(target) = target {
            if target == who {
                return Err(Rejection::SuspectSelf);
            }
            if self.contestant(target).is_none() {
                return Err(Rejection::UnknownTarget);
            }
        }
        if let Some(c) = self.contestant_mut(who) {
            c.target = target;
        }
        Ok(())
    }

    /// Records that `who` left or came back; unknown users and finished games are ignored.
    pub fn set_connected(&mut self, who: UserId, connected: bool) {
        if self.is_over() {
            return;
        }
        if let Some(c) = self.contestant_mut(who) {
            c.player.connected = connected;
        }
    }

    /// Advances the game by one second (see the module docs for the order of the steps).
    pub fn tick(&mut self) -> Vec<GameEvent> {
        if self.is_over() {
            return Vec::new();
        }
        let connected = |side| {
            self.contestants
                .iter()
                .any(|c| c.role.side() == side && c.player.connected)
        };
        let ended = match (connected(Side::Agents), connected(Side::Moles)) {
            (false, false) => Some((None, EndReason::Abandoned)),
            (false, true) => Some((Some(Side::Moles), EndReason::Forfeit { side: Side::Agents })),
            (true, false) => Some((Some(Side::Agents), EndReason::Forfeit { side: Side::Moles })),
            (true, true) => None,
        };
        if let Some((winner, reason)) = ended {
            return vec![self.finish(winner, reason)];
        }

        self.remaining_ticks = self.remaining_ticks.saturating_sub(1);
        // Doubled for the ticks of the last 31 seconds: at 1 Hz, the tick that leaves 30 s is
        // the first doubled one; at n Hz, the n ticks of that same second are.
        let factor = if self.remaining_ticks < (FINAL_STRETCH_SECS + 1) * self.tick_hz {
            2
        } else {
            1
        };
        let counts = self.suspicion_counts();
        for (c, n) in self.contestants.iter_mut().zip(counts) {
            c.heat_ticks = c.heat_ticks.saturating_add(u64::from(n * factor));
        }

        let mut events = Vec::new();
        let on_second = self.remaining_ticks % self.tick_hz == 0;
        if on_second && news_points(self.round_secs).contains(&self.remaining_secs()) {
            events.push(GameEvent::News(self.breaking_news()));
        }
        if self.remaining_ticks == 0 {
            let top = self
                .contestants
                .iter()
                .map(|c| c.heat_ticks)
                .max()
                .unwrap_or(0);
            let mut hottest = self.contestants.iter().filter(|c| c.heat_ticks == top);
            let (winner, reason) = match (hottest.next(), hottest.next()) {
                (Some(exposed), None) => {
                    let winner = match exposed.role {
                        Role::Mole => Side::Agents,
                        Role::Agent => Side::Moles,
                    };
                    (
                        winner,
                        EndReason::Exposed {
                            user: exposed.player.user,
                        },
                    )
                }
                _ => (Side::Moles, EndReason::TieAtTop),
            };
            events.push(self.finish(Some(winner), reason));
        }
        events
    }

    /// What `who` may see, or `None` if they are not a player of this game.
    pub fn view_for(&self, who: UserId) -> Option<PlayerView> {
        let secret = self.secret_view(who)?;
        let shared = self.shared_view();
        Some(PlayerView {
            you: secret.you,
            role: secret.role,
            fellow_moles: secret.fellow_moles,
            round_secs: shared.round_secs,
            remaining_secs: shared.remaining_secs,
            target: secret.target,
            players: shared.players,
            outcome: shared.outcome.cloned(),
        })
    }

    /// What every player sees alike.
    pub fn shared_view(&self) -> SharedView<'_> {
        let players = self
            .contestants
            .iter()
            .zip(self.suspicion_counts())
            .map(|(c, suspected_by)| PlayerStatus {
                user: c.player.user,
                heat: self.heat(c),
                suspected_by,
                connected: c.player.connected,
                cleared: c.cleared,
            })
            .collect();
        SharedView {
            round_secs: self.round_secs,
            remaining_secs: self.remaining_secs(),
            players,
            outcome: self.outcome.as_ref(),
        }
    }

    /// What only `who` sees, or `None` if they are not a player of this game.
    pub fn secret_view(&self, who: UserId) -> Option<SecretView> {
        let me = self.contestant(who)?;
        let fellow_moles = match me.role {
            Role::Agent => Vec::new(),
            Role::Mole => self
                .contestants
                .iter()
                .filter(|c| c.role == Role::Mole && c.player.user != who)
                .map(|c| FellowMole {
                    user: c.player.user,
                    target: c.target,
                })
                .collect(),
        };
        Some(SecretView {
            you: who,
            role: me.role,
            fellow_moles,
            target: me.target,
        })
    }

    fn contestant(&self, user: UserId) -> Option<&Contestant> {
        self.contestants.iter().find(|c| c.player.user == user)
    }

    fn contestant_mut(&mut self, user: UserId) -> Option<&mut Contestant> {
        self.contestants.iter_mut().find(|c| c.player.user == user)
    }

    fn mole_count(&self) -> usize {
        self.contestants
            .iter()
            .filter(|c| c.role == Role::Mole)
            .count()
    }

    /// Per contestant, in order: how many counted suspicions point at them.
    fn suspicion_counts(&self) -> Vec<u32> {
        self.contestants
            .iter()
            .map(|suspect| {
                let user = Some(suspect.player.user);
                self.contestants
                    .iter()
                    .filter(|c| c.counts() && c.target == user)
                    .count() as u32
            })
            .collect()
    }

    fn finish(&mut self, winner: Option<Side>, reason: EndReason) -> GameEvent {
        let members: Vec<TeamMember> = self
            .contestants
            .iter()
            .map(|c| TeamMember {
                side: c.role.side(),
                rating: c.player.rating,
                games_played: c.player.games_played,
            })
            .collect();
        let deltas = match winner {
            Some(winner) => results::rating_deltas(&members, winner),
            None => vec![0; members.len()],
        };
        let framed = match reason {
            EndReason::Exposed { user } if self.role_of(user) == Some(Role::Agent) => Some(user),
            _ => None,
        };
        let players = self
            .contestants
            .iter()
            .zip(deltas)
            .map(|(c, rating_delta)| {
                let won = winner == Some(c.role.side());
                let correct = match c.role {
                    Role::Agent => c
                        .target
                        .is_some_and(|t| self.role_of(t) == Some(Role::Mole)),
                    Role::Mole => c.target.is_some() && c.target == framed,
                };
                let rewarded = c.player.connected && winner.is_some();
                let xp = results::XP_PARTICIPATION
                    + if won { results::XP_WIN } else { 0 }
                    + if correct {
                        results::XP_CORRECT_SUSPICION
                    } else {
                        0
                    };
                let coins = if won {
                    results::COINS_WIN
                } else {
                    results::COINS_LOSS
                };
                PlayerResult {
                    user: c.player.user,
                    role: c.role,
                    heat: self.heat(c),
                    final_suspect: c.target,
                    won,
                    rating_before: c.player.rating,
                    rating_delta,
                    xp: if rewarded { xp } else { 0 },
                    coins: if rewarded { coins } else { 0 },
                }
            })
            .collect();
        let outcome = Outcome {
            winner,
            reason,
            players,
        };
        self.outcome = Some(outcome.clone());
        GameEvent::Over(outcome)
    }
}

/// The remaining times at which breaking news is published, earliest in the game first.
pub fn news_points(round_secs: u32) -> Vec<u32> {
    let two_thirds = (u64::from(round_secs) * 2 / 3) as u32;
    let mut points: Vec<u32> = [two_thirds, round_secs / 3, FINAL_STRETCH_SECS]
        .into_iter()
        .filter(|p| (1..round_secs).contains(p))
        .collect();
    points.sort_unstable_by(|a, b| b.cmp(a));
    points.dedup();
    points
}

#[cfg(test)]
mod tests;
