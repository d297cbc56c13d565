//! Matchmaking rules: the skill window that widens with waiting time, the grouping of waiting
//! tickets into lobbies, and join codes. Pure: the caller passes the clock (`now_ms`) and the
//! tickets; storing and claiming them is the cache's business.
//!
//! Grouping is one sort by rating and one sweep, `O(n log n)` in waiting tickets: from the lowest
//! rated ticket not yet placed, the sweep adds the next tickets in rating order while every member
//! still accepts every other (each member's window, centred on its own rating, holds the whole
//! group) and the group stays within the target size. A group forms when it reaches the target, or
//! when it has at least the minimum and its oldest ticket has waited long enough. Parties are one
//! ticket, so they stay together.

use crate::{ErrorCode, Invalid};
use std::fmt;

/// The game modes tickets can ask for.
pub const MODES: &[&str] = &["party"];

/// Fewest players in a lobby (the party game needs three).
pub const MIN_LOBBY_PLAYERS: u8 = 3;
/// Most players in a lobby.
pub const MAX_LOBBY_PLAYERS: u8 = 10;
/// Most players in a party (a party queues as one ticket).
pub const MAX_PARTY_PLAYERS: u8 = 5;
/// Tickets the sweep looks past (already placed, or not fitting) before it gives up on a start:
/// this bound keeps a pass linear after the sort.
pub const LOOKAHEAD: usize = 2 * MAX_LOBBY_PLAYERS as usize;

/// How a pass groups tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchRules {
    /// Half-width of the rating window of a ticket that has just arrived.
    pub window_start: u32,
    /// Half-width the window grows to.
    pub window_max: u32,
    /// How long the window takes to grow from start to max (linearly), in ms.
    pub widen_over_ms: u64,
    /// Players a lobby is filled toward; a group this size forms at once.
    pub target_players: u8,
    /// A group of at least [`MIN_LOBBY_PLAYERS`] but below the target forms once its oldest ticket
    /// has waited this long, in ms.
    pub min_start_wait_ms: u64,
}

impl Default for MatchRules {
    fn default() -> Self {
        Self {
            window_start: 100,
            window_max: 400,
            widen_over_ms: 30_000,
            target_players: 6,
            min_start_wait_ms: 10_000,
        }
    }
}

impl MatchRules {
    /// The half-width of the rating window after waiting `waited_ms`.
    pub fn window(&self, waited_ms: i64) -> u32 {
        let waited = u64::try_from(waited_ms).unwrap_or(0);
        if self.widen_over_ms == 0 || waited >= self.widen_over_ms {
            return self.window_max.max(self.window_start);
        }
        let growth = u64::from(self.window_max.saturating_sub(self.window_start));
        // u64: growth ≤ 2^32 and waited < widen_over_ms, so the product fits when widen_over_ms
        // stays below 2^32 ms (49 days); saturate anyway.
        let grown = growth.saturating_mul(waited) / self.widen_over_ms;
        self.window_start
            .saturating_add(u32::try_from(grown).unwrap_or(u32::MAX))
    }
}

/// One waiting ticket, as the grouping sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    /// Elo of the player, or the average of the party.
    pub rating: i32,
    /// Players on the ticket (1, or a party's size).
    pub players: u8,
    /// When the ticket was created (unix ms).
    pub since_ms: i64,
}

/// Groups `waiting` tickets into lobbies at time `now_ms`. Each group lists indices into
/// `waiting`; no index appears twice. Tickets not in any group keep waiting.
pub fn form_groups(waiting: &[Waiting], now_ms: i64, rules: &MatchRules) -> Vec<Vec<usize>> {
    let target = rules
        .target_players
        .clamp(MIN_LOBBY_PLAYERS, MAX_LOBBY_PLAYERS);
    // Sort once by rating (ties: oldest first); each entry carries what the sweep needs.
    let mut order: Vec<(i64, i64, usize)> = waiting
        .iter()
        .enumerate()
        .filter(|(_, t)| (1..=MAX_LOBBY_PLAYERS).contains(&t.players))
        .map(|(i, t)| {
            let window = i64::from(rules.window(now_ms.saturating_sub(t.since_ms)));
            (i64::from(t.rating), window, i)
        })
        .collect();
    order.sort_unstable_by_key(|&(rating, _, i)| (rating, waiting[i].since_ms, i));

    let mut placed = vec![false; order.len()];
    let mut groups = Vec::new();
    let mut members: Vec<usize> = Vec::with_capacity(usize::from(MAX_LOBBY_PLAYERS));
    for start in 0..order.len() {
        if placed[start] {
            continue;
        }
        let (low, low_window, first) = order[start];
        members.clear();
        members.push(start);
        let mut players = waiting[first].players;
        let mut oldest = waiting[first].since_ms;
        // The highest rating every member so far accepts.
        let mut ceiling = low.saturating_add(low_window);
        let mut skipped = 0;
        let mut next = start + 1;
        while players < target && next < order.len() && skipped <= LOOKAHEAD {
            let (rating, window, i) = order[next];
            next += 1;
            if placed[next - 1] {
                skipped += 1;
                continue;
            }
            if rating > ceiling {
                // Sorted by rating: nobody further up fits either.
                break;
            }
            let fits = rating - low <= window && players + waiting[i].players <= target;
            if fits {
                members.push(next - 1);
                players += waiting[i].players;
                oldest = oldest.min(waiting[i].since_ms);
                ceiling = ceiling.min(rating.saturating_add(window));
            } else {
                skipped += 1;
            }
        }
        let waited = now_ms.saturating_sub(oldest);
        let ready = players >= target
            || (players >= MIN_LOBBY_PLAYERS
                && u64::try_from(waited).unwrap_or(0) >= rules.min_start_wait_ms);
        if ready {
            for &m in &members {
                placed[m] = true;
            }
            groups.push(members.iter().map(|&m| order[m].2).collect());
        }
    }
    groups
}

