//! Economy invariants on the real database: over random sequences of grants, purchases and
//! retries (also with reused keys), no balance is ever negative and every balance equals the sum
//! of its ledger.

#![allow(clippy::unwrap_used)]

use proptest::{collection::vec, prelude::*, test_runner::TestRunner};
use serde_json::json;
use uuid::Uuid;
use whoosh_core::{DeviceId, DisplayName};
use whoosh_store::economy::{self, EconomyError, Idempotency};
use whoosh_test_support::TestDb;

#[derive(Debug, Clone)]
enum Op {
    Grant {
        amount: i64,
        key: u8,
    },
    Purchase {
        item: &'static str,
        quantity: i64,
        key: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let items = prop::sample::select(vec![
        "avatar-fox",
        "avatar-owl",
        "title-sleuth",
        "hint-breaking-news",
        "avatar-cat-noir",
    ]);
    prop_oneof![
        (1i64..400, 0u8..6).prop_map(|(amount, key)| Op::Grant { amount, key }),
        (items, 1i64..4, 0u8..12).prop_map(|(item, quantity, key)| Op::Purchase {
            item,
            quantity,
            key
        }),
    ]
}

async fn check_invariants(db: &sqlx::PgPool, user: Uuid) {
    for currency in ["coins", "gems"] {
        let balance: i64 = sqlx::query_scalar("SELECT COALESCE((SELECT balance FROM wallets WHERE user_id = $1 AND currency = $2), 0)")
            .bind(user)
            .bind(currency)
            .fetch_one(db)
            .await
            .unwrap();
        assert!(balance >= 0, "negative {currency} balance {balance}");
        assert_eq!(
            economy::ledger_sum(db, user, currency).await.unwrap(),
            balance,
            "{currency} ledger ≠ balance"
        );
    }
}

#[test]
fn balances_never_go_negative_and_always_equal_the_ledger() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::create());
    let pool = rt.block_on(sqlx::PgPool::connect(&db.url)).unwrap();
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 32,
        ..ProptestConfig::default()
    });
    runner
        .run(&vec(op(), 1..40), |ops| {
            rt.block_on(async {
                let device = DeviceId::parse(&Uuid::new_v4().to_string()).unwrap();
                let (user, _) = whoosh_store::accounts::guest_for_device(
                    &pool,
                    &device,
                    &DisplayName::parse("p").unwrap(),
                )
                .await
                .unwrap();
                for op in ops {
                    // Every op is sent twice: a retry must never change the outcome or the money.
                    for _ in 0..2 {
                        let result = match &op {
                            Op::Grant { amount, key } => {
                                let hash = amount.to_be_bytes();
                                let key = format!("g{key}");
                                let idem = Idempotency {
                                    scope: "grant:test",
                                    key: &key,
                                    request_hash: &hash,
                                };
                                economy::grant(
                                    &pool,
                                    user.id,
                                    idem,
                                    "coins",
                                    *amount,
                                    "grant",
                                    None,
                                    |g| (201, json!(g)),
                                )
                                .await
                            }
                            Op::Purchase {
                                item,
                                quantity,
                                key,
                            } => {
                                let hash = format!("{item}:{quantity}").into_bytes();
                                let key = format!("p{key}");
                                let idem = Idempotency {
                                    scope: "purchase",
                                    key: &key,
                                    request_hash: &hash,
                                };
                                economy::purchase(&pool, user.id, idem, item, *quantity, |p| {
                                    (201, json!(p))
                                })
                                .await
                            }
                        };
                        match result {
                            Ok(_)
                            | Err(EconomyError::InsufficientFunds { .. })
                            | Err(EconomyError::LimitReached { .. })
                            | Err(EconomyError::KeyReused) => {}
                            Err(other) => panic!("unexpected error {other:?}"),
                        }
                        check_invariants(&pool, user.id).await;
                    }
                }
            });
            Ok(())
        })
        .unwrap();
}

async fn fail_with(pool: &sqlx::PgPool, sqlstate: &str) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '{sqlstate}'; END $$"
    ))
    .execute(pool)
    .await
    .map(|_| ())
}

#[tokio::test]
async fn serialization_failures_and_deadlocks_are_retried_then_surface_as_contention() {
    let db = TestDb::create().await;
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    for sqlstate in ["40001", "40P01"] {
        let attempts = std::sync::atomic::AtomicUsize::new(0);
        let outcome = whoosh_store::with_retries(|| async {
            if attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2 {
                fail_with(&pool, sqlstate).await
            } else {
                Ok(())
            }
        })
        .await;
        assert!(outcome.is_ok(), "{sqlstate} retried until it succeeded");
        assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 3);

        let always = whoosh_store::with_retries(|| fail_with(&pool, sqlstate)).await;
        let error = always.err().unwrap();
        assert_eq!(
            whoosh_store::classify(&error),
            whoosh_store::Failure::Contention
        );
    }
    // Other errors are not retried.
    let attempts = std::sync::atomic::AtomicUsize::new(0);
    let other = whoosh_store::with_retries(|| {
        attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        fail_with(&pool, "23514")
    })
    .await;
    assert!(other.is_err());
    assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 1);
}
