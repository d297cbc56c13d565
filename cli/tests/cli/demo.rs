//! `whoosh demo seed`: profiles, matches and boards, idempotently.

use crate::{stderr_and_stdout, whoosh};
use whoosh_test_support::{TestDb, unique_prefix};

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
