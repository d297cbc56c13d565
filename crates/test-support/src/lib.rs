//! The test harness: every integration test gets its own PostgreSQL database (created, migrated,
//! and dropped afterwards), its own Redis key prefix on the shared Redis, and its service on
//! port 0 over real HTTP. Also: `moto_server` on loopback for AWS paths, and a Lambda Runtime API
//! emulator that drives a real Lambda binary with saved ALB events.
//!
//! Tests never stop, restart or flush the shared servers.

#![allow(clippy::unwrap_used)]

pub mod app;
pub mod client;
pub mod db;
pub mod fault_proxy;
pub mod invariants;
pub mod lambda;
pub mod moto;
pub mod records;
pub mod throwaway;

pub use app::{Player, Sibling, TestApp, test_action_key_file, test_env, test_keys_file};
pub use client::{Caller, Client, Nobody, Remote, error_code, json_body, text_at};
pub use db::TestDb;
pub use fault_proxy::{Fault, FaultProxy};
pub use invariants::assert_bank_invariants;
pub use lambda::RuntimeEmulator;
pub use moto::MotoServer;
pub use records::{edge_node, guest, now_ms, searching_ticket};
pub use throwaway::{ThrowawayPostgres, ThrowawayRedis, ThrowawayRedisCluster};

/// The PostgreSQL server tests create their databases on (an admin URL; its database is only
/// used to issue CREATE/DROP DATABASE).
pub fn admin_database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The Redis tests use; each test writes only under its own key prefix.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A key prefix no other test shares.
pub fn unique_prefix() -> String {
    format!("test:{}:", uuid::Uuid::new_v4().simple())
}

/// A free loopback port (bound and released; good enough for a child process started next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
