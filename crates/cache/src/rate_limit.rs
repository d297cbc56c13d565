//! A distributed rate limiter: GCRA (the generic cell rate algorithm) in one Lua script on one key.
//!
//! GCRA stores a single timestamp per subject (the "theoretical arrival time"), so it costs one
//! key, one round trip and no sorted-set growth, and it answers exactly how long to wait. A rate
//! of `limit` per `period` admits a burst of `limit` and then one request every `period / limit`.
//! The clock is Redis's own (`TIME`), so Lambdas and edge nodes with skewed clocks agree.

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
if allow_at > now then
  return allow_at - now
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil(period / 1000))
return 0
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
        let period_us = rate.period.as_micros().max(1);
        let interval_us = (period_us / u128::from(rate.limit.max(1))).max(1);
        let mut conn = self.redis.clone();
        let wait_us: i64 = self
            .script
            .key(self.keys.rate_limit(policy, subject))
            .arg(u64::try_from(interval_us).unwrap_or(u64::MAX))
            .arg(u64::try_from(period_us).unwrap_or(u64::MAX))
            .invoke_async(&mut conn)
            .await?;
        Ok(if wait_us <= 0 {
            Decision::Allowed
        } else {
            Decision::Limited {
                retry_after: Duration::from_micros(wait_us.unsigned_abs()),
            }
        })
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
