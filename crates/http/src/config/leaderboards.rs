//! The leaderboards: how many entries the live views keep and how often they are checked.

use super::env::{Env, secs};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct LeaderboardConfig {
    /// Entries in the live top-N views and the drift check.
    pub top_n: u32,
    /// How often the local stack runs the drift check (on AWS a schedule calls the endpoint).
    pub drift_check_interval: Duration,
}

impl LeaderboardConfig {
    pub(super) fn load(env: &mut Env) -> Self {
        let leaderboards = Self {
            top_n: env.get("LEADERBOARD_TOP_N", 100),
            drift_check_interval: env.get("DRIFT_CHECK_INTERVAL", secs(300)).0,
        };
        env.positive("LEADERBOARD_TOP_N", leaderboards.top_n);
        leaderboards
    }
}
