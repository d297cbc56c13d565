//! Redis (indexes, queues, pub/sub): where it is, or which ElastiCache group to discover it from.

use super::env::{Env, HumanDuration};
use std::time::Duration;
use whoosh_cache::RedisMode;

#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// `None` when the endpoint is to be discovered from ElastiCache.
    pub url: Option<String>,
    pub mode: RedisMode,
    pub key_prefix: String,
    pub elasticache_replication_group_id: Option<String>,
    /// How long one Redis command may take before it fails and callers fall back.
    pub command_timeout: Duration,
}

impl RedisConfig {
    pub(super) fn load(env: &mut Env) -> Self {
        let elasticache_replication_group_id = env.optional("ELASTICACHE_REPLICATION_GROUP_ID");
        let redis_url: Option<String> = env.optional("REDIS_URL");
        let redis = Self {
            url: match (&redis_url, &elasticache_replication_group_id) {
                (None, None) => Some("redis://127.0.0.1:6379".to_owned()),
                (url, _) => url.clone(),
            },
            mode: if env.get("REDIS_CLUSTER", false) {
                RedisMode::Cluster
            } else {
                RedisMode::Single
            },
            key_prefix: env.get("REDIS_KEY_PREFIX", "whoosh:".to_owned()),
            elasticache_replication_group_id,
            command_timeout: env
                .get(
                    "REDIS_COMMAND_TIMEOUT",
                    HumanDuration(whoosh_cache::client::COMMAND_TIMEOUT),
                )
                .0,
        };
        if redis.command_timeout.is_zero() {
            env.problem("REDIS_COMMAND_TIMEOUT=0: must be greater than zero".to_owned());
        }
        redis
    }
}
