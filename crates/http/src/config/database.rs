//! PostgreSQL, the source of truth: where it is, how connections log in, and the connection
//! pool's limits.

use super::env::{Env, secs};
use whoosh_auth::SecretSource;

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: String,
    pub pool: whoosh_store::PoolSettings,
    /// How connections log in: the URL's password, or an RDS IAM token each (`DATABASE_AUTH`).
    pub auth: crate::database::DatabaseAuth,
    /// `whoosh migrate` only: an administrator's `{"username", "password"}` (the RDS master
    /// secret); when set, the roles are created and granted before migrating.
    pub admin_source: Option<SecretSource>,
    /// `whoosh migrate` only: the role the services log in as, granted DML on every table.
    pub app_role: String,
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
            auth: env.get("DATABASE_AUTH", crate::database::DatabaseAuth::Password),
            admin_source: env.optional("DATABASE_ADMIN_SOURCE"),
            app_role: env.get("DATABASE_APP_ROLE", "whoosh_app".to_owned()),
        }
    }
}
