//! The `whoosh` binary as an operator runs it: the all-in-one local stack, migrations, keys, the
//! operator's jobs, analytics, the notifier, and the messages it stops with when the
//! configuration or a dependency is wrong. One test binary, a module per capability.

#![allow(clippy::unwrap_used)]

mod analytics;
mod demo;
mod jobs;
mod keys;
mod logs;
mod notifier;
mod startup;

use std::process::{Child, Command, Output};
use whoosh_test_support::{TestDb, test_env, unique_prefix};

fn whoosh(db: &TestDb, overrides: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_whoosh"));
    cmd.env_clear()
        .envs(test_env(db, &unique_prefix(), overrides))
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    cmd
}

fn stderr_and_stdout(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    )
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A guest account made directly in the database.
async fn guest(db: &TestDb, name: &str) -> uuid::Uuid {
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    whoosh_test_support::guest(&pool, name).await
}
