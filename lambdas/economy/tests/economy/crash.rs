//! PostgreSQL SIGKILLed in the middle of a stream of purchases (a throwaway server this test
//! starts; never the shared one): every acknowledged purchase survives, nothing is half-written,
//! and retrying the unacknowledged ones with their keys charges each exactly once.

use serde_json::{Value, json};
use std::time::Duration;
use whoosh_test_support::{Client, TestApp, TestDb, ThrowawayPostgres};

const PRICE: i64 = 50;
const START: i64 = 1_000_000;

#[tokio::test]
async fn purchases_survive_a_database_crash_and_retries_charge_exactly_once() {
    let mut pg = ThrowawayPostgres::start().await;
    let db = TestDb::create_on(&pg.admin_url()).await;
    let app = TestApp::spawn_on(
        whoosh_lambda_economy::routes(),
        db,
        &[
            ("RATE_LIMIT_PER_CLIENT", "100000/1m"),
            ("DATABASE_ACQUIRE_TIMEOUT", "1s"),
        ],
    )
    .await;
    let player = app.player("Crash Tester").await;
    let user_id: uuid::Uuid = player.id.parse().unwrap();
    let (id, token) = (player.id.clone(), player.token.clone());
    let service = app.service_token("edge");
    let seeded = app
        .post_with_key(
            "/api/wallet/grants",
            &service,
            json!({"user_id": id, "currency": "coins", "amount": START, "reason": "grant"}),
            "seed",
        )
        .await;
    assert_eq!(seeded.status(), 201);

    let buy = |key: String| {
        let http = app.http.clone();
        let url = app.at("/api/store/purchase");
        let token = token.clone();
        async move {
            let sent = http
                .post(url)
                .bearer_auth(token)
                .header("idempotency-key", &key)
                .json(&json!({"item_id": "hint-breaking-news"}))
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            matches!(sent, Ok(r) if r.status() == 201)
        }
    };

    // Purchases flow until the server dies under them; some are answered, some are not.
    let mut acknowledged = Vec::new();
    let mut unacknowledged = Vec::new();
    let mut killed = false;
    for i in 0..400 {
        let key = format!("crash-{i}");
        if i == 40 {
            // Kill while a purchase is in flight.
            let in_flight = tokio::spawn(buy(key.clone()));
            tokio::time::sleep(Duration::from_millis(2)).await;
            pg.kill();
            killed = true;
            if in_flight.await.unwrap() {
                acknowledged.push(key)
            } else {
                unacknowledged.push(key)
            }
            continue;
        }
        if buy(key.clone()).await {
            acknowledged.push(key);
        } else {
            unacknowledged.push(key);
        }
        if killed && unacknowledged.len() >= 5 {
            break;
        }
    }
    assert!(
        acknowledged.len() >= 40,
        "purchases before the crash were answered"
    );
    assert!(!unacknowledged.is_empty(), "the crash was felt");

    pg.restart().await;

    // Every acknowledged purchase is there, with its ledger row, inventory and stored answer.
    let ledger_keys: Vec<String> = sqlx::query_scalar(
        "SELECT idempotency_key FROM ledger WHERE user_id = $1 AND reason = 'purchase'",
    )
    .bind(user_id)
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    for key in &acknowledged {
        assert!(
            ledger_keys.contains(key),
            "acknowledged purchase {key} lost"
        );
    }
    // Nothing half-written: stored answers, ledger rows and inventory agree.
    let settled: i64 = sqlx::query_scalar("SELECT count(*) FROM idempotency_keys WHERE user_id = $1 AND scope = 'purchase' AND status = 201")
        .bind(user_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(settled, ledger_keys.len() as i64);

    // Retrying the unacknowledged ones with their keys charges each exactly once.
    for key in &unacknowledged {
        let mut ok = false;
        for _ in 0..20 {
            if buy(key.clone()).await {
                ok = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(ok, "retry of {key} never succeeded");
    }
    let total = (acknowledged.len() + unacknowledged.len()) as i64;
    let wallet: Value = app.get("/api/wallet", &token).await.json().await.unwrap();
    let coins = wallet["balances"][0]["balance"].as_i64().unwrap();
    assert_eq!(
        coins,
        START - PRICE * total,
        "each key charged exactly once"
    );
    assert_eq!(
        whoosh_store::economy::ledger_sum(&app.state.db, user_id, "coins")
            .await
            .unwrap(),
        coins
    );
    let owned: i64 = sqlx::query_scalar(
        "SELECT quantity FROM inventory WHERE user_id = $1 AND item_id = 'hint-breaking-news'",
    )
    .bind(user_id)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(owned, total);
}
