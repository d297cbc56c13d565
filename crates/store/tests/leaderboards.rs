//! Leaderboard order in PostgreSQL, and the Redis index built from it, on real servers: ties go to
//! whoever reached the value first, and a value that falls and rises again takes the new time.

#![allow(clippy::unwrap_used)]

use uuid::Uuid;
use whoosh_cache::{KeySchema, LeaderboardIndex, Redis, RedisMode, leaderboard::Entry};
use whoosh_core::{DeviceId, DisplayName};
use whoosh_store::leaderboards;
use whoosh_test_support::{TestDb, redis_url, unique_prefix};

async fn user(db: &sqlx::PgPool) -> Uuid {
    let device = DeviceId::parse(&Uuid::new_v4().to_string()).unwrap();
    whoosh_store::accounts::guest_for_device(db, &device, &DisplayName::parse("p").unwrap())
        .await
        .unwrap()
        .0
        .id
}

async fn set(db: &sqlx::PgPool, user: Uuid, value: i64) {
    let mut tx = db.begin().await.unwrap();
    leaderboards::set(&mut tx, "rating", user, value)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn order(db: &sqlx::PgPool) -> Vec<(Uuid, i64)> {
    leaderboards::range(db, "rating", 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|s| (s.user_id, s.value))
        .collect()
}

#[tokio::test]
async fn a_value_that_drops_and_regains_ranks_by_its_new_time_in_postgres_and_redis() {
    let db = TestDb::create().await;
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let (a, b) = (user(&pool).await, user(&pool).await);
    set(&pool, a, 1000).await;
    set(&pool, b, 1000).await;
    assert_eq!(
        order(&pool).await,
        [(a, 1000), (b, 1000)],
        "A reached 1000 first"
    );
    set(&pool, a, 900).await;
    assert_eq!(order(&pool).await, [(b, 1000), (a, 900)]);
    set(&pool, a, 1000).await;
    assert_eq!(
        order(&pool).await,
        [(b, 1000), (a, 1000)],
        "A regained 1000 after B reached it"
    );
    let standing = leaderboards::standing(&pool, "rating", a)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(standing.rank, 2);

    // The Redis index built from PostgreSQL holds exactly the same order.
    let redis = Redis::connect(&redis_url(), RedisMode::Single)
        .await
        .unwrap();
    let index = LeaderboardIndex::new(redis, KeySchema::new(unique_prefix()));
    let entries: Vec<Entry> = leaderboards::all(&pool, "rating")
        .await
        .unwrap()
        .iter()
        .map(|s| Entry {
            user_id: s.user_id,
            value: s.value,
            first_reached_us: (s.first_reached_at.unix_timestamp_nanos() / 1000) as i64,
        })
        .collect();
    index.rebuild("rating", &entries).await.unwrap();
    let indexed: Vec<(Uuid, i64)> = index
        .range("rating", 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.entry.user_id, r.entry.value))
        .collect();
    assert_eq!(indexed, order(&pool).await);
    assert_eq!(
        index.standing("rating", a).await.unwrap().map(|r| r.rank),
        Some(2)
    );
}
