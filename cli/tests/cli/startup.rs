//! Starting up: `whoosh dev` serves the API, the edge, health and the web client on one port;
//! an unreachable database or Redis, or a bad setting, stops it with a message naming it;
//! `whoosh migrate` applies every migration once.

use crate::{Running, stderr_and_stdout, whoosh};
use std::process::Stdio;
use whoosh_test_support::{Client, Nobody, Remote, TestDb, free_port};

#[tokio::test]
async fn dev_serves_the_api_the_edge_health_and_the_web_client_on_one_port() {
    let db = TestDb::create().await;
    let port = free_port().to_string();
    let bind = format!("127.0.0.1:{port}");
    let url = format!("http://127.0.0.1:{port}");
    let _dev = Running(
        whoosh(&db, &[("WHOOSH_BIND", &bind), ("WHOOSH_PUBLIC_URL", &url)])
            .arg("dev")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let dev = Remote::new(&url);
    let ready = dev.first_answer("/readyz").await;
    assert_eq!(ready.status(), 200);
    let page = dev.get("/", Nobody).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<title>Whoosh"));
    let unknown = dev.get("/api/definitely/not/here", Nobody).await;
    assert_eq!(unknown.status(), 404);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    // The whole API document, the same as docs/openapi.json, and the page that renders it.
    let doc = dev.get("/api/openapi.json", Nobody).await;
    assert_eq!(doc.status(), 200);
    let doc: serde_json::Value = doc.json().await.unwrap();
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(doc, committed);
    let docs = dev.get("/api/docs", Nobody).await;
    assert_eq!(docs.status(), 200);
    let page = docs.text().await.unwrap();
    assert!(page.contains("/api/openapi.json"), "{page}");
    assert!(
        !page.contains("https://"),
        "the docs page loads no external assets"
    );
}

#[tokio::test]
async fn unreachable_database_stops_with_a_message_naming_database_url() {
    let db = TestDb::create().await;
    let dead = format!("postgres://postgres@127.0.0.1:{}/whoosh", free_port());
    let out = whoosh(
        &db,
        &[("DATABASE_URL", &dead), ("DATABASE_ACQUIRE_TIMEOUT", "1s")],
    )
    .arg("migrate")
    .output()
    .unwrap();
    assert!(!out.status.success());
    let text = stderr_and_stdout(&out);
    assert!(
        text.contains("cannot reach PostgreSQL at DATABASE_URL="),
        "{text}"
    );
    // … and how to fix it.
    assert!(
        text.contains("start it or point DATABASE_URL at a running server"),
        "{text}"
    );
}

#[tokio::test]
async fn unreachable_redis_stops_with_a_message_naming_redis() {
    let db = TestDb::create().await;
    let dead = format!("redis://127.0.0.1:{}", free_port());
    let out = whoosh(&db, &[("REDIS_URL", &dead)])
        .arg("dev")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = stderr_and_stdout(&out);
    assert!(
        text.contains("cannot reach Redis") && text.contains("start it or set REDIS_URL"),
        "{text}"
    );
}

#[tokio::test]
async fn bad_setting_refuses_to_start_and_names_it() {
    let db = TestDb::create().await;
    let out = whoosh(&db, &[("HTTP_REQUEST_TIMEOUT", "forever")])
        .args(["config", "check"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = stderr_and_stdout(&out);
    assert!(text.contains("HTTP_REQUEST_TIMEOUT"), "{text}");
}

#[tokio::test]
async fn migrate_applies_every_migration_and_is_idempotent() {
    let db = TestDb::create().await;
    for _ in 0..2 {
        let out = whoosh(&db, &[]).arg("migrate").output().unwrap();
        assert!(out.status.success(), "{}", stderr_and_stdout(&out));
    }
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(applied, whoosh_store::MIGRATOR.iter().count() as i64);
}
