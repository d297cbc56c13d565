//! The economy service over real HTTP against real PostgreSQL and Redis: wallets, the ledger,
//! the store, idempotent purchases under concurrency, grants from services, inventories; and the
//! service when its database misbehaves or crashes. One test binary, a module per capability.

#![allow(clippy::unwrap_used)]

mod crash;
mod faults;

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use whoosh_test_support::{Client, Nobody, Player, TestApp, error_code as code};

async fn spawn() -> TestApp {
    TestApp::spawn_with(
        whoosh_lambda_economy::routes(),
        &[("RATE_LIMIT_PER_CLIENT", "10000/1m")],
    )
    .await
}

async fn grant(app: &TestApp, user: &str, amount: Value, key: &str) -> Response {
    app.post_with_key("/api/wallet/grants", app.service_token("edge"), json!({"user_id": user, "currency": "coins", "amount": amount, "reason": "match_reward", "reference": "match:1"}), key)
        .await
}

async fn buy(app: &TestApp, p: &Player, key: &str, body: Value) -> Response {
    app.post_with_key("/api/store/purchase", &p.token, body, key)
        .await
}

async fn coins(app: &TestApp, p: &Player) -> i64 {
    let wallet = app.get_json("/api/wallet", p, StatusCode::OK).await;
    wallet["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["currency"] == "coins")
        .unwrap()["balance"]
        .as_i64()
        .unwrap()
}

async fn ledger_sum(app: &TestApp, p: &Player) -> i64 {
    whoosh_store::economy::ledger_sum(&app.state.db, p.id.parse().unwrap(), "coins")
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_wallet_is_empty_in_every_currency_and_the_store_lists_items() {
    let app = spawn().await;
    let p = app.player("Test Player").await;
    let wallet = app.get_json("/api/wallet", &p, StatusCode::OK).await;
    assert_eq!(
        wallet,
        json!({"balances": [{"currency": "coins", "balance": 0}, {"currency": "gems", "balance": 0}]})
    );
    let store: Value = app.get("/api/store", Nobody).await.json().await.unwrap();
    let items = store["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["id"] == "avatar-fox" && i["kind"] == "avatar" && i["price"] == 100)
    );
    assert!(items.iter().any(|i| i["kind"] == "title"));
}

#[tokio::test]
async fn purchase_debits_grants_and_equips() {
    let app = spawn().await;
    let p = app.player("Test Player").await;
    let broke = buy(&app, &p, "k0", json!({"item_id": "avatar-fox"})).await;
    assert_eq!(broke.status(), StatusCode::CONFLICT);
    assert_eq!(code(broke).await, "insufficient_funds");

    assert_eq!(
        grant(&app, &p.id, json!(300), "match:1").await.status(),
        StatusCode::CREATED
    );
    let bought = buy(&app, &p, "k1", json!({"item_id": "avatar-fox"})).await;
    assert_eq!(bought.status(), StatusCode::CREATED);
    let bought: Value = bought.json().await.unwrap();
    assert_eq!(bought["purchase"]["cost"], 100);
    assert_eq!(bought["purchase"]["balance"], 200);
    assert_eq!(coins(&app, &p).await, 200);
    assert_eq!(ledger_sum(&app, &p).await, 200);

    let again = buy(&app, &p, "k2", json!({"item_id": "avatar-fox"})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(code(again).await, "purchase_limit_reached");
    let missing = buy(&app, &p, "k3", json!({"item_id": "no-such-item"})).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let equip = app
        .call(
            Method::POST,
            "/api/inventory/avatar-fox/equip",
            &p.token,
            None,
        )
        .await;
    assert_eq!(equip.status(), StatusCode::OK);
    assert_eq!(
        equip.json::<Value>().await.unwrap()["equipped"]["avatar"],
        "avatar-fox"
    );
    let inventory = app.get_json("/api/inventory", &p, StatusCode::OK).await;
    let fox = &inventory["items"][0];
    assert_eq!(
        (fox["item_id"].as_str(), fox["equipped"].as_bool()),
        (Some("avatar-fox"), Some(true))
    );

    assert_eq!(
        buy(&app, &p, "k4", json!({"item_id": "hint-breaking-news"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    let consumable = app
        .call(
            Method::POST,
            "/api/inventory/hint-breaking-news/equip",
            &p.token,
            None,
        )
        .await;
    assert_eq!(code(consumable).await, "not_equippable");
    let unowned = app
        .call(
            Method::POST,
            "/api/inventory/avatar-owl/equip",
            &p.token,
            None,
        )
        .await;
    assert_eq!(unowned.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn fifty_concurrent_purchases_that_overspend_let_exactly_the_affordable_ones_through() {
    let app = spawn().await;
    let p = app.player("Test Player").await;
    assert_eq!(
        grant(&app, &p.id, json!(1000), "seed").await.status(),
        StatusCode::CREATED
    );
    // 50 coins each, no per-user limit: 20 are affordable.
    let keys: Vec<String> = (0..50).map(|i| format!("spree-{i}")).collect();
    let attempts = keys
        .iter()
        .map(|k| buy(&app, &p, k, json!({"item_id": "hint-breaking-news"})));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(Response::status)
        .collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        20,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        30,
        "{statuses:?}"
    );
    assert_eq!(coins(&app, &p).await, 0);
    assert_eq!(ledger_sum(&app, &p).await, 0);
    let inventory = app.get_json("/api/inventory", &p, StatusCode::OK).await;
    assert_eq!(inventory["items"][0]["quantity"], 20);
}

#[tokio::test]
async fn the_same_key_and_body_concurrently_charge_once_and_answer_identically() {
    let app = spawn().await;
    let p = app.player("Test Player").await;
    grant(&app, &p.id, json!(500), "seed").await;
    let body = json!({"item_id": "hint-breaking-news", "quantity": 2});
    let attempts = (0..6).map(|_| buy(&app, &p, "one-key", body.clone()));
    let responses = futures_util::future::join_all(attempts).await;
    let mut answers = Vec::new();
    for r in responses {
        answers.push((r.status(), r.json::<Value>().await.unwrap()));
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, StatusCode::CREATED);
    assert_eq!(coins(&app, &p).await, 400, "charged once");
    assert_eq!(ledger_sum(&app, &p).await, 400);

    let other = buy(
        &app,
        &p,
        "one-key",
        json!({"item_id": "hint-breaking-news", "quantity": 3}),
    )
    .await;
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(other).await, "idempotency_key_reused");
    assert_eq!(coins(&app, &p).await, 400);
}

#[tokio::test]
async fn bad_quantities_and_keys_are_400_with_a_code() {
    let app = spawn().await;
    let p = app.player("Test Player").await;
    grant(&app, &p.id, json!(1000), "seed").await;
    for q in [
        json!(-1),
        json!(0),
        json!(1.5),
        json!(1e30),
        json!("2"),
        json!(101),
        json!(i64::MAX),
        json!([1]),
    ] {
        let r = buy(
            &app,
            &p,
            &format!("q-{q}"),
            json!({"item_id": "hint-breaking-news", "quantity": q}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(code(r).await, "invalid_quantity", "{q}");
    }
    for key in ["", &"k".repeat(129), "has space"] {
        let r = buy(&app, &p, key, json!({"item_id": "hint-breaking-news"})).await;
        assert_eq!(code(r).await, "invalid_idempotency_key", "{key:?}");
    }
    let no_key = app
        .post(
            "/api/store/purchase",
            &p.token,
            json!({"item_id": "avatar-fox"}),
        )
        .await;
    assert_eq!(code(no_key).await, "invalid_idempotency_key");
    assert_eq!(coins(&app, &p).await, 1000, "nothing was charged");
}

#[tokio::test]
async fn grants_are_credited_once_per_key_and_only_from_services() {
    let app = spawn().await;
    let p = app.player("Test Player").await;
    let first = grant(&app, &p.id, json!(75), "match:42").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let replay = grant(&app, &p.id, json!(75), "match:42").await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.json::<Value>().await.unwrap(), first);
    assert_eq!(coins(&app, &p).await, 75);
    let reused = grant(&app, &p.id, json!(80), "match:42").await;
    assert_eq!(code(reused).await, "idempotency_key_reused");

    for amount in [json!(0), json!(-5), json!(2.5), json!("10"), json!(1e12)] {
        let r = grant(&app, &p.id, amount.clone(), &format!("bad-{amount}")).await;
        assert_eq!(code(r).await, "invalid_amount", "{amount}");
    }
    let as_player = app
        .post_with_key(
            "/api/wallet/grants",
            &p.token,
            json!({"user_id": p.id, "currency": "coins", "amount": 1000000, "reason": "grant"}),
            "steal",
        )
        .await;
    assert_eq!(
        as_player.status(),
        StatusCode::UNAUTHORIZED,
        "an access token is not a service token"
    );
    let unknown_currency = app
        .post_with_key(
            "/api/wallet/grants",
            app.service_token("edge"),
            json!({"user_id": p.id, "currency": "doubloons", "amount": 5, "reason": "grant"}),
            "cur",
        )
        .await;
    assert_eq!(code(unknown_currency).await, "invalid_currency");
    assert_eq!(coins(&app, &p).await, 75);
}

#[tokio::test]
async fn another_players_ledger_and_inventory_are_unreachable() {
    let app = spawn().await;
    let alice = app.player("Test Player").await;
    let bob = app.player("Test Player").await;
    grant(&app, &alice.id, json!(300), "seed").await;
    buy(&app, &alice, "a1", json!({"item_id": "avatar-owl"})).await;
    assert_eq!(
        app.get_json("/api/wallet/ledger", &bob, StatusCode::OK)
            .await["entries"],
        json!([])
    );
    assert_eq!(
        app.get_json("/api/inventory", &bob, StatusCode::OK).await["items"],
        json!([])
    );
    let steal = app
        .call(
            Method::POST,
            "/api/inventory/avatar-owl/equip",
            &bob.token,
            None,
        )
        .await;
    assert_eq!(steal.status(), StatusCode::NOT_FOUND);
    let anonymous = app.get("/api/wallet", Nobody).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_ledger_pages_newest_first_with_cursors_and_clamped_limits() {
    let app = spawn().await;
    let p = app.player("Test Player").await;
    for i in 0..5 {
        grant(&app, &p.id, json!(10 + i), &format!("g{i}")).await;
    }
    let first = app
        .get_json("/api/wallet/ledger?limit=2", &p, StatusCode::OK)
        .await;
    let amounts: Vec<i64> = first["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [14, 13]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get_json(
            &format!("/api/wallet/ledger?limit=2&cursor={cursor}"),
            &p,
            StatusCode::OK,
        )
        .await;
    let amounts: Vec<i64> = second["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [12, 11]);
    let all = app
        .get_json("/api/wallet/ledger?limit=1000000", &p, StatusCode::OK)
        .await;
    assert_eq!(all["entries"].as_array().unwrap().len(), 5);
    assert_eq!(all["next_cursor"], Value::Null);
    for bad in ["cursor=garbage", "cursor=cDE6eA", "limit=-1x"] {
        let r = app
            .get(&format!("/api/wallet/ledger?{bad}"), &p.token)
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn the_ledger_clamps_a_negative_limit_and_refuses_a_negative_cursor() {
    let app = spawn().await;
    let p = app.player("Test Player").await;
    for i in 0..3 {
        grant(&app, &p.id, json!(10 + i), &format!("g{i}")).await;
    }
    for limit in ["-5", "0", "-9223372036854775808"] {
        let page = app
            .get_json(
                &format!("/api/wallet/ledger?limit={limit}"),
                &p,
                StatusCode::OK,
            )
            .await;
        assert_eq!(
            page["entries"].as_array().unwrap().len(),
            1,
            "limit={limit}"
        );
        assert!(page["next_cursor"].is_string(), "limit={limit}");
    }
    let negative = "cDE6LTU"; // base64url of `p1:-5`
    let r = app
        .get(&format!("/api/wallet/ledger?cursor={negative}"), &p.token)
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(code(r).await, "invalid_cursor");
}

#[tokio::test]
async fn the_ledger_refuses_updates_and_deletes() {
    let app = spawn().await;
    let p = app.player("Test Player").await;
    grant(&app, &p.id, json!(10), "seed").await;
    let update = sqlx::query("UPDATE ledger SET amount = 1000")
        .execute(&app.state.db)
        .await;
    assert!(update.is_err());
    let delete = sqlx::query("DELETE FROM ledger")
        .execute(&app.state.db)
        .await;
    assert!(delete.is_err());
    let negative = sqlx::query("UPDATE wallets SET balance = -1")
        .execute(&app.state.db)
        .await;
    assert!(
        negative.is_err(),
        "the balance is guarded by a CHECK constraint"
    );
    assert_eq!(coins(&app, &p).await, 10);
}
