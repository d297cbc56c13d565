//! The economy service when its database misbehaves: PostgreSQL reached through a fault proxy
//! that drops, resets or blackholes the connections, and persistent serialization failures and
//! deadlocks injected by a trigger. The client must get a prompt 503 with `Retry-After` and a
//! stable code (never a hang or a 500), nothing may be half-written, and a retry with the same
//! `Idempotency-Key` must charge exactly once.

use reqwest::{Response, StatusCode};
use serde_json::json;
use std::time::Duration;
use whoosh_test_support::{
    Client, Fault, FaultProxy, Player, TestApp, TestDb, assert_bank_invariants, error_code,
};

const START: i64 = 1_000;
const PRICE: i64 = 50;

/// How long a client waits at most: well above the acquire timeout the tests set (500 ms), well
/// below the request timeout (60 s), so an answer within it came from the acquire timeout and
/// not from the request timeout or a hang.
const CLIENT_PATIENCE: Duration = Duration::from_secs(20);

async fn seed(app: &TestApp, player: &Player) {
    let seeded = app
        .post_with_key(
            "/api/wallet/grants",
            app.service_token("edge"),
            json!({"user_id": player.id, "currency": "coins", "amount": START, "reason": "grant"}),
            &format!("seed-{}", player.id),
        )
        .await;
    assert_eq!(seeded.status(), StatusCode::CREATED);
}

async fn buy(app: &TestApp, player: &Player, key: &str) -> Response {
    app.http
        .post(app.at("/api/store/purchase"))
        .bearer_auth(&player.token)
        .header("idempotency-key", key)
        .json(&json!({"item_id": "hint-breaking-news"}))
        .timeout(CLIENT_PATIENCE)
        .send()
        .await
        .expect("the service answered before the client gave up")
}

async fn wallet(app: &TestApp, player: &Player) -> Response {
    app.http
        .get(app.at("/api/wallet"))
        .bearer_auth(&player.token)
        .timeout(CLIENT_PATIENCE)
        .send()
        .await
        .expect("the service answered before the client gave up")
}

/// A 503 `service_unavailable` with a `Retry-After` of at least one second.
async fn assert_unavailable(response: Response, during: &str) {
    assert_eq!(
        response.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "during {during}"
    );
    let retry: u64 = response
        .headers()
        .get("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After during {during}"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1, "Retry-After {retry} during {during}");
    assert_eq!(
        error_code(response).await,
        "service_unavailable",
        "{during}"
    );
}

async fn coins(app: &TestApp, player: &Player) -> i64 {
    let body: serde_json::Value = wallet(app, player).await.json().await.unwrap();
    body["balances"][0]["balance"].as_i64().unwrap()
}

