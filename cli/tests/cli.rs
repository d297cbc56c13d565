//! The `whoosh` binary as an operator runs it: the all-in-one local stack, migrations, and the
//! messages it stops with when the configuration or a dependency is wrong.

#![allow(clippy::unwrap_used)]

use std::{
    process::{Child, Command, Output, Stdio},
    time::Duration,
};
use whoosh_test_support::{TestDb, free_port, test_env, unique_prefix};

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
    let http = reqwest::Client::new();
    let mut ready = None;
    for _ in 0..100 {
        if let Ok(r) = http.get(format!("{url}/readyz")).send().await {
            ready = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready = ready.expect("whoosh dev did not come up");
    assert_eq!(ready.status(), 200);
    let page = http.get(format!("{url}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<title>Whoosh"));
    let unknown = http
        .get(format!("{url}/api/definitely/not/here"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    // The whole API document, the same as docs/openapi.json, and the page that renders it.
    let doc = http
        .get(format!("{url}/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(doc.status(), 200);
    let doc: serde_json::Value = doc.json().await.unwrap();
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(doc, committed);
    let docs = http.get(format!("{url}/api/docs")).send().await.unwrap();
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

#[tokio::test]
async fn keys_generate_rotate_retire_and_mint_service_tokens() {
    let db = TestDb::create().await;
    let file = std::env::temp_dir().join(format!("whoosh-cli-keys-{}.json", uuid::Uuid::new_v4()));
    let source = format!("file:{}", file.display());
    let run = |args: &[&str]| {
        let out = whoosh(&db, &[("AUTH_KEYS_SOURCE", &source)])
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
    assert!(run(&["keys", "generate"]).contains("created a keyring"));
    assert!(run(&["keys", "generate"]).contains("already holds a keyring"));
    run(&["keys", "rotate", "--activate-in", "3600"]);
    let shown = run(&["keys", "show"]);
    assert_eq!(
        shown.lines().filter(|l| l.contains("\tsigning\t")).count(),
        1,
        "{shown}"
    );
    assert_eq!(
        shown
            .lines()
            .filter(|l| l.contains("\tverifying\t"))
            .count(),
        1,
        "{shown}"
    );

    let token = run(&["keys", "service-token", "edge", "--ttl", "60"]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let ring =
        whoosh_auth::Keyring::from_json(&std::fs::read_to_string(&file).unwrap(), now).unwrap();
    let spec = whoosh_auth::TokenSpec {
        issuer: "whoosh".into(),
        audience: "whoosh-players".into(),
    };
    let claims = ring
        .verify(&spec, token.trim(), whoosh_auth::TokenKind::Service)
        .unwrap();
    assert_eq!(claims.sub, "edge");

    let signing = shown
        .lines()
        .find(|l| l.contains("\tsigning\t"))
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_owned();
    // Retiring the only key that can sign now is refused: the keyring would be unusable.
    let refused = whoosh(&db, &[("AUTH_KEYS_SOURCE", &source)])
        .args(["keys", "retire", &signing])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(stderr_and_stdout(&refused).contains("unusable"));
    run(&["keys", "rotate", "--activate-in", "0"]);
    run(&["keys", "retire", &signing]);
    assert!(run(&["keys", "show"]).contains("\tretired\t"));
    std::fs::remove_file(&file).ok();
}

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
    let health = reqwest::get(format!("http://{bind}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

/// A guest account made directly in the database.
async fn guest(db: &TestDb, name: &str) -> uuid::Uuid {
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let device = whoosh_core::DeviceId::parse(&uuid::Uuid::new_v4().to_string()).unwrap();
    let name = whoosh_core::DisplayName::parse(name).unwrap();
    let (account, _) = whoosh_store::accounts::guest_for_device(&pool, &device, &name)
        .await
        .unwrap();
    account.id
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

/// Every credential a full session handles — password, device id, access, refresh, join,
/// service and action tokens — never appears in the logs, even at debug level.
#[tokio::test]
async fn no_secret_reaches_the_logs_of_a_full_session() {
    use futures_util::StreamExt;
    use serde_json::{Value, json};
    let db = TestDb::create().await;
    let port = free_port().to_string();
    let bind = format!("127.0.0.1:{port}");
    let url = format!("http://127.0.0.1:{port}");
    let logs = std::env::temp_dir().join(format!("whoosh-logs-{}", uuid::Uuid::new_v4()));
    let out = std::fs::File::create(&logs).unwrap();
    let err = out.try_clone().unwrap();
    let prefix = unique_prefix();
    let overrides = [
        ("WHOOSH_BIND", bind.as_str()),
        ("WHOOSH_PUBLIC_URL", url.as_str()),
        ("REDIS_KEY_PREFIX", prefix.as_str()),
        ("LOG_LEVEL", "debug"),
        ("LOG_FORMAT", "json"),
        ("ALLOWED_ORIGINS", url.as_str()),
        // The request metrics as a Lambda writes them, so they are checked too.
        ("METRICS_EMF", "stdout"),
        ("METRICS_NAMESPACE", "Whoosh/test"),
    ];
    let dev = Running(
        whoosh(&db, &overrides)
            .arg("dev")
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap(),
    );
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http
            .get(format!("{url}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut secrets: Vec<String> = Vec::new();
    let post = |path: &str, token: Option<&str>, body: Value| {
        let mut request = http.post(format!("{url}{path}")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let password = "correct horse battery staple 42";
    secrets.push(password.to_owned());
    let registered: Value = post(
        "/api/auth/register",
        None,
        json!({"username": "logwatcher", "password": password}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let access = registered["access_token"].as_str().unwrap().to_owned();
    secrets.push(access.clone());
    secrets.push(registered["refresh_token"].as_str().unwrap().to_owned());
    let wrong = post(
        "/api/auth/login",
        None,
        json!({"username": "logwatcher", "password": "not the password at all"}),
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), 401);
    secrets.push("not the password at all".to_owned());
    let refreshed: Value = post(
        "/api/auth/refresh",
        None,
        json!({"refresh_token": registered["refresh_token"]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    secrets.push(refreshed["access_token"].as_str().unwrap().to_owned());
    secrets.push(refreshed["refresh_token"].as_str().unwrap().to_owned());
    let device = format!("device-{}", uuid::Uuid::new_v4().simple());
    secrets.push(device.clone());
    let guest: Value = post("/api/auth/guest", None, json!({"device_id": device}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    secrets.push(guest["access_token"].as_str().unwrap().to_owned());
    let guest_id = guest["user"]["id"].as_str().unwrap().to_owned();
    // A private lobby, its join token, and a socket opened with it.
    let lobby: Value = post("/api/lobbies", Some(&access), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let join = lobby["join_token"].as_str().unwrap().to_owned();
    secrets.push(join.clone());
    let ws_url = format!(
        "ws://127.0.0.1:{port}/ws/lobbies/{}?token={join}",
        lobby["lobby_id"].as_str().unwrap()
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
    let welcome = ws.next().await.unwrap().unwrap();
    assert!(welcome.to_text().unwrap().contains("WELCOME"));
    // A service token (minted by the operator command), an action token, a score.
    let minted = whoosh(&db, &[("REDIS_KEY_PREFIX", prefix.as_str())])
        .args(["keys", "service-token", "arcade", "--ttl", "600"])
        .output()
        .unwrap();
    assert!(minted.status.success(), "{}", stderr_and_stdout(&minted));
    let service = String::from_utf8_lossy(&minted.stdout).trim().to_owned();
    assert!(service.matches('.').count() == 2, "a JWT: {service}");
    secrets.push(service.clone());
    let action: Value = post(
        "/api/actions",
        Some(&service),
        json!({"user_id": guest_id, "max_score": 100}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let action_token = action["action_token"].as_str().unwrap().to_owned();
    secrets.push(action_token.clone());
    let scored = post(
        "/api/scores",
        Some(guest["access_token"].as_str().unwrap()),
        json!({"action_token": action_token, "delta": 10}),
    )
    .await
    .unwrap();
    assert!(
        scored.status().is_success(),
        "{}",
        scored.text().await.unwrap()
    );
    let logout = post(
        "/api/auth/logout-all",
        Some(refreshed["access_token"].as_str().unwrap()),
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(logout.status(), 204);
    drop(ws);
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(dev);
    let captured = std::fs::read_to_string(&logs).unwrap();
    let _ = std::fs::remove_file(&logs);
    assert!(
        captured
            .lines()
            .filter(|l| l.contains("\"request_id\""))
            .count()
            >= 8,
        "the requests were logged: {captured}"
    );
    for secret in &secrets {
        // Tokens could also leak in part (a signature, a payload); check a distinctive slice.
        let tail = &secret[secret.len().saturating_sub(24)..];
        assert!(
            !captured.contains(secret.as_str()) && !captured.contains(tail),
            "a secret ({}…) is in the logs",
            &secret[..secret.len().min(6)]
        );
    }
    // Every metrics line is valid Embedded Metric Format; each request has one, by route, and
    // each error answer one more by its code.
    let metrics: Vec<serde_json::Map<String, Value>> = captured
        .lines()
        .filter(|l| l.contains("\"_aws\""))
        .map(|l| whoosh_http::emf::validate(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let requests: Vec<&serde_json::Map<String, Value>> = metrics
        .iter()
        .filter(|m| m.contains_key("Requests"))
        .collect();
    assert!(requests.len() >= 8, "{metrics:?}");
    for m in &metrics {
        assert_eq!(m["Service"], "whoosh");
        assert_eq!(
            m["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "Whoosh/test"
        );
    }
    let register = requests
        .iter()
        .find(|m| m["Route"] == "POST /api/auth/register")
        .expect("the registration has its metrics line");
    assert_eq!(register["Requests"], 1.0);
    assert_eq!(register["ServerErrors"], 0.0);
    assert!(register["Latency"].as_f64().unwrap() > 0.0);
    assert!(
        metrics
            .iter()
            .any(|m| m.get("Code") == Some(&json!("invalid_credentials")) && m["Errors"] == 1.0),
        "the refused login is counted by its code: {metrics:?}"
    );
}

#[tokio::test]
async fn demo_seed_fills_profiles_matches_and_boards_and_is_idempotent() {
    let db = TestDb::create().await;
    let prefix = unique_prefix();
    let run = || {
        let out = whoosh(&db, &[("REDIS_KEY_PREFIX", &prefix)])
            .args([
                "demo",
                "seed",
                "--players",
                "12",
                "--matches",
                "9",
                "--seed",
                "3",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_and_stdout(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run().contains("12 players, 9 matches recorded (0 already there)"));
    assert!(run().contains("0 matches recorded (9 already there)"));
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let (matches, rows, games, on_boards): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM matches), (SELECT count(*) FROM match_players),
                (SELECT sum(games_played)::bigint FROM users),
                (SELECT count(*) FROM leaderboard_entries WHERE board = 'score')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(matches, 9);
    assert_eq!(rows, games, "every player row counted once in games played");
    assert_eq!(on_boards, 12);
    // The Redis index follows PostgreSQL.
    let drift = whoosh(&db, &[("REDIS_KEY_PREFIX", &prefix)])
        .args(["leaderboards", "drift-check"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&drift.stdout).contains("score: 0 position(s) differed"));
}

#[tokio::test]
async fn analytics_report_counts_a_played_match_and_a_purchase_and_export_writes_each_event_once() {
    use whoosh_store::{
        economy::{self, Idempotency},
        matches::{MatchRecord, PlayerRecord},
    };
    let db = TestDb::create().await;
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let (ann, bea, cid) = (
        guest(&db, "Ann").await,
        guest(&db, "Bea").await,
        guest(&db, "Cid").await,
    );
    let now = time::OffsetDateTime::now_utc();
    let player = |user_id, won, coins| PlayerRecord {
        user_id,
        role: if won { "agent" } else { "mole" }.into(),
        won,
        heat: 1,
        final_suspect: None,
        rating_delta: if won { 12 } else { -12 },
        xp: 50,
        coins,
    };
    // A match of Ann and Bea, through the path game results take.
    let record = MatchRecord {
        id: uuid::Uuid::now_v7(),
        mode: "party".into(),
        winner: "agents".into(),
        reason: "exposed".into(),
        started_at: now - time::Duration::minutes(3),
        finished_at: now,
        players: vec![player(ann, true, 150), player(bea, false, 20)],
    };
    whoosh_store::matches::record(&pool, &record)
        .await
        .unwrap()
        .unwrap();
    // Ann spends her reward.
    let bought = economy::purchase(
        &pool,
        ann,
        Idempotency {
            scope: "purchase",
            key: "k1",
            request_hash: b"h",
        },
        "avatar-fox",
        1,
        |p| (201, serde_json::json!({"item": p.item_id})),
    )
    .await
    .unwrap();
    assert!(matches!(bought, economy::Outcome::Done { status: 201, .. }));
    let names: Vec<(Option<uuid::Uuid>, String)> =
        sqlx::query_as("SELECT user_id, name FROM analytics_events ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let of = |u: uuid::Uuid| -> Vec<&str> {
        names
            .iter()
            .filter(|(id, _)| *id == Some(u))
            .map(|(_, n)| n.as_str())
            .collect()
    };
    assert_eq!(of(ann), ["signup", "match_finished", "purchase"]);
    assert_eq!(of(bea), ["signup", "match_finished"]);
    assert_eq!(of(cid), ["signup"]);

    let today = now.date().to_string();
    let out = whoosh(&db, &[])
        .args(["analytics", "report", "--from", &today, "--to", &today])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_and_stdout(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains(&format!("{today}   3\n")), "{report}");
    for line in [
        "active users          3",
        "matches finished      1",
        "players               2",
        "matches per player    1.00",
        "purchasers            1",
        "purchase conversion   33.3% (1 of 3 active users)",
    ] {
        assert!(report.contains(line), "{line:?} missing from:\n{report}");
    }
    let backwards = whoosh(&db, &[])
        .args([
            "analytics",
            "report",
            "--from",
            &today,
            "--to",
            "2000-01-01",
        ])
        .output()
        .unwrap();
    assert!(!backwards.status.success());
    let bad_day = whoosh(&db, &[])
        .args(["analytics", "report", "--from", "yesterday", "--to", &today])
        .output()
        .unwrap();
    assert!(!bad_day.status.success());
    assert!(stderr_and_stdout(&bad_day).contains("YYYY-MM-DD"));

    // Export: only settled hours. Move the events two hours back so their hour has settled.
    sqlx::query("UPDATE analytics_events SET occurred_at = occurred_at - interval '2 hours'")
        .execute(&pool)
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("whoosh-analytics-{}", uuid::Uuid::new_v4()));
    let dir_arg = dir.display().to_string();
    let export = || {
        whoosh(&db, &[])
            .args(["analytics", "export", "--out", &dir_arg])
            .output()
            .unwrap()
    };
    let first = export();
    assert!(first.status.success(), "{}", stderr_and_stdout(&first));
    // The files in name order (day, then hour) hold the events in time order.
    let sorted = |dir: &std::path::Path| {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        paths
    };
    let mut lines = Vec::new();
    for day in sorted(&dir).into_iter().filter(|p| p.is_dir()) {
        for file in sorted(&day) {
            let text = std::fs::read_to_string(file).unwrap();
            lines.extend(text.lines().map(str::to_owned));
        }
    }
    assert_eq!(lines.len(), names.len(), "one line per event");
    let first_line: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(first_line["name"], "signup");
    assert_eq!(first_line["version"], 1);
    assert!(std::fs::read_to_string(dir.join("_watermark")).is_ok());
    // A re-run writes nothing again.
    let again = export();
    assert!(again.status.success(), "{}", stderr_and_stdout(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("exported 0 event(s) in 0 file(s)"),
        "{}",
        stderr_and_stdout(&again)
    );

    // The same export to S3 (moto on loopback): the same lines under the prefix, the watermark
    // beside them, nothing written twice.
    let moto = whoosh_test_support::MotoServer::start().await;
    let config = moto.sdk_config().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket("whoosh-analytics")
        .send()
        .await
        .unwrap();
    let env: Vec<(&str, String)> = moto.env().into_iter().collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let to_s3 = || {
        whoosh(&db, &env)
            .args([
                "analytics",
                "export",
                "--out",
                "s3://whoosh-analytics/events/",
            ])
            .output()
            .unwrap()
    };
    let uploaded = to_s3();
    assert!(
        uploaded.status.success(),
        "{}",
        stderr_and_stdout(&uploaded)
    );
    let listed = s3
        .list_objects_v2()
        .bucket("whoosh-analytics")
        .prefix("events/")
        .send()
        .await
        .unwrap();
    let mut keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    keys.sort();
    assert_eq!(keys.last().map(String::as_str), Some("events/_watermark"));
    let mut s3_lines = Vec::new();
    for key in keys.iter().filter(|k| k.ends_with(".ndjson")) {
        let body = s3
            .get_object()
            .bucket("whoosh-analytics")
            .key(key)
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes();
        s3_lines.extend(
            String::from_utf8(body.to_vec())
                .unwrap()
                .lines()
                .map(str::to_owned),
        );
    }
    assert_eq!(s3_lines, lines, "the same events, in the same order");
    let again = to_s3();
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("exported 0 event(s) in 0 file(s)"),
        "{}",
        stderr_and_stdout(&again)
    );
    let nowhere = whoosh(&db, &env)
        .args(["analytics", "export", "--out", "s3://no-such-bucket/x"])
        .output()
        .unwrap();
    assert!(!nowhere.status.success());
    assert!(stderr_and_stdout(&nowhere).contains("s3://no-such-bucket/x/_watermark"));
    let _ = std::fs::remove_dir_all(&dir);
}
