//! The notification queue and the leaderboard-overtaken producer on a real PostgreSQL: keys make
//! enqueueing idempotent, concurrent claims never share a row, a lapsed lease makes a row due
//! again (and fences off the old claim's marks), and a rise on a board notifies only the player
//! passed last, only within the top 100.

#![allow(clippy::unwrap_used)]

use serde_json::json;
use sqlx::PgPool;
use std::{collections::HashSet, time::Duration};
use uuid::Uuid;
use whoosh_store::{
    leaderboards,
    notifications::{self, Finish, Kind, NewNotification},
};
use whoosh_test_support::{TestDb, guest};

fn found(user: Uuid, key: &str) -> NewNotification {
    NewNotification {
        user_id: user,
        kind: Kind::MatchFound,
        payload: json!({"mode": "party", "players": 4}),
        idempotency_key: key.to_owned(),
    }
}

async fn set(db: &PgPool, user: Uuid, value: i64) {
    let mut tx = db.begin().await.unwrap();
    leaderboards::set(&mut tx, "rating", user, value)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn overtaken(db: &PgPool, user: Uuid) -> Vec<serde_json::Value> {
    notifications::of_user(db, user)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == "leaderboard_overtaken")
        .map(|n| n.payload)
        .collect()
}

#[tokio::test]
async fn a_key_enqueued_twice_is_one_notification_even_inside_a_rolled_back_transaction() {
    let db = TestDb::create().await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    let ann = guest(&pool, "Ann").await;
    assert!(
        notifications::enqueue(&pool, &found(ann, "k1"))
            .await
            .unwrap()
    );
    assert!(
        !notifications::enqueue(&pool, &found(ann, "k1"))
            .await
            .unwrap()
    );
    // Written inside a transaction, a notification exists only if it commits.
    let mut tx = pool.begin().await.unwrap();
    assert!(
        notifications::enqueue(&mut *tx, &found(ann, "k2"))
            .await
            .unwrap()
    );
    tx.rollback().await.unwrap();
    let queued = notifications::of_user(&pool, ann).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (
            queued[0].idempotency_key.as_str(),
            queued[0].status.as_str()
        ),
        ("k1", "pending")
    );
}

#[tokio::test]
async fn concurrent_claims_never_share_a_notification() {
    let db = TestDb::create().await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    let ann = guest(&pool, "Ann").await;
    for i in 0..40 {
        notifications::enqueue(&pool, &found(ann, &format!("k{i}")))
            .await
            .unwrap();
    }
    let lease = Duration::from_secs(60);
    let (a, b, c, d) = tokio::join!(
        notifications::claim(&pool, 15, lease),
        notifications::claim(&pool, 15, lease),
        notifications::claim(&pool, 15, lease),
        notifications::claim(&pool, 15, lease),
    );
    let claims = [a, b, c, d];
    let mut seen = HashSet::new();
    let mut total = 0;
    for claim in claims {
        for n in claim.unwrap() {
            assert!(seen.insert(n.id), "notification {} claimed twice", n.id);
            assert_eq!(n.attempts, 1);
            total += 1;
        }
    }
    assert_eq!(total, 40, "every notification claimed once");
    assert!(
        notifications::claim(&pool, 15, lease)
            .await
            .unwrap()
            .is_empty(),
        "claimed rows are not due while their lease runs"
    );
}

