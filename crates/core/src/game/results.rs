//! What a finished game leaves behind: who won and why, and each player's rating, XP and coins.
//!
//! * **Rating (team Elo).** Each side's strength is the mean rating of its members. The agents'
//!   expected score is `E = 1 / (1 + 10^((R̄moles − R̄agents) / 400))` (differences beyond
//!   ±4000 count as ±4000), their actual score `S` is 1 for a win and 0 for a loss. The agents
//!   gain the transfer `T = K̄ · (S − E) · min(agents, moles)` and the moles lose it, where `K̄` is
//!   the mean K of all players and a player's K is [`K_PROVISIONAL`] (40) before
//!   [`PROVISIONAL_GAMES`] (30) games and [`K_ESTABLISHED`] (32) after. Within a side `T` is split
//!   in proportion to each member's K, then every share is rounded to the nearest integer — so
//!   the changes of a match sum to 0 within ±players/2. The arithmetic uses only + − × ÷ and
//!   rounding (no libm), so it gives the same integers on every platform.
//! * **XP**, for players still connected at the end: [`XP_PARTICIPATION`] (50), [`XP_WIN`] (+50)
//!   for the winning side, and [`XP_CORRECT_SUSPICION`] (+25) for a correct final suspicion — an
//!   agent's on a mole, or a mole's on the agent who got exposed (a successful frame).
//! * **Coins**, for players still connected at the end: [`COINS_WIN`] (30) or [`COINS_LOSS`] (10).
//! * Players disconnected at the end (including a whole forfeiting side) keep their side's
//!   result and rating change but earn no XP and no coins: leaving is never worth more than
//!   staying.
//! * **Abandoned** games (nobody connected) have no winner: no rating change, no XP, no coins.

use super::{Role, Side};
use crate::UserId;
use serde::{Deserialize, Serialize};

pub const K_PROVISIONAL: i32 = 40;
pub const K_ESTABLISHED: i32 = 32;
/// Games after which a player's K drops from provisional to established.
pub const PROVISIONAL_GAMES: u32 = 30;
pub const XP_PARTICIPATION: u32 = 50;
pub const XP_WIN: u32 = 50;
pub const XP_CORRECT_SUSPICION: u32 = 25;
pub const COINS_WIN: i64 = 30;
pub const COINS_LOSS: i64 = 10;

/// How a game ended, as sent in `GAME_OVER`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// `None` only for an abandoned game.
    pub winner: Option<Side>,
    pub reason: EndReason,
    pub players: Vec<PlayerResult>,
}

/// Serialized as `{"kind":"exposed","user":"…"}`, `{"kind":"tie_at_top"}`,
/// `{"kind":"forfeit","side":"moles"}` (the side that forfeited), `{"kind":"abandoned"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EndReason {
    Exposed { user: UserId },
    TieAtTop,
    Forfeit { side: Side },
    Abandoned,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerResult {
    pub user: UserId,
    pub role: Role,
    pub heat: u32,
    pub final_suspect: Option<UserId>,
    pub won: bool,
    pub rating_before: i32,
    pub rating_delta: i32,
    pub xp: u32,
    pub coins: i64,
}

/// One player as the rating calculation sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamMember {
    pub side: Side,
    pub rating: i32,
    pub games_played: u32,
}

pub const fn k_factor(games_played: u32) -> i32 {
    if games_played < PROVISIONAL_GAMES {
        K_PROVISIONAL
    } else {
        K_ESTABLISHED
    }
}

/// The rating change of each member, in order, when `winner` won. Both sides must be non-empty
/// (a game always has both); otherwise every change is 0.
pub fn rating_deltas(members: &[TeamMember], winner: Side) -> Vec<i32> {
    let side = |s: Side| members.iter().filter(move |m| m.side == s);
    let mean = |s: Side| {
        let (sum, n) = side(s).fold((0i64, 0i64), |(sum, n), m| {
            (sum + i64::from(m.rating), n + 1)
        });
        sum as f64 / n as f64
    };
    let k_sum = |s: Side| {
        side(s)
            .map(|m| f64::from(k_factor(m.games_played)))
            .sum::<f64>()
    };
    let (agents, moles) = (side(Side::Agents).count(), side(Side::Moles).count());
    if agents == 0 || moles == 0 {
        return vec![0; members.len()];
    }
    let expected = expected_score(mean(Side::Agents), mean(Side::Moles));
    let score = if winner == Side::Agents { 1.0 } else { 0.0 };
    let k_mean = (k_sum(Side::Agents) + k_sum(Side::Moles)) / members.len() as f64;
    let transfer = k_mean * (score - expected) * agents.min(moles) as f64;
    members
        .iter()
        .map(|m| {
            let k = f64::from(k_factor(m.games_played));
            let share = match m.side {
                Side::Agents => transfer * k / k_sum(Side::Agents),
                Side::Moles => -transfer * k / k_sum(Side::Moles),
            };
            share.round() as i32
        })
        .collect()
}

