//! PostgreSQL, the source of truth: where it is and the connection pool's limits.

use super::env::{Env, secs};

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: String,
    pub pool: whoosh_store::PoolSettings,
}

impl DatabaseConfig {
    pub(super) fn load(env: &mut Env) -> Self {
        let pool = whoosh_store::PoolSettings {
            max_connections: env.get("DATABASE_MAX_CONNECTIONS", 10),
            min_connections: env.get("DATABASE_MIN_CONNECTIONS", 0),
            acquire_timeout: env.get("DATABASE_ACQUIRE_TIMEOUT", secs(3)).0,
            statement_timeout: env.get("DATABASE_STATEMENT_TIMEOUT", secs(10)).0,
        };
        env.positive("DATABASE_MAX_CONNECTIONS", pool.max_connections);
        Self {
            url: env.get(
                "DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/whoosh".to_owned(),
            ),
            pool,
        }
    }
}
