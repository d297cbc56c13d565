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

/// Fails the test on any error, naming CROSSSLOT (keys of one command or script in different
/// slots) when that is the cause.
fn ok<T>(what: &str, result: redis::RedisResult<T>) -> T {
    result.unwrap_or_else(|e| {
        let crossslot = e.to_string().contains("CROSSSLOT") || e.code() == Some("CROSSSLOT");
        panic!("{what} failed in cluster mode (CROSSSLOT: {crossslot}): {e}")
    })
}

#[tokio::test]
async fn queues_lobbies_nodes_parties_and_boards_work_against_a_redis_cluster() {
    use whoosh_cache::{
        Cancelled, EdgeNode, Enqueued, LeaderboardIndex, LobbyDirectory, LobbyKind, LobbyRecord,
        Membership, NodeRegistry, Ownership, Party, PartyDirectory, PartyJoin, Ticket, TicketQueue,
        TicketStatus, leaderboard::Entry,
    };
    let cluster = whoosh_test_support::ThrowawayRedisCluster::start().await;
    let redis = Redis::connect(&cluster.url(), RedisMode::Cluster)
        .await
        .unwrap();
    let keys = KeySchema::new(unique_prefix());
    let minute = Duration::from_secs(60);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;

    // Leaderboards: several boards (so several slots); upsert, rank, rebuild, remove.
    let index = LeaderboardIndex::new(redis.clone(), keys.clone());
    for board in ["rating", "xp", "score", "weekly-1", "weekly-2"] {
        let entries: Vec<Entry> = (0..20u128)
            .map(|i| Entry {
                user_id: uuid::Uuid::from_u128(i + 1),
                value: (i as i64 % 7) * 10,
                first_reached_us: 1_000_000 + i as i64,
            })
            .collect();
        ok("rebuild", index.rebuild(board, &entries).await);
        ok("mark_ready", index.mark_ready(board).await);
        assert!(ok("is_ready", index.is_ready(board).await));
        let mut expected = entries.clone();
        expected.sort_by(|a, b| {
            b.value
                .cmp(&a.value)
                .then(a.first_reached_us.cmp(&b.first_reached_us))
                .then(a.user_id.cmp(&b.user_id))
        });
        let ranked = ok("range", index.range(board, 0, 100).await);
        let got: Vec<Entry> = ranked.iter().map(|r| r.entry).collect();
        assert_eq!(got, expected, "{board}: the index order is the SQL order");
        let top = Entry {
            user_id: uuid::Uuid::from_u128(5),
            value: 1_000,
            first_reached_us: 2_000_000,
        };
        ok("upsert", index.upsert(board, &top).await);
        let standing = ok("standing", index.standing(board, top.user_id).await).unwrap();
        assert_eq!((standing.rank, standing.entry), (1, top));
        ok("remove", index.remove(board, top.user_id).await);
        assert_eq!(
            ok("standing", index.standing(board, top.user_id).await),
            None
        );
        assert_eq!(ok("range", index.range(board, 0, 100).await).len(), 19);
    }

    // Matchmaking: tickets in two queues, the Lua claim, a lost race, cancel and expire.
    let queue = TicketQueue::new(redis.clone(), keys.clone());
    let ticket = |id: &str, mode: &str, members: &[&str], expires_at_ms: i64| Ticket {
        id: id.to_owned(),
        mode: mode.to_owned(),
        region: "local".to_owned(),
        owner: members[0].to_owned(),
        members: members.iter().map(|m| (*m).to_owned()).collect(),
        party_id: None,
        rating: 1200,
        created_at_ms: now_ms,
        expires_at_ms,
        status: TicketStatus::Searching,
        lobby_id: None,
        edge_url: None,
        matched_at_ms: None,
    };
    let live = now_ms + 60_000;
    let mut ids = Vec::new();
    for i in 0..8 {
        let id = format!("t{i}");
        let player = format!("p{i}");
        let queued = ok(
            "enqueue",
            queue
                .enqueue(&ticket(&id, "party", &[&player], live), minute)
                .await,
        );
        assert_eq!(queued, Enqueued::Queued);
        ids.push(id);
    }
    // A player is never in two tickets at once, across queues (different slots).
    let twice = ok(
        "enqueue",
        queue
            .enqueue(&ticket("t-dup", "duel", &["p0"], live), minute)
            .await,
    );
    assert_eq!(
        twice,
        Enqueued::AlreadyLive {
            player: "p0".to_owned()
        }
    );
    assert_eq!(
        ok("waiting", queue.waiting("party", "local").await).len(),
        8
    );
    let first: Vec<String> = ids[..4].to_vec();
    assert!(ok(
        "claim",
        queue
            .claim(
                "party", "local", &first, "lobby-a", "ws://e", now_ms, minute, minute
            )
            .await
    ));
    // The same tickets cannot be claimed twice, nor a group holding one of them.
    let overlapping: Vec<String> = ids[3..7].to_vec();
    assert!(!ok(
        "claim",
        queue
            .claim(
                "party",
                "local",
                &overlapping,
                "lobby-b",
                "ws://e",
                now_ms,
                minute,
                minute
            )
            .await
    ));
    let t0 = ok("get", queue.get("t0").await).unwrap();
    assert_eq!(
        (t0.status, t0.lobby_id.as_deref()),
        (TicketStatus::Matched, Some("lobby-a"))
    );
    let t7 = ok("get", queue.get("t7").await).unwrap();
    assert_eq!(ok("cancel", queue.cancel(&t7).await), Cancelled::Cancelled);
    assert_eq!(
        ok("cancel", queue.cancel(&t0).await),
        Cancelled::AlreadyOver(TicketStatus::Matched)
    );
    let expired = ok(
        "expire",
        queue.expire("party", "local", &ids[4..7], live + 1).await,
    );
    assert_eq!(expired.len(), 3);
    assert!(ok("waiting", queue.waiting("party", "local").await).is_empty());
    // Freed players may queue again.
    assert_eq!(
        ok(
            "enqueue",
            queue
                .enqueue(&ticket("t-again", "duel", &["p7"], live), minute)
                .await
        ),
        Enqueued::Queued
    );

    // Parties: create under a code, join, leave, disband.
    let parties = PartyDirectory::new(redis.clone(), keys.clone());
    let party = Party {
        id: "party-1".to_owned(),
        leader: "lead".to_owned(),
        code: "ABCD".to_owned(),
        members: vec!["lead".to_owned()],
        ticket: None,
        created_at_ms: now_ms,
    };
    assert!(ok("party create", parties.create(&party, minute).await));
    assert_eq!(
        ok("resolve", parties.resolve_code("ABCD").await).as_deref(),
        Some("party-1")
    );
    assert_eq!(
        ok("join", parties.join("party-1", "friend", 4).await),
        PartyJoin::Added
    );
    ok(
        "set_ticket",
        parties.set_ticket(&party, "t-party", minute).await,
    );
    let stored = ok("party get", parties.get("party-1").await).unwrap();
    assert_eq!(stored.ticket.as_deref(), Some("t-party"));
    assert_eq!(stored.members.len(), 2);
    ok("leave", parties.leave(&party, "lead").await);
    assert_eq!(ok("party get", parties.get("party-1").await), None);
    assert_eq!(ok("resolve", parties.resolve_code("ABCD").await), None);

    // The node registry: heartbeats of nodes in one region, least loaded, reservations.
    let nodes = NodeRegistry::new(redis.clone(), keys.clone());
    for (id, load) in [("n1", 5), ("n2", 1), ("n3", 9)] {
        let node = EdgeNode {
            id: id.to_owned(),
            url: format!("ws://{id}"),
            internal_url: format!("http://{id}"),
            region: "local".to_owned(),
            capacity: 10,
            load,
            accepting: true,
        };
        ok("heartbeat", nodes.heartbeat(&node, minute).await);
    }
    assert_eq!(ok("live", nodes.live("local").await).len(), 3);
    let least = ok("least_loaded", nodes.least_loaded("local", 2).await).unwrap();
    assert_eq!(least.id, "n2");
    ok("reserve", nodes.reserve("n2", 6).await);
    let least = ok("least_loaded", nodes.least_loaded("local", 2).await).unwrap();
    assert_eq!(least.id, "n1");
    ok("remove", nodes.remove("n1", "local").await);
    assert_eq!(ok("get", nodes.get("n1").await), None);

    // The lobby directory: records, members, ownership with fencing, snapshots, join codes.
    let lobbies = LobbyDirectory::new(redis.clone(), keys.clone());
    for n in 0..6 {
        let id = format!("lobby-{n}");
        let record = LobbyRecord {
            id: id.clone(),
            kind: LobbyKind::Private,
            mode: "party".to_owned(),
            region: "local".to_owned(),
            node: "n2".to_owned(),
            url: "ws://n2".to_owned(),
            epoch: 1,
            host: Some("host".to_owned()),
            code: Some(format!("CODE{n}")),
            round_secs: 180,
            max_players: 2,
            created_at_ms: now_ms,
            state: "waiting".to_owned(),
            members: vec!["host".to_owned()],
        };
        ok("lobby create", lobbies.create(&record, minute).await);
        assert!(ok(
            "reserve_code",
            lobbies.reserve_code(&format!("CODE{n}"), &id, minute).await
        ));
        assert!(!ok(
            "reserve_code",
            lobbies
                .reserve_code(&format!("CODE{n}"), "other", minute)
                .await
        ));
        assert_eq!(
            ok(
                "resolve_code",
                lobbies.resolve_code(&format!("CODE{n}")).await
            ),
            Some(id.clone())
        );
        assert_eq!(
            ok("add_member", lobbies.add_member(&id, "guest").await),
            Membership::Added
        );
        assert_eq!(
            ok("add_member", lobbies.add_member(&id, "third").await),
            Membership::Full
        );
        ok("set_state", lobbies.set_state(&id, "playing").await);
        let got = ok("lobby get", lobbies.get(&id).await).unwrap();
        assert_eq!((got.state.as_str(), got.members.len()), ("playing", 2));
        assert_eq!(
            ok("claim", lobbies.claim(&id, "n2", "ws://n2", minute).await),
            Ownership::Mine {
                epoch: 1,
                took_over: false
            }
        );
        assert_eq!(
            ok("claim", lobbies.claim(&id, "n3", "ws://n3", minute).await),
            Ownership::Theirs {
                node: "n2".to_owned()
            }
        );
        assert!(ok(
            "save_snapshot",
            lobbies
                .save_snapshot(&id, "n2", 1, "{\"seq\":1}", minute, minute)
                .await
        ));
        ok("release", lobbies.release(&id, "n2").await);
        assert_eq!(
            ok("claim", lobbies.claim(&id, "n3", "ws://n3", minute).await),
            Ownership::Mine {
                epoch: 2,
                took_over: true
            }
        );
        // The old owner is fenced off.
        assert!(!ok(
            "save_snapshot",
            lobbies
                .save_snapshot(&id, "n2", 1, "{\"seq\":2}", minute, minute)
                .await
        ));
        assert_eq!(
            ok("snapshot", lobbies.snapshot(&id).await).as_deref(),
            Some("{\"seq\":1}")
        );
        ok("touch", lobbies.touch(&id, minute).await);
        ok(
            "release_code",
            lobbies.release_code(&format!("CODE{n}")).await,
        );
        ok("lobby remove", lobbies.remove(&id).await);
        assert_eq!(ok("lobby get", lobbies.get(&id).await), None);
    }

    // The rate limiter, across many slots.
    let limiter = RateLimiter::new(redis.clone(), keys.clone());
    let rate = Rate::new(1, minute);
    for subject in 0..20 {
        let s = subject.to_string();
        assert_eq!(
            ok("limit", limiter.check("c", &s, rate).await),
            Decision::Allowed
        );
        assert!(matches!(
            ok("limit", limiter.check("c", &s, rate).await),
            Decision::Limited { .. }
        ));
    }
    drop(cluster); // stops the three servers
}