/// The Elo expected score of a side rated `own` against one rated `opponent`.
pub fn expected_score(own: f64, opponent: f64) -> f64 {
    let exponent = ((opponent - own) / 400.0).clamp(-10.0, 10.0);
    1.0 / (1.0 + exp(exponent * std::f64::consts::LN_10))
}

/// `e^x` for |x| ≤ 24 from + − × ÷ alone: `x = k·ln 2 + r` with |r| ≤ ln 2 / 2, a Taylor series
/// for `e^r` (25 terms, far past f64 precision) and an exact scaling by `2^k`.
fn exp(x: f64) -> f64 {
    let k = (x / std::f64::consts::LN_2).round();
    let r = x - k * std::f64::consts::LN_2;
    let (mut sum, mut term) = (1.0, 1.0);
    for i in 1..=25 {
        term = term * r / f64::from(i);
        sum += term;
    }
    let (factor, steps) = if k < 0.0 { (0.5, -k) } else { (2.0, k) };
    for _ in 0..steps as u32 {
        sum *= factor;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn expected_score_is_elo() {
        assert_eq!(expected_score(1500.0, 1500.0), 0.5);
        for diff in [-4000.0, -400.0, -123.0, 0.0, 77.0, 400.0, 2999.0] {
            let libm = 1.0 / (1.0 + 10f64.powf(diff / 400.0));
            assert!((expected_score(1000.0, 1000.0 + diff) - libm).abs() < 1e-12);
        }
        assert!((expected_score(1400.0, 1000.0) - 10.0 / 11.0).abs() < 1e-12);
    }

    #[test]
    fn equal_teams_of_newcomers_move_by_half_of_k() {
        let member = |side| TeamMember {
            side,
            rating: 1200,
            games_played: 0,
        };
        let members = [
            member(Side::Agents),
            member(Side::Agents),
            member(Side::Moles),
        ];
        // T = 40 · (1 − 0.5) · 1 = 20, split over two agents of equal K.
        assert_eq!(rating_deltas(&members, Side::Agents), [10, 10, -20]);
        assert_eq!(rating_deltas(&members, Side::Moles), [-10, -10, 20]);
    }

    #[test]
    fn k_drops_after_thirty_games() {
        assert_eq!(k_factor(0), 40);
        assert_eq!(k_factor(29), 40);
        assert_eq!(k_factor(30), 32);
    }

    fn side() -> impl Strategy<Value = Side> {
        prop_oneof![Just(Side::Agents), Just(Side::Moles)]
    }

    proptest! {
        #[test]
        fn rating_changes_sum_to_about_zero(
            ratings in prop::collection::vec((0i32..3000, 0u32..100), 3..=10),
            winner in side(),
            moles in 1usize..=2,
        ) {
            let members: Vec<TeamMember> = ratings
                .iter()
                .enumerate()
                .map(|(i, &(rating, games_played))| TeamMember {
                    side: if i < moles { Side::Moles } else { Side::Agents },
                    rating,
                    games_played,
                })
                .collect();
            let deltas = rating_deltas(&members, winner);
            let sum: i32 = deltas.iter().sum();
            prop_assert!(2 * sum.unsigned_abs() as usize <= members.len(), "sum {sum} of {deltas:?}");
            for (m, d) in members.iter().zip(&deltas) {
                let gains = if m.side == winner { *d >= 0 } else { *d <= 0 };
                prop_assert!(gains, "{:?} moved by {}", m, d);
                prop_assert!(d.abs() <= 2 * K_PROVISIONAL);
            }
        }
    }
}
