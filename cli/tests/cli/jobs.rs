//! The operator's jobs: leaderboard rebuild and drift check, the matchmaker loop, deleting an
//! account, draining the results outbox.

use crate::{Running, guest, stderr_and_stdout, whoosh};
use std::{process::Stdio, time::Duration};
use whoosh_test_support::{Client, Nobody, Remote, TestDb, free_port, unique_prefix};

#[tokio::test]
async fn leaderboards_rebuild_and_drift_check_from_the_command_line() {
    let db = TestDb::create().await;
    let migrate = whoosh(&db, &[]).arg("migrate").output().unwrap();
    assert!(migrate.status.success());
    let prefix = unique_prefix();
    let run = |args: &[&str]| {
        let out = whoosh(&db, &[("REDIS_KEY_PREFIX", &prefix)])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            stderr_and_stdout(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run(&["leaderboards", "rebuild", "score"]).contains("score: rebuilt with 0 entries"));
    for command in ["drift-check", "check"] {
        let checked = run(&["leaderboards", command]);
        for board in ["rating", "score", "xp"] {
            assert!(
                checked.contains(&format!("{board}: 0 position(s) differed")),
                "{command}: {checked}"
            );
        }
    }
    let unknown = whoosh(&db, &[("REDIS_KEY_PREFIX", &prefix)])
        .args(["leaderboards", "rebuild", "nope"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());

    // On EKS the check sends its drift metric to the CloudWatch agent's EMF listener: one valid
    // line per board, written before the job exits.
    let agent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("tcp://{}", agent.local_addr().unwrap());
    let received = std::thread::spawn(move || {
        use std::io::BufRead;
        let (conn, _) = agent.accept().unwrap();
        std::io::BufReader::new(conn)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });
    let out = whoosh(
        &db,
        &[
            ("REDIS_KEY_PREFIX", &prefix),
            ("METRICS_EMF", &endpoint),
            ("METRICS_NAMESPACE", "Whoosh/test"),
        ],
    )
    .args(["leaderboards", "drift-check"])
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr_and_stdout(&out));
    let lines = received.join().unwrap();
    let mut boards: Vec<String> = lines
        .iter()
        .map(|line| {
            let m = whoosh_http::emf::validate(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert_eq!(m["LeaderboardDrift"], 0.0, "{line}");
            assert_eq!(
                m["_aws"]["CloudWatchMetrics"][0]["Namespace"],
                "Whoosh/test"
            );
            m["Board"].as_str().unwrap().to_owned()
        })
        .collect();
    boards.sort();
    assert_eq!(boards, ["rating", "score", "xp"]);
}

#[tokio::test]
async fn matchmaker_runs_the_matcher_loop_and_answers_health_probes() {
    use whoosh_cache::{EdgeNode, KeySchema, NodeRegistry, Redis, RedisMode, Ticket, TicketQueue};
    let db = TestDb::create().await;
    let prefix = unique_prefix();
    let redis = Redis::connect(&whoosh_test_support::redis_url(), RedisMode::Single)
        .await
        .unwrap();
    let keys = KeySchema::new(prefix.clone());
    NodeRegistry::new(redis.clone(), keys.clone())
        .heartbeat(
            &EdgeNode {
                id: "edge-cli".into(),
                url: "ws://127.0.0.1:7002".into(),
                internal_url: "ws://127.0.0.1:7002".into(),
                region: "local".into(),
                capacity: 100,
                load: 0,
                accepting: true,
            },
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    let queue = TicketQueue::new(redis, keys);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut ids = Vec::new();
    for i in 0..3 {
        let player = uuid::Uuid::new_v4().to_string();
        let ticket = Ticket {
            id: format!("cli-{i}-{}", uuid::Uuid::new_v4().simple()),
            mode: "party".into(),
            region: "local".into(),
            owner: player.clone(),
            members: vec![player],
            party_id: None,
            rating: 1200,
            // Waited past MATCHMAKING_MIN_START_WAIT already: the first pass matches them.
            created_at_ms: now - 11_000,
            expires_at_ms: now + 100_000,
            status: whoosh_cache::TicketStatus::Searching,
            lobby_id: None,
            edge_url: None,
            matched_at_ms: None,
        };
        queue
            .enqueue(&ticket, Duration::from_secs(60))
            .await
            .unwrap();
        ids.push(ticket.id);
    }
    let port = free_port().to_string();
    let bind = format!("127.0.0.1:{port}");
    let _matchmaker = Running(
        whoosh(
            &db,
            &[
                ("WHOOSH_BIND", &bind),
                ("REDIS_KEY_PREFIX", &prefix),
                ("MATCHMAKING_INTERVAL", "100ms"),
            ],
        )
        .arg("matchmaker")
        .stdout(Stdio::null())
        .spawn()
        .unwrap(),
    );
    let mut matched = false;
    for _ in 0..100 {
        let ticket = queue.get(&ids[0]).await.unwrap().unwrap();
        if ticket.status == whoosh_cache::TicketStatus::Matched {
            matched = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(matched, "the matchmaker did not match the waiting tickets");
    let lobby = queue.get(&ids[0]).await.unwrap().unwrap().lobby_id;
    for id in &ids[1..] {
        assert_eq!(queue.get(id).await.unwrap().unwrap().lobby_id, lobby);
    }
    let health = Remote::new(format!("http://{bind}"))
        .get("/healthz", Nobody)
        .await;
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn users_delete_erases_an_account_and_says_when_there_is_none() {
    let db = TestDb::create().await;
    let id = guest(&db, "Leaving").await;
    let out = whoosh(&db, &[])
        .args(["users", "delete", &id.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_and_stdout(&out));
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    let again = whoosh(&db, &[])
        .args(["users", "delete", &id.to_string()])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(
        stderr_and_stdout(&again).contains("no account"),
        "{}",
        stderr_and_stdout(&again)
    );
}

#[tokio::test]
async fn outbox_drain_writes_waiting_results_once_from_redis_and_from_files() {
    use whoosh_store::matches::{MatchRecord, PlayerRecord};
    let db = TestDb::create().await;
    let prefix = unique_prefix();
    let dir = std::env::temp_dir().join(format!("whoosh-outbox-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let player = guest(&db, "Waiting").await;
    let record = |id: uuid::Uuid| MatchRecord {
        id,
        mode: "party".into(),
        winner: "agents".into(),
        reason: "exposed".into(),
        started_at: time::OffsetDateTime::now_utc(),
        finished_at: time::OffsetDateTime::now_utc(),
        players: vec![PlayerRecord {
            user_id: player,
            role: "agent".into(),
            won: true,
            heat: 3,
            final_suspect: None,
            rating_delta: 16,
            xp: 100,
            coins: 30,
        }],
    };
    let (in_redis, in_file) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let keys = whoosh_cache::KeySchema::new(prefix.clone());
    let client = redis::Client::open(whoosh_test_support::redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let json = serde_json::to_string(&record(in_redis)).unwrap();
    // The same result parked twice (two nodes retried it): still written once.
    for _ in 0..2 {
        redis::cmd("XADD")
            .arg(keys.results_outbox())
            .arg("*")
            .arg("record")
            .arg(&json)
            .query_async::<String>(&mut conn)
            .await
            .unwrap();
    }
    std::fs::write(
        dir.join(format!("{in_file}.json")),
        serde_json::to_string(&record(in_file)).unwrap(),
    )
    .unwrap();
    let dir_setting = dir.display().to_string();
    let out = whoosh(
        &db,
        &[
            ("REDIS_KEY_PREFIX", &prefix),
            ("EDGE_OUTBOX_DIR", &dir_setting),
        ],
    )
    .args(["outbox", "drain"])
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr_and_stdout(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 result(s) still waiting"));
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let (matches, games, coins): (i64, i32, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM matches), u.games_played,
                (SELECT COALESCE(sum(amount), 0)::bigint FROM ledger WHERE user_id = u.id)
         FROM users u WHERE u.id = $1",
    )
    .bind(player)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((matches, games, coins), (2, 2, 60));
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "the file left the outbox"
    );
    let waiting: u64 = redis::cmd("XLEN")
        .arg(keys.results_outbox())
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(waiting, 0);
    let _ = std::fs::remove_dir_all(&dir);
}
