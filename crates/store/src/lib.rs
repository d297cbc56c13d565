//! PostgreSQL, the source of truth: the connection pool, the one migration set, and one module per
//! aggregate. Queries are plain runtime `sqlx` queries; each is exercised by an integration test
//! against a real database.

pub mod accounts;
pub mod actions;
pub mod admin;
pub mod analytics;
pub mod battles;
pub mod economy;
pub mod groups;
pub mod leaderboards;
pub mod matches;
pub mod notifications;
pub mod profiles;
pub mod roles;
pub mod sessions;
pub mod telegram;

use sqlx::{
    PgPool,
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use std::{str::FromStr, time::Duration};

pub use sqlx::PgPool as Pool;

/// Every migration of the project, embedded in each binary. Run by `whoosh migrate` and on start
/// of the local stack.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How the pool is sized and how long a request may wait for a connection before it is answered
/// 503 instead of hanging.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub min_connections: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
}

/// Builds a pool without connecting (callers decide whether to prove the database answers at
/// start), after checking that the URL parses.
pub fn connect_lazy(url: &str, settings: &PoolSettings) -> Result<PgPool, sqlx::Error> {
    Ok(pool_with(connect_options(url, settings)?, settings))
}

/// How every connection of a pool logs in and is set up: the URL (user, host, TLS) plus the
/// session settings of every Whoosh process.
pub fn connect_options(
    url: &str,
    settings: &PoolSettings,
) -> Result<PgConnectOptions, sqlx::Error> {
    Ok(PgConnectOptions::from_str(url)?
        .application_name("whoosh")
        .options([(
            "statement_timeout",
            format!("{}", settings.statement_timeout.as_millis()),
        )]))
}

/// A pool that opens connections with `options` when first needed. `Pool::set_connect_options`
/// changes them for later connections (a fresh IAM token, say) without touching open ones.
pub fn pool_with(options: PgConnectOptions, settings: &PoolSettings) -> PgPool {
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(settings.min_connections)
        .acquire_timeout(settings.acquire_timeout)
        .connect_lazy_with(options)
}

/// What a caller needs to know about a database error to answer it well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The database cannot be reached or the pool is exhausted: retry later (503).
    Unavailable,
    /// Serialization failure or deadlock (40001 / 40P01): the transaction may be retried.
    Contention,
    /// A unique constraint was violated; carries the constraint name.
    UniqueViolation(String),
    /// A CHECK constraint was violated; carries the constraint name.
    CheckViolation(String),
    /// Anything else: a bug or a fault to log.
    Other,
}

pub fn classify(error: &sqlx::Error) -> Failure {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => Failure::Unavailable,
        sqlx::Error::Database(db) => {
            let constraint = || db.constraint().unwrap_or_default().to_owned();
            match db.code().as_deref() {
                Some("40001" | "40P01") => Failure::Contention,
                Some("23505") => Failure::UniqueViolation(constraint()),
                Some("23514") => Failure::CheckViolation(constraint()),
                // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
                Some("57P01" | "57P02" | "57P03" | "53300") => Failure::Unavailable,
                _ => Failure::Other,
            }
        }
        _ => Failure::Other,
    }
}

/// Readiness probe: one round trip through the pool.
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}

/// Errors that may be a serialization failure or deadlock, worth retrying.
pub trait Retryable {
    fn is_contention(&self) -> bool;
}

impl Retryable for sqlx::Error {
    fn is_contention(&self) -> bool {
        classify(self) == Failure::Contention
    }
}

/// Pauses before each retry of a transaction that hit contention; then the error is returned
/// (and answered 503 with `Retry-After`).
pub const RETRY_BACKOFF: [Duration; 3] = [
    Duration::from_millis(20),
    Duration::from_millis(80),
    Duration::from_millis(250),
];

/// Runs `attempt` again after a serialization failure or deadlock (SQLSTATE 40001 / 40P01), with
/// bounded backoff.
pub async fn with_retries<T, E, F, Fut>(mut attempt: F) -> Result<T, E>
where
    E: Retryable,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    for pause in RETRY_BACKOFF {
        match attempt().await {
            Err(e) if e.is_contention() => {
                tracing::warn!("transaction hit contention; retrying in {pause:?}");
                tokio::time::sleep(pause).await;
            }
            outcome => return outcome,
        }
    }
    attempt().await
}
