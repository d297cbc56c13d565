//! Matchmaking, parties and private lobbies: the matcher's rules and pace, join-by-code limits,
//! the regions served.

use super::env::{Env, HumanDuration, list, rate, secs};
use std::time::Duration;
use whoosh_cache::Rate;

/// Matchmaking, parties and private lobbies.
#[derive(Debug, Clone)]
pub struct MatchmakingConfig {
    /// How long a ticket searches before it expires; a matched ticket answers its match as long.
    pub ticket_ttl: Duration,
    /// Half-width of the rating window of a new ticket, the width it grows to, and how long that
    /// takes (linearly).
    pub window_start: u32,
    pub window_max: u32,
    pub window_widen_over: Duration,
    /// Players a matched lobby is filled toward (3–10).
    pub target_size: u8,
    /// A group below the target (but of at least 3) starts once its oldest ticket waited this long.
    pub min_start_wait: Duration,
    /// Round length of matched lobbies.
    pub round: Duration,
    /// Period of the matcher loop.
    pub interval: Duration,
    /// Join-by-code attempts (lobbies and parties) per user and per client address.
    pub lobby_join_rate: Rate,
    pub lobby_join_rate_per_ip: Rate,
    /// The region of tickets and lobbies that name none.
    pub default_region: String,
    /// Every region served (edge nodes register under these names).
    pub regions: Vec<String>,
    /// How long a lobby's directory record (and a party) lives without being touched.
    pub lobby_ttl: Duration,
}

impl MatchmakingConfig {
    /// The grouping rules of the matcher.
    pub fn rules(&self) -> whoosh_core::matchmaking::MatchRules {
        whoosh_core::matchmaking::MatchRules {
            window_start: self.window_start,
            window_max: self.window_max,
            widen_over_ms: self.window_widen_over.as_millis() as u64,
            target_players: self.target_size,
            min_start_wait_ms: self.min_start_wait.as_millis() as u64,
        }
    }
}

/// A region name: 1–32 characters of `a–z 0–9 -`.
fn valid_region(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl MatchmakingConfig {
    pub(super) fn load(env: &mut Env) -> Self {
        use whoosh_core::matchmaking::{MAX_LOBBY_PLAYERS, MIN_LOBBY_PLAYERS};
        let config = Self {
            ticket_ttl: env.get("MATCHMAKING_TICKET_TTL", secs(120)).0,
            window_start: env.get("MATCHMAKING_WINDOW_START", 100),
            window_max: env.get("MATCHMAKING_WINDOW_MAX", 400),
            window_widen_over: env.get("MATCHMAKING_WINDOW_WIDEN_OVER", secs(30)).0,
            target_size: env.get("MATCHMAKING_TARGET_SIZE", 6),
            min_start_wait: env.get("MATCHMAKING_MIN_START_WAIT", secs(10)).0,
            round: env.get("MATCHMAKING_ROUND", secs(180)).0,
            interval: env
                .get(
                    "MATCHMAKING_INTERVAL",
                    HumanDuration(Duration::from_millis(500)),
                )
                .0,
            lobby_join_rate: env.get("LOBBY_JOIN_RATE", rate(10, 60)).0,
            lobby_join_rate_per_ip: env.get("LOBBY_JOIN_RATE_PER_IP", rate(30, 60)).0,
            default_region: env.get("DEFAULT_REGION", "local".to_owned()),
            regions: list(&env.get("MATCHMAKING_REGIONS", "local".to_owned()), |r| r),
            lobby_ttl: env.get("LOBBY_TTL", secs(7200)).0,
        };
        env.nonzero(&[
            ("MATCHMAKING_TICKET_TTL", config.ticket_ttl),
            ("MATCHMAKING_INTERVAL", config.interval),
            ("LOBBY_TTL", config.lobby_ttl),
        ]);
        let mut problem = |p: String| env.problem(p);
        if config.window_max < config.window_start {
            problem(format!(
                "MATCHMAKING_WINDOW_MAX={}: must be at least MATCHMAKING_WINDOW_START={}",
                config.window_max, config.window_start
            ));
        }
        if !(MIN_LOBBY_PLAYERS..=MAX_LOBBY_PLAYERS).contains(&config.target_size) {
            problem(format!(
                "MATCHMAKING_TARGET_SIZE={}: must be {MIN_LOBBY_PLAYERS}–{MAX_LOBBY_PLAYERS}",
                config.target_size
            ));
        }
        if !(60..=600).contains(&config.round.as_secs()) || config.round.subsec_nanos() != 0 {
            problem(format!(
                "MATCHMAKING_ROUND={:?}: must be whole seconds from 60s to 600s",
                config.round
            ));
        }
        if config.regions.is_empty() || !config.regions.iter().all(|r| valid_region(r)) {
            problem(format!(
                "MATCHMAKING_REGIONS={:?}: a comma-separated list of names of a–z, 0–9 and -",
                config.regions.join(",")
            ));
        }
        if !config.regions.contains(&config.default_region) {
            problem(format!(
                "DEFAULT_REGION={}: must be one of MATCHMAKING_REGIONS ({})",
                config.default_region,
                config.regions.join(",")
            ));
        }
        config
    }
}