#[tokio::test]
async fn an_unreachable_database_answers_503_with_retry_after_promptly_and_loses_nothing() {
    let db = TestDb::create().await;
    let proxy = FaultProxy::in_front_of(&db.url).await;
    let proxied = proxy.reroute(&db.url);
    let app = TestApp::spawn_on(
        whoosh_lambda_economy::routes(),
        db,
        &[
            ("DATABASE_URL", &proxied),
            ("DATABASE_ACQUIRE_TIMEOUT", "500ms"),
            ("DATABASE_MAX_CONNECTIONS", "2"),
            ("HTTP_REQUEST_TIMEOUT", "60s"),
            ("RATE_LIMIT_PER_CLIENT", "100000/1m"),
        ],
    )
    .await;
    let player = app.player("Proxy Tester").await;
    seed(&app, &player).await;
    assert_eq!(wallet(&app, &player).await.status(), StatusCode::OK);

    // A slow network is only slow.
    proxy.set(Fault::Latency(Duration::from_millis(100)));
    assert_eq!(wallet(&app, &player).await.status(), StatusCode::OK);

    let mut bought = 0;
    for (round, fault) in [Fault::Drop, Fault::Reset, Fault::Blackhole]
        .into_iter()
        .enumerate()
    {
        proxy.set(fault);
        let during = format!("{fault:?}");
        // Reads and writes alike: 503 with Retry-After, not a hang and not a 500.
        assert_unavailable(wallet(&app, &player).await, &during).await;
        let key = format!("during-{round}");
        assert_unavailable(buy(&app, &player, &key).await, &during).await;

        // Once the network heals, the pool reconnects by itself, and the same key charges once.
        proxy.set(Fault::Pass);
        let mut status = StatusCode::SERVICE_UNAVAILABLE;
        for _ in 0..20 {
            status = buy(&app, &player, &key).await.status();
            if status != StatusCode::SERVICE_UNAVAILABLE {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(status, StatusCode::CREATED, "retry after {during}");
        bought += 1;
        let again = buy(&app, &player, &key).await;
        assert_eq!(
            again.status(),
            StatusCode::CREATED,
            "a replay answers the same"
        );
        assert_eq!(coins(&app, &player).await, START - PRICE * bought);
    }
    assert!(
        proxy.accepted() > 3,
        "the pool opened new connections after the faults"
    );
    assert_bank_invariants(&app.state.db).await;
}

/// Makes every ledger insert fail with `sqlstate` for the next `failures` attempts (a sequence
/// counts attempts; it is not rolled back with the failed transaction).
async fn inject_contention(pool: &sqlx::PgPool, sqlstate: &str, failures: i64) {
    for statement in [
        "CREATE SEQUENCE IF NOT EXISTS injected_attempts".to_owned(),
        "ALTER SEQUENCE injected_attempts RESTART WITH 1".to_owned(),
        format!(
            "CREATE OR REPLACE FUNCTION inject_contention() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF nextval('injected_attempts') <= {failures} THEN
                     RAISE EXCEPTION 'injected contention' USING ERRCODE = '{sqlstate}';
                 END IF;
                 RETURN NEW;
             END $$"
        ),
        "CREATE OR REPLACE TRIGGER inject_contention BEFORE INSERT ON ledger
             FOR EACH ROW EXECUTE FUNCTION inject_contention()"
            .to_owned(),
    ] {
        sqlx::query(&statement).execute(pool).await.unwrap();
    }
}

async fn attempts(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM injected_attempts",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn persistent_serialization_failures_and_deadlocks_reach_the_client_as_503_with_retry_after()
{
    let app = TestApp::spawn_with(
        whoosh_lambda_economy::routes(),
        &[("RATE_LIMIT_PER_CLIENT", "100000/1m")],
    )
    .await;
    let player = app.player("Contended").await;
    seed(&app, &player).await;
    let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
    let tries = whoosh_store::RETRY_BACKOFF.len() as i64 + 1;
    let mut balance = START;

    for sqlstate in ["40001", "40P01"] {
        // Contention that never clears: every attempt fails, then the client gets a 503.
        inject_contention(&pool, sqlstate, i64::MAX).await;
        let key = format!("contended-{sqlstate}");
        let response = buy(&app, &player, &key).await;
        assert_unavailable(response, sqlstate).await;
        assert_eq!(
            attempts(&pool).await,
            tries,
            "{sqlstate}: the purchase was tried {tries} times before giving up"
        );
        assert_eq!(coins(&app, &player).await, balance, "nothing was charged");
        assert_bank_invariants(&pool).await;

        // Contention that clears after two attempts: retried inside the request, one charge.
        inject_contention(&pool, sqlstate, 2).await;
        let response = buy(&app, &player, &key).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{sqlstate}");
        assert_eq!(
            attempts(&pool).await,
            3,
            "{sqlstate}: two failures, then success"
        );
        balance -= PRICE;
        assert_eq!(coins(&app, &player).await, balance, "charged once");
    }
    assert_eq!(coins(&app, &player).await, START - 2 * PRICE);
    sqlx::query("DROP TRIGGER inject_contention ON ledger")
        .execute(&pool)
        .await
        .unwrap();
    assert_bank_invariants(&pool).await;
}