#[tokio::test]
async fn a_lapsed_lease_makes_a_claimed_notification_due_again_and_fences_the_old_claim() {
    let db = TestDb::create().await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    let ann = guest(&pool, "Ann").await;
    notifications::enqueue(&pool, &found(ann, "k"))
        .await
        .unwrap();
    // A claimant that dies without marking: its lease (here 200 ms) runs out.
    let first = notifications::claim(&pool, 10, Duration::from_millis(200))
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    let mut second = Vec::new();
    for _ in 0..100 {
        second = notifications::claim(&pool, 10, Duration::from_secs(60))
            .await
            .unwrap();
        if !second.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(second.len(), 1, "due again after the lease");
    assert_eq!(second[0].id, first[0].id);
    assert_eq!(second[0].attempts, 2);
    // The old claim's mark is ignored; the new one's counts.
    assert!(
        !notifications::finish(&pool, &first[0], Finish::Sent, None)
            .await
            .unwrap()
    );
    assert!(
        notifications::finish(&pool, &second[0], Finish::Sent, None)
            .await
            .unwrap()
    );
    let stored = notifications::of_user(&pool, ann).await.unwrap();
    assert_eq!(stored[0].status, "sent");
}

#[tokio::test]
async fn a_released_notification_is_due_again_without_counting_an_attempt() {
    let db = TestDb::create().await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    let ann = guest(&pool, "Ann").await;
    notifications::enqueue(&pool, &found(ann, "k"))
        .await
        .unwrap();
    let claimed = notifications::claim(&pool, 10, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        notifications::release(&pool, &claimed, Duration::ZERO)
            .await
            .unwrap(),
        1
    );
    let again = notifications::claim(&pool, 10, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
}

#[tokio::test]
async fn rising_on_a_board_notifies_only_the_player_passed_last() {
    let db = TestDb::create().await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    let (ann, bea, cid) = (
        guest(&pool, "Ann").await,
        guest(&pool, "Bea").await,
        guest(&pool, "Cid").await,
    );
    set(&pool, ann, 1300).await;
    set(&pool, bea, 1250).await;
    set(&pool, cid, 1100).await;
    // Cid starts below both: entering the board passed nobody. Nobody has been passed yet.
    for u in [ann, bea, cid] {
        assert!(overtaken(&pool, u).await.is_empty());
    }
    // Cid passes Bea only.
    set(&pool, cid, 1260).await;
    let bea_told = overtaken(&pool, bea).await;
    assert_eq!(bea_told.len(), 1, "{bea_told:?}");
    assert_eq!(bea_told[0]["by_user_id"], cid.to_string());
    assert_eq!(bea_told[0]["by_display_name"], "Cid");
    assert_eq!(
        (&bea_told[0]["their_rank"], &bea_told[0]["your_rank"]),
        (&json!(2), &json!(3))
    );
    assert!(overtaken(&pool, ann).await.is_empty());
    // Bea jumps over both: only Ann, the one now right behind her, is told.
    set(&pool, bea, 1500).await;
    assert_eq!(overtaken(&pool, ann).await.len(), 1);
    assert!(
        overtaken(&pool, cid).await.is_empty(),
        "Cid was passed earlier in the jump"
    );
    // A fall notifies nobody; nor does a rise that passes nobody.
    set(&pool, bea, 1000).await;
    set(&pool, bea, 1050).await;
    assert_eq!(overtaken(&pool, ann).await.len(), 1);
    assert!(overtaken(&pool, cid).await.is_empty());
}

#[tokio::test]
async fn passing_someone_outside_the_top_100_notifies_nobody() {
    let db = TestDb::create().await;
    let pool = PgPool::connect(&db.url).await.unwrap();
    // 100 players above everyone else.
    sqlx::query(
        "WITH u AS (INSERT INTO users (id, display_name, is_guest)
                    SELECT gen_random_uuid(), 'Top', true FROM generate_series(1, 100) RETURNING id)
         INSERT INTO leaderboard_entries (board, user_id, value, first_reached_at)
         SELECT 'rating', id, 5000, now() FROM u",
    )
    .execute(&pool)
    .await
    .unwrap();
    let (low, lower) = (guest(&pool, "Low").await, guest(&pool, "Lower").await);
    set(&pool, low, 300).await;
    set(&pool, lower, 200).await;
    // Lower passes Low, but lands at rank 101.
    set(&pool, lower, 400).await;
    assert!(overtaken(&pool, low).await.is_empty());
    // Low passes Lower back at 101 too: still nothing. Then a jump into the top 100 passes
    // someone at 5000 — and tells that one.
    set(&pool, low, 450).await;
    assert!(overtaken(&pool, lower).await.is_empty());
    set(&pool, low, 6000).await;
    let told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE kind = 'leaderboard_overtaken'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(told, 1);
}
