//! A distributed rate limiter: GCRA (the generic cell rate algorithm) in one Lua script on one key.
//!
//! GCRA stores a single timestamp per subject (the "theoretical arrival time"), so it costs one
//! key, one round trip and no sorted-set growth, and it answers exactly how long to wait. A rate
//! of `limit` per `period` admits a burst of `limit` and then one request every `period / limit`.
//! The clock is Redis's own (`TIME`), so Lambdas and edge nodes with skewed clocks agree.
//!
//! An authenticated API request also needs to know whether its session was revoked: the same
//! script answers that too ([`RateLimiter::check_player`]), so the request pays one Redis round
//! trip, not two. Both keys carry the player's hash tag, so they share a cluster slot.

use crate::{KeySchema, Redis};
use std::time::Duration;

/// `limit` requests per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub limit: u32,
    pub period: Duration,
}

impl Rate {
    pub const fn new(limit: u32, period: Duration) -> Self {
        Self { limit, period }
    }
}

/// The limiter's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Denied; the caller may retry after this long.
    Limited {
        retry_after: Duration,
    },
}

const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
local revoked = 0
if KEYS[2] then revoked = redis.call('EXISTS', KEYS[2]) end
if allow_at > now then
  return {allow_at - now, revoked}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil(period / 1000))
return {0, revoked}
";

/// Shared rate limiter. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    redis: Redis,
    keys: KeySchema,
    script: std::sync::Arc<redis::Script>,
}

impl RateLimiter {
    pub fn new(redis: Redis, keys: KeySchema) -> Self {
        Self {
            redis,
            keys,
            script: std::sync::Arc::new(redis::Script::new(GCRA)),
        }
    }

    /// Counts one request of `subject` against `policy` at `rate`.
    pub async fn check(
        &self,
        policy: &str,
        subject: &str,
        rate: Rate,
    ) -> redis::RedisResult<Decision> {
        let (decision, _) = self
            .gcra(self.keys.rate_limit(policy, subject), None, rate)
            .await?;
        Ok(decision)
    }

    /// Counts one request of a player against `policy` and, in the same round trip, tells
    /// whether `session` (when given) was revoked ([`KeySchema::revoked_session`]).
    pub async fn check_player(
        &self,
        policy: &str,
        user: &str,
        session: Option<&str>,
        rate: Rate,
    ) -> redis::RedisResult<(Decision, bool)> {
        let revoked = session.map(|s| self.keys.revoked_session(user, s));
        self.gcra(self.keys.player_rate_limit(policy, user), revoked, rate)
            .await
    }

    async fn gcra(
        &self,
        key: String,
        revoked: Option<String>,
        rate: Rate,
    ) -> redis::RedisResult<(Decision, bool)> {
        let period_us = rate.period.as_micros().max(1);
        let interval_us = (period_us / u128::from(rate.limit.max(1))).max(1);
        let mut conn = self.redis.clone();
        let mut invocation = self.script.key(key);
        if let Some(revoked) = revoked {
            invocation.key(revoked);
        }
        let (wait_us, revoked): (i64, bool) = invocation
            .arg(u64::try_from(interval_us).unwrap_or(u64::MAX))
            .arg(u64::try_from(period_us).unwrap_or(u64::MAX))
            .invoke_async(&mut conn)
            .await?;
        let decision = if wait_us <= 0 {
            Decision::Allowed
        } else {
            Decision::Limited {
                retry_after: Duration::from_micros(wait_us.unsigned_abs()),
            }
        };
        Ok((decision, revoked))
    }

    /// Forgets a subject's history under a policy (e.g. after a successful login).
    pub async fn reset(&self, policy: &str, subject: &str) -> redis::RedisResult<()> {
        let mut conn = self.redis.clone();
        redis::cmd("DEL")
            .arg(self.keys.rate_limit(policy, subject))
            .query_async::<()>(&mut conn)
            .await
    }
}
