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
