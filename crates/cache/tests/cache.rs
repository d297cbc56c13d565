//! The Redis layer against the real Redis (under a unique key prefix) and ElastiCache discovery
//! against moto.

#![allow(clippy::unwrap_used)]

use std::time::Duration;
use whoosh_cache::{Decision, KeySchema, Rate, RateLimiter, Redis, RedisMode, discovery};
use whoosh_test_support::{MotoServer, redis_url, unique_prefix};

async fn limiter() -> RateLimiter {
    let redis = Redis::connect(&redis_url(), RedisMode::Single)
        .await
        .unwrap();
    RateLimiter::new(redis, KeySchema::new(unique_prefix()))
}

#[tokio::test]
async fn limiter_admits_the_burst_then_says_how_long_to_wait() {
    let limiter = limiter().await;
    let rate = Rate::new(3, Duration::from_secs(60));
    for _ in 0..3 {
        assert_eq!(
            limiter.check("t", "alice", rate).await.unwrap(),
            Decision::Allowed
        );
    }
    match limiter.check("t", "alice", rate).await.unwrap() {
        Decision::Limited { retry_after } => {
            assert!(
                retry_after > Duration::from_secs(15) && retry_after <= Duration::from_secs(20),
                "{retry_after:?}"
            );
        }
        Decision::Allowed => panic!("fourth request in a burst of three was allowed"),
    }
    // Subjects and policies are independent.
    assert_eq!(
        limiter.check("t", "bob", rate).await.unwrap(),
        Decision::Allowed
    );
    assert_eq!(
        limiter.check("other", "alice", rate).await.unwrap(),
        Decision::Allowed
    );
    // A reset forgets the subject.
    limiter.reset("t", "alice").await.unwrap();
    assert_eq!(
        limiter.check("t", "alice", rate).await.unwrap(),
        Decision::Allowed
    );
}

#[tokio::test]
async fn limiter_refills_at_the_configured_rate() {
    let limiter = limiter().await;
    let rate = Rate::new(2, Duration::from_secs(2));
    assert_eq!(
        limiter.check("t", "s", rate).await.unwrap(),
        Decision::Allowed
    );
    assert_eq!(
        limiter.check("t", "s", rate).await.unwrap(),
        Decision::Allowed
    );
    assert!(matches!(
        limiter.check("t", "s", rate).await.unwrap(),
        Decision::Limited { .. }
    ));
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(
        limiter.check("t", "s", rate).await.unwrap(),
        Decision::Allowed
    );
}

#[tokio::test]
async fn connecting_to_a_dead_redis_fails_fast_with_an_error() {
    let port = whoosh_test_support::free_port();
    let started = std::time::Instant::now();
    let result = Redis::connect(&format!("redis://127.0.0.1:{port}"), RedisMode::Single).await;
    assert!(result.is_err());
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn elasticache_discovery_finds_cluster_and_single_node_groups() {
    let moto = MotoServer::start().await;
    let sdk = moto.sdk_config().await;
    let client = aws_sdk_elasticache::Client::new(&sdk);
    client
        .create_replication_group()
        .replication_group_id("whoosh-cluster")
        .replication_group_description("cluster mode")
        .cache_node_type("cache.r7g.large")
        .engine("redis")
        .num_node_groups(3)
        .replicas_per_node_group(1)
        .cluster_mode(aws_sdk_elasticache::types::ClusterMode::Enabled)
        .transit_encryption_enabled(true)
        .send()
        .await
        .unwrap();
    let found = discovery::discover(&sdk, "whoosh-cluster").await.unwrap();
    assert_eq!(found.mode, RedisMode::Cluster, "{found:?}");
    assert!(found.url.starts_with("rediss://"), "{found:?}");

    client
        .create_replication_group()
        .replication_group_id("whoosh-single")
        .replication_group_description("one shard")
        .cache_node_type("cache.t4g.small")
        .engine("redis")
        .num_cache_clusters(1)
        .send()
        .await
        .unwrap();
    let single = discovery::discover(&sdk, "whoosh-single").await.unwrap();
    assert_eq!(single.mode, RedisMode::Single, "{single:?}");
    assert!(single.url.starts_with("redis://"), "{single:?}");

    let err = discovery::discover(&sdk, "nope")
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("nope"), "{err}");
}

#[tokio::test]
async fn the_client_and_limiter_work_against_a_redis_cluster() {
    let cluster = whoosh_test_support::ThrowawayRedisCluster::start().await;
    let redis = Redis::connect(&cluster.url(), RedisMode::Cluster)
        .await
        .unwrap();
    redis.ping().await.unwrap();
    let limiter = RateLimiter::new(redis.clone(), KeySchema::new(unique_prefix()));
    let rate = Rate::new(2, Duration::from_secs(60));
    // Many subjects spread over every shard; each keeps its own budget.
    for subject in 0..30 {
        let s = subject.to_string();
        assert_eq!(
            limiter.check("t", &s, rate).await.unwrap(),
            Decision::Allowed
        );
        assert_eq!(
            limiter.check("t", &s, rate).await.unwrap(),
            Decision::Allowed
        );
        assert!(matches!(
            limiter.check("t", &s, rate).await.unwrap(),
            Decision::Limited { .. }
        ));
    }
    // Keys sharing a hash tag live in one slot, so multi-key commands work in cluster mode.
    let keys = KeySchema::new(unique_prefix());
    let (a, b) = (
        keys.revoked_session("u1", "s1"),
        keys.revoked_session("u1", "s2"),
    );
    let mut conn = redis.clone();
    redis::cmd("MSET")
        .arg(&a)
        .arg(1)
        .arg(&b)
        .arg(2)
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    let got: Vec<i64> = redis::cmd("MGET")
        .arg(&a)
        .arg(&b)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(got, [1, 2]);
}
