//! One throwaway database per test.

use sqlx::{ConnectOptions, Connection, PgConnection, postgres::PgConnectOptions};
use std::str::FromStr;

/// A freshly created and migrated database, dropped when this value is dropped.
///
/// With `WHOOSH_TEST_DB_ROLES=1` every test database is set up as a deployment's is: the roles
/// provisioned (`whoosh_store::roles`), the migrations run as the migration role, and `url`
/// logging in as the application role, so a service's whole test suite proves that role's grants
/// are enough for it.
#[derive(Debug)]
pub struct TestDb {
    pub name: String,
    pub url: String,
    /// The roles of this database, when it was made with them.
    pub roles: Option<whoosh_store::roles::Roles>,
    admin: PgConnectOptions,
}

impl TestDb {
    /// A database on the server at `DATABASE_URL`.
    pub async fn create() -> Self {
        Self::create_on(&crate::admin_database_url()).await
    }

    /// A database on the server at `admin_url`.
    pub async fn create_on(admin_url: &str) -> Self {
        let with_roles = std::env::var("WHOOSH_TEST_DB_ROLES").is_ok_and(|v| v == "1");
        Self::make(admin_url, with_roles).await
    }

    /// A database set up with its own application and migration roles (see the type's docs).
    pub async fn create_with_roles() -> Self {
        Self::make(&crate::admin_database_url(), true).await
    }

    async fn make(admin_url: &str, with_roles: bool) -> Self {
        let admin = PgConnectOptions::from_str(admin_url)
            .expect("DATABASE_URL must be a PostgreSQL URL")
            .log_statements(tracing::log::LevelFilter::Off);
        let name = format!("whoosh_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect_with(&admin)
            .await
            .expect("cannot reach PostgreSQL at DATABASE_URL; run tests through scripts/test");
        sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.ok();
        let options = admin.clone().database(&name);
        let url = options_to_url(admin_url, &name);
        if !with_roles {
            let mut conn = PgConnection::connect_with(&options).await.unwrap();
            whoosh_store::MIGRATOR.run(&mut conn).await.unwrap();
            conn.close().await.ok();
            return Self {
                name,
                url,
                roles: None,
                admin,
            };
        }
        let roles = whoosh_store::roles::Roles {
            app: format!("{name}_app"),
            migration: format!("{name}_migrate"),
            iam: false,
        };
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .unwrap();
        whoosh_store::roles::provision(&pool, &roles)
            .await
            .unwrap_or_else(|e| panic!("provisioning the test roles: {e}"));
        pool.close().await;
        let mut conn = PgConnection::connect_with(&options.clone().username(&roles.migration))
            .await
            .unwrap();
        whoosh_store::MIGRATOR.run(&mut conn).await.unwrap();
        conn.close().await.ok();
        Self {
            url: with_user(&url, &roles.app),
            name,
            roles: Some(roles),
            admin,
        }
    }

    /// The URL of this database for `user` (no password: the test server trusts loopback).
    pub fn url_as(&self, user: &str) -> String {
        with_user(&self.url, user)
    }
}

/// `url` logging in as `user`, without a password.
fn with_user(url: &str, user: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}@{host}")
}

/// The admin URL with its database path replaced.
fn options_to_url(admin_url: &str, db: &str) -> String {
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = self.name.clone();
        let roles = self
            .roles
            .as_ref()
            .map(|r| [r.app.clone(), r.migration.clone()]);
        // Drop runs outside async; use a private runtime on a plain thread.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = PgConnection::connect_with(&admin).await.ok()?;
                let dropped =
                    sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                        .execute(&mut conn)
                        .await
                        .ok();
                // Roles are the server's, not the database's: they go once it is gone.
                for role in roles.into_iter().flatten() {
                    let _ = sqlx::query(&format!(r#"DROP ROLE IF EXISTS "{role}""#))
                        .execute(&mut conn)
                        .await;
                }
                dropped
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_is_swapped_in_urls() {
        assert_eq!(
            super::options_to_url("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::options_to_url("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::options_to_url("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }

    #[test]
    fn user_is_swapped_in_urls() {
        assert_eq!(
            super::with_user("postgres://postgres@h:5432/x", "app"),
            "postgres://app@h:5432/x"
        );
        assert_eq!(
            super::with_user("postgres://h/x", "app"),
            "postgres://app@h/x"
        );
    }
}
