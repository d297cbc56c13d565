//! Breaking news: a headline made from the hidden state at each news point.
//!
//! The generator picks a kind uniformly among the kinds that apply, then one headline of that
//! kind uniformly:
//!
//! * `innocent_cleared` — a random agent not yet cleared is declared innocent.
//! * `mole_suspects` — a random mole's current suspicion is leaked (`null` if none).
//! * `agents_on_mole` — how many agents' (counted) suspicions currently point at a mole; applies
//!   only while not every agent is on a mole, which would give the moles away.
//! * `most_suspected` — the player with the most current suspicions (ties broken by the
//!   generator); applies when anyone is suspected.
//!
//! A headline never names a mole, and never narrows the field outright: a headline that proves
//! a player innocent (`innocent_cleared`, or with a single mole `mole_suspects` naming a target)
//! applies only if more than `moles + 1` players are uncleared, so at least `moles + 1` remain
//! after it. Players proven innocent are marked `cleared` in every view. One of
//! `agents_on_mole` and `most_suspected` always applies, so there is always news.

use super::{Game, Role};
use crate::UserId;
use serde::{Deserialize, Serialize};

/// Serialized as `{"kind":"innocent_cleared","user":"…"}`, `{"kind":"mole_suspects","target":…}`,
/// `{"kind":"agents_on_mole","agents":2}`, `{"kind":"most_suspected","user":"…","suspicions":3}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Headline {
    InnocentCleared { user: UserId },
    MoleSuspects { target: Option<UserId> },
    AgentsOnMole { agents: u32 },
    MostSuspected { user: UserId, suspicions: u32 },
}

impl Headline {
    /// The headline for people, with player names from `name`.
    pub fn text(&self, name: impl Fn(UserId) -> String) -> String {
        match self {
            Self::InnocentCleared { user } => {
                format!(
                    "BREAKING: {} has been cleared — an agent, beyond doubt.",
                    name(*user)
                )
            }
            Self::MoleSuspects {
                target: Some(target),
            } => {
                format!(
                    "BREAKING: Intercepted message — a mole is pointing at {}.",
                    name(*target)
                )
            }
            Self::MoleSuspects { target: None } => {
                "BREAKING: Intercepted message — a mole is suspecting nobody right now.".to_owned()
            }
            Self::AgentsOnMole { agents: 0 } => {
                "BREAKING: Not a single agent is on a mole's trail.".to_owned()
            }
            Self::AgentsOnMole { agents: 1 } => {
                "BREAKING: Exactly one agent is on a mole's trail.".to_owned()
            }
            Self::AgentsOnMole { agents } => {
                format!("BREAKING: {agents} agents are on a mole's trail.")
            }
            Self::MostSuspected { user, suspicions } => {
                let players = if *suspicions == 1 {
                    "player suspects"
                } else {
                    "players suspect"
                };
                format!(
                    "BREAKING: All eyes on {} — {suspicions} {players} them.",
                    name(*user)
                )
            }
        }
    }
}

impl Game {
    /// Makes the headline for a news point and records whom it clears.
    pub(super) fn breaking_news(&mut self) -> Headline {
        let counts = self.suspicion_counts();
        let is_mole = |user: Option<UserId>| {
            user.and_then(|u| self.contestant(u))
                .is_some_and(|c| c.role == Role::Mole)
        };
        let (agents, moles): (Vec<_>, Vec<_>) =
            self.contestants.iter().partition(|c| c.role == Role::Agent);

        let on_mole = agents
            .iter()
            .filter(|c| c.counts() && is_mole(c.target))
            .count() as u32;
        let top = counts.iter().copied().max().unwrap_or(0);
        let mut kinds: Vec<Vec<Headline>> = vec![
            agents
                .iter()
                .filter(|c| !c.cleared)
                .map(|c| Headline::InnocentCleared {
                    user: c.player.user,
                })
                .collect(),
            moles
                .iter()
                .map(|c| Headline::MoleSuspects { target: c.target })
                .collect(),
        ];
        if (on_mole as usize) < agents.len() {
            kinds.push(vec![Headline::AgentsOnMole { agents: on_mole }]);
        }
        if top > 0 {
            kinds.push(
                self.contestants
                    .iter()
                    .zip(&counts)
                    .filter(|(_, n)| **n == top)
                    .map(|(c, _)| Headline::MostSuspected {
                        user: c.player.user,
                        suspicions: top,
                    })
                    .collect(),
            );
        }
        for kind in &mut kinds {
            kind.retain(|h| self.keeps_field_open(h));
        }
        kinds.retain(|kind| !kind.is_empty());
        if kinds.is_empty() {
            // Unreachable by the argument in the module docs; a true statement all the same.
            return Headline::AgentsOnMole { agents: on_mole };
        }
        let kind = &kinds[self.rng.below(kinds.len())];
        let headline = kind[self.rng.below(kind.len())].clone();
        if let Some(user) = self.proves_innocent(&headline) {
            self.contestants
                .iter_mut()
                .filter(|c| c.player.user == user)
                .for_each(|c| c.cleared = true);
        }
        headline
    }

    fn proves_innocent(&self, headline: &Headline) -> Option<UserId> {
        match headline {
            Headline::InnocentCleared { user } => Some(*user),
            Headline::MoleSuspects { target } if self.mole_count() == 1 => *target,
            _ => None,
        }
    }

    fn keeps_field_open(&self, headline: &Headline) -> bool {
        let uncleared = self.contestants.iter().filter(|c| !c.cleared).count();
        match self.proves_innocent(headline) {
            Some(user) if self.contestant(user).is_some_and(|c| !c.cleared) => {
                uncleared > self.mole_count() + 1
            }
            _ => true,
        }
    }
}
