//! One throwaway database per test.

use sqlx::{ConnectOptions, Connection, PgConnection, postgres::PgConnectOptions};
use std::str::FromStr;

/// A freshly created and migrated database, dropped when this value is dropped.
#[derive(Debug)]
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin: PgConnectOptions,
}

impl TestDb {
    /// A database on the server at `DATABASE_URL`.
    pub async fn create() -> Self {
        Self::create_on(&crate::admin_database_url()).await
    }

    /// A database on the server at `admin_url`.
    pub async fn create_on(admin_url: &str) -> Self {
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
        let mut conn = PgConnection::connect_with(&options).await.unwrap();
        whoosh_store::MIGRATOR.run(&mut conn).await.unwrap();
        conn.close().await.ok();
        Self { name, url, admin }
    }
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
        // Drop runs outside async; use a private runtime on a plain thread.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = PgConnection::connect_with(&admin).await.ok()?;
                sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                    .execute(&mut conn)
                    .await
                    .ok()
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
}