/// The characters of a join code: no `0/O`, `1/I/L` to confuse.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a join code.
pub const CODE_LEN: usize = 6;

/// A join code of a private lobby or a party: six characters of [`CODE_ALPHABET`]. Parsing
/// accepts lower case and surrounding spaces, as people type them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LobbyCode(String);

impl LobbyCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
            Ok(Self(code))
        } else {
            Err(Invalid::new(
                ErrorCode::InvalidJoinCode,
                format!("a join code is {CODE_LEN} letters and digits, without 0, 1, I, L or O"),
            ))
        }
    }

    /// A code made from `entropy` (the caller draws it from a random source).
    pub fn from_entropy(mut entropy: u64) -> Self {
        let base = CODE_ALPHABET.len() as u64;
        let code = (0..CODE_LEN)
            .map(|_| {
                let c = CODE_ALPHABET[(entropy % base) as usize];
                entropy /= base;
                char::from(c)
            })
            .collect();
        Self(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LobbyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn solo(rating: i32, since_ms: i64) -> Waiting {
        Waiting {
            rating,
            players: 1,
            since_ms,
        }
    }

    #[test]
    fn the_window_widens_linearly_then_stops() {
        let rules = MatchRules::default();
        assert_eq!(rules.window(0), 100);
        assert_eq!(rules.window(15_000), 250);
        assert_eq!(rules.window(30_000), 400);
        assert_eq!(rules.window(600_000), 400);
        assert_eq!(rules.window(-5), 100);
    }

    #[test]
    fn a_full_target_group_forms_at_once_and_a_small_one_after_the_wait() {
        let rules = MatchRules::default();
        let six: Vec<_> = (0..6).map(|i| solo(1200 + i * 10, 0)).collect();
        assert_eq!(form_groups(&six, 0, &rules).len(), 1);
        let three: Vec<_> = (0..3).map(|i| solo(1200 + i * 10, 0)).collect();
        assert!(form_groups(&three, 9_999, &rules).is_empty());
        assert_eq!(form_groups(&three, 10_000, &rules), vec![vec![0, 1, 2]]);
    }

    #[test]
    fn far_apart_players_match_only_once_the_window_has_widened() {
        let rules = MatchRules::default();
        let spread = [solo(1000, 0), solo(1200, 0), solo(1400, 0)];
        assert!(form_groups(&spread, 10_000, &rules).is_empty());
        assert!(form_groups(&spread, 29_000, &rules).is_empty());
        assert_eq!(form_groups(&spread, 30_000, &rules).len(), 1);
    }

    #[test]
    fn parties_stay_whole_and_groups_never_exceed_the_target() {
        let rules = MatchRules::default();
        let tickets = [
            Waiting {
                rating: 1200,
                players: 4,
                since_ms: 0,
            },
            Waiting {
                rating: 1210,
                players: 3,
                since_ms: 0,
            },
            solo(1220, 0),
            solo(1230, 0),
        ];
        let groups = form_groups(&tickets, 0, &rules);
        assert_eq!(groups, vec![vec![0, 2, 3]]);
    }

    #[test]
    fn codes_are_unambiguous_and_parse_back() {
        let code = LobbyCode::from_entropy(0x1234_5678_9abc);
        assert_eq!(code.as_str().len(), CODE_LEN);
        assert_eq!(LobbyCode::parse(&code.as_str().to_lowercase()), Ok(code));
        for bad in ["ABC", "ABCDE0", "ABCDEFG", "ABCDI2", "", "ÄBCDEF"] {
            assert!(LobbyCode::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn groups_are_disjoint_sized_and_within_every_members_window(
            tickets in prop::collection::vec((800i32..1800, 1u8..=5, 0i64..60_000), 0..200),
            now in 0i64..90_000,
        ) {
            let rules = MatchRules::default();
            let waiting: Vec<_> = tickets
                .iter()
                .map(|&(rating, players, since_ms)| Waiting { rating, players, since_ms })
                .collect();
            let mut seen = HashSet::new();
            for group in form_groups(&waiting, now, &rules) {
                let players: u32 = group.iter().map(|&i| u32::from(waiting[i].players)).sum();
                prop_assert!((3..=u32::from(rules.target_players)).contains(&players));
                let low = group.iter().map(|&i| waiting[i].rating).min().unwrap_or_default();
                let high = group.iter().map(|&i| waiting[i].rating).max().unwrap_or_default();
                for &i in &group {
                    prop_assert!(seen.insert(i), "ticket {} placed twice", i);
                    let w = i64::from(rules.window(now - waiting[i].since_ms));
                    let r = i64::from(waiting[i].rating);
                    prop_assert!(i64::from(high) - r <= w && r - i64::from(low) <= w);
                }
            }
        }
    }
}
