//! PostgreSQL SIGKILLed while a match result's transaction is open (a throwaway server this test
//! starts; never the shared one). A row lock the test holds on the last player makes the result
//! transaction wait after it has inserted the match, updated the other players and credited
//! their rewards; the test sees it waiting in `pg_stat_activity`, then kills the postmaster. The
//! result must then wait in the durable outbox and be written exactly once after the restart,
//! with every bank invariant intact.

#![allow(clippy::unwrap_used)]

use sqlx::{Connection, PgConnection};
use std::time::Duration;
use uuid::Uuid;
use whoosh_edge::results::Results;
use whoosh_store::matches::{MatchRecord, PlayerRecord};
use whoosh_test_support::{TestApp, TestDb, ThrowawayPostgres, assert_bank_invariants};

fn record(players: &[Uuid], coins: i64) -> MatchRecord {
    let now = time::OffsetDateTime::now_utc();
    MatchRecord {
        id: Uuid::now_v7(),
        mode: "party".to_owned(),
        winner: "agents".to_owned(),
        reason: "exposed".to_owned(),
        started_at: now - time::Duration::minutes(3),
        finished_at: now,
        players: players
            .iter()
            .enumerate()
            .map(|(i, user)| PlayerRecord {
                user_id: *user,
                role: if i == 0 { "mole" } else { "agent" }.to_owned(),
                won: i != 0,
                heat: 10 * i as i64,
                final_suspect: Some(players[0]),
                rating_delta: if i == 0 { -12 } else { 4 },
                xp: 40,
                coins: if i == 0 { 0 } else { coins },
            })
            .collect(),
    }
}

async fn count(db: &sqlx::PgPool, sql: &str, id: Uuid) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(db)
        .await
        .unwrap_or(-1)
}

async fn outbox_len(app: &TestApp) -> u64 {
    let mut conn = app.state.redis.clone();
    redis::cmd("XLEN")
        .arg(app.state.keys.results_outbox())
        .query_async(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_database_killed_inside_the_result_transaction_loses_nothing_and_the_outbox_writes_it_once()
 {
    let mut pg = ThrowawayPostgres::start().await;
    let db = TestDb::create_on(&pg.admin_url()).await;
    let db_url = db.url.clone();
    let outbox_dir =
        std::env::temp_dir().join(format!("whoosh-outbox-{}", Uuid::new_v4().simple()));
    let app = TestApp::build_on(
        whoosh_edge::start,
        db,
        &[
            ("DATABASE_ACQUIRE_TIMEOUT", "1s"),
            ("EDGE_OUTBOX_DIR", outbox_dir.to_str().unwrap()),
        ],
    )
    .await;
    let mut players = Vec::new();
    for name in ["Ada", "Bo", "Cy", "Di"] {
        players.push(app.player(name).await.id.parse::<Uuid>().unwrap());
    }
    players.sort();
    let results = Results::new(app.state.clone(), outbox_dir.clone());

    // A first match goes through normally.
    let first = record(&players, 25);
    results.write(&first).await.unwrap();
    assert_bank_invariants(&app.state.db).await;

    // Hold the last player's row (the result transaction locks players in id order), so the
    // transaction of the second match stops after writing everything for the others.
    let mut locker = PgConnection::connect(&db_url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut locker).await.unwrap();
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
        .bind(players[players.len() - 1])
        .execute(&mut locker)
        .await
        .unwrap();
    let second = record(&players, 30);
    results.submit(second.clone());

    let mut watcher = PgConnection::connect(&db_url).await.unwrap();
    let mut waiting = false;
    for _ in 0..200 {
        // Waiting on the lock, inside a transaction that has written rows (it holds an xid).
        let stuck: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'
               AND backend_xid IS NOT NULL AND query LIKE 'SELECT elo FROM users%'",
        )
        .fetch_one(&mut watcher)
        .await
        .unwrap();
        if stuck == 1 {
            waiting = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        waiting,
        "the result transaction never reached the held lock"
    );

    pg.kill();
    drop((locker, watcher));

    // The write failed inside its transaction: the result waits in the Redis outbox.
    let mut parked = 0;
    for _ in 0..100 {
        parked = outbox_len(&app).await;
        if parked > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(parked, 1, "the interrupted result waits in the outbox");

    pg.restart().await;
    // Nothing of the interrupted transaction survived the crash...
    let mut written = count(
        &app.state.db,
        "SELECT count(*) FROM matches WHERE id = $1",
        second.id,
    )
    .await;
    assert!(written <= 1);
    // ...and the node's outbox worker writes it once PostgreSQL is back.
    for _ in 0..200 {
        written = count(
            &app.state.db,
            "SELECT count(*) FROM matches WHERE id = $1",
            second.id,
        )
        .await;
        if written == 1 && outbox_len(&app).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(written, 1, "the result was written after the restart");
    assert_eq!(outbox_len(&app).await, 0, "the outbox emptied");

    // Writing it again, as another node's worker might, changes nothing.
    results.write(&second).await.unwrap();
    results.drain().await;
    assert_eq!(
        count(
            &app.state.db,
            "SELECT count(*) FROM match_players WHERE match_id = $1",
            second.id,
        )
        .await,
        players.len() as i64
    );
    for user in &players {
        let games: i32 = sqlx::query_scalar("SELECT games_played FROM users WHERE id = $1")
            .bind(user)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        assert_eq!(games, 2, "two matches, each counted once");
    }
    let coins: i64 =
        sqlx::query_scalar("SELECT balance FROM wallets WHERE user_id = $1 AND currency = 'coins'")
            .bind(players[1])
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(coins, 25 + 30, "each reward credited once");
    assert_bank_invariants(&app.state.db).await;
    let _ = std::fs::remove_dir_all(&outbox_dir);
}
