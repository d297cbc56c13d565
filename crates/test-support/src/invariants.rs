//! The invariants a fault must never break, checked over a whole test database after a crash or
//! an outage ("nothing lost, nothing doubled"):
//!
//! - every wallet equals the sum of its ledger, and no ledger without a wallet holds money;
//! - no balance and no `balance_after` is negative;
//! - every finished match is recorded once: each player row is counted exactly once in the
//!   player's games and wins, and its coin reward is in the ledger exactly once.

use sqlx::PgPool;

/// Panics with every broken invariant, naming the rows.
pub async fn assert_bank_invariants(db: &PgPool) {
    let mut broken = Vec::new();

    let off: Vec<(uuid::Uuid, String, i64, i64)> = sqlx::query_as(
        "SELECT w.user_id, w.currency, w.balance,
                COALESCE((SELECT sum(l.amount) FROM ledger l
                          WHERE l.user_id = w.user_id AND l.currency = w.currency), 0)::BIGINT
         FROM wallets w",
    )
    .fetch_all(db)
    .await
    .unwrap();
    for (user, currency, balance, sum) in off {
        if balance != sum {
            broken.push(format!(
                "wallet {user}/{currency}: balance {balance} but the ledger sums to {sum}"
            ));
        }
    }
    let orphans: Vec<(uuid::Uuid, String, i64)> = sqlx::query_as(
        "SELECT l.user_id, l.currency, sum(l.amount)::BIGINT FROM ledger l
         WHERE l.user_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM wallets w WHERE w.user_id = l.user_id AND w.currency = l.currency)
         GROUP BY l.user_id, l.currency HAVING sum(l.amount) <> 0",
    )
    .fetch_all(db)
    .await
    .unwrap();
    for (user, currency, sum) in orphans {
        broken.push(format!(
            "ledger {user}/{currency} sums to {sum} without a wallet"
        ));
    }
    let negative: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM wallets WHERE balance < 0)
              + (SELECT count(*) FROM ledger WHERE balance_after < 0)",
    )
    .fetch_one(db)
    .await
    .unwrap();
    if negative > 0 {
        broken.push(format!("{negative} negative balance(s)"));
    }

    let games: Vec<(uuid::Uuid, i32, i32, i64, i64)> = sqlx::query_as(
        "SELECT u.id, u.games_played, u.wins,
                (SELECT count(*) FROM match_players mp WHERE mp.user_id = u.id),
                (SELECT count(*) FROM match_players mp WHERE mp.user_id = u.id AND mp.won)
         FROM users u",
    )
    .fetch_all(db)
    .await
    .unwrap();
    for (user, played, wins, rows, won_rows) in games {
        if i64::from(played) != rows || i64::from(wins) != won_rows {
            broken.push(format!(
                "user {user}: {played} games and {wins} wins counted, {rows} match rows of which {won_rows} won"
            ));
        }
    }
    let rewards: Vec<(uuid::Uuid, uuid::Uuid, i64, i64)> = sqlx::query_as(
        "SELECT mp.match_id, mp.user_id, mp.coins_gained,
                (SELECT count(*) FROM ledger l WHERE l.user_id = mp.user_id
                   AND l.reason = 'match_reward' AND l.idempotency_key = 'match:' || mp.match_id)
         FROM match_players mp",
    )
    .fetch_all(db)
    .await
    .unwrap();
    for (m, user, coins, credited) in rewards {
        let expected = i64::from(coins > 0);
        if credited != expected {
            broken.push(format!(
                "match {m}, user {user}: {coins} coins earned, credited {credited} time(s)"
            ));
        }
    }
    let stray: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ledger l
         WHERE l.reason = 'match_reward' AND l.idempotency_key LIKE 'match:%' AND l.user_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM match_players mp
                           WHERE mp.user_id = l.user_id AND l.idempotency_key = 'match:' || mp.match_id)",
    )
    .fetch_one(db)
    .await
    .unwrap();
    if stray > 0 {
        broken.push(format!(
            "{stray} match reward(s) in the ledger without their match"
        ));
    }
    assert!(
        broken.is_empty(),
        "invariants broken:\n{}",
        broken.join("\n")
    );
}
