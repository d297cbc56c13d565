//! Leaderboards in PostgreSQL, the truth: `value DESC, first_reached_at ASC, user_id ASC`.

use serde::Serialize;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

/// Largest value a board holds: exact as a Redis score (see `whoosh_cache::leaderboard`).
pub const MAX_VALUE: i64 = (1 << 53) - 1;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Board {
    pub id: String,
    pub kind: String,
    pub title: String,
}

pub async fn boards(db: &PgPool) -> Result<Vec<Board>, sqlx::Error> {
    sqlx::query_as("SELECT id, kind, title FROM boards WHERE active ORDER BY id")
        .fetch_all(db)
        .await
}

pub async fn board(db: &PgPool, id: &str) -> Result<Option<Board>, sqlx::Error> {
    sqlx::query_as("SELECT id, kind, title FROM boards WHERE id = $1 AND active")
        .bind(id)
        .fetch_optional(db)
        .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Standing {
    pub rank: i64,
    pub user_id: Uuid,
    pub value: i64,
    pub first_reached_at: OffsetDateTime,
}

const RANKED: &str = "SELECT rank, user_id, value, first_reached_at FROM (
    SELECT row_number() OVER (ORDER BY value DESC, first_reached_at ASC, user_id ASC) AS rank,
           user_id, value, first_reached_at
    FROM leaderboard_entries WHERE board = $1) ranked";

/// `limit` standings from 0-based position `offset`.
pub async fn range(
    db: &PgPool,
    board: &str,
    offset: i64,
    limit: i64,
) -> Result<Vec<Standing>, sqlx::Error> {
    sqlx::query_as(
        "SELECT (row_number() OVER (ORDER BY value DESC, first_reached_at ASC, user_id ASC) + $2) AS rank,
                user_id, value, first_reached_at
         FROM (SELECT user_id, value, first_reached_at FROM leaderboard_entries WHERE board = $1
               ORDER BY value DESC, first_reached_at ASC, user_id ASC OFFSET $2 LIMIT $3) page
         ORDER BY rank",
    )
    .bind(board)
    .bind(offset)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// A user's standing, if on the board.
pub async fn standing(
    db: &PgPool,
    board: &str,
    user: Uuid,
) -> Result<Option<Standing>, sqlx::Error> {
    let entry: Option<(i64, OffsetDateTime)> = sqlx::query_as(
        "SELECT value, first_reached_at FROM leaderboard_entries WHERE board = $1 AND user_id = $2",
    )
    .bind(board)
    .bind(user)
    .fetch_optional(db)
    .await?;
    let Some((value, at)) = entry else {
        return Ok(None);
    };
    let ahead: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM leaderboard_entries WHERE board = $1
           AND (value > $2 OR (value = $2 AND (first_reached_at < $3 OR (first_reached_at = $3 AND user_id < $4))))",
    )
    .bind(board)
    .bind(value)
    .bind(at)
    .bind(user)
    .fetch_one(db)
    .await?;
    Ok(Some(Standing {
        rank: ahead + 1,
        user_id: user,
        value,
        first_reached_at: at,
    }))
}

/// Every entry of a board in order (index rebuilds).
pub async fn all(db: &PgPool, board: &str) -> Result<Vec<Standing>, sqlx::Error> {
    sqlx::query_as(&format!("{RANKED} ORDER BY rank"))
        .bind(board)
        .fetch_all(db)
        .await
}

/// Why a score could not be added.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error("the score would exceed {MAX_VALUE}")]
    Overflow,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Adds `delta` (> 0) to the user's value on every active board of `kind`, under a row lock, and
/// writes a `score_events` row for each. The value rising moves `first_reached_at` to now, and
/// notifies the player it passed (`notifications::enqueue_overtaken`).
pub async fn add(
    tx: &mut Transaction<'_, Postgres>,
    kind: &str,
    user: Uuid,
    delta: i64,
    action: Option<Uuid>,
) -> Result<Vec<(String, Standing)>, ScoreError> {
    let boards: Vec<String> =
        sqlx::query_scalar("SELECT id FROM boards WHERE kind = $1 AND active ORDER BY id")
            .bind(kind)
            .fetch_all(&mut **tx)
            .await?;
    let mut changed = Vec::new();
    for board in boards {
        sqlx::query(
            "INSERT INTO leaderboard_entries (board, user_id, value, first_reached_at) VALUES ($1, $2, 0, now())
             ON CONFLICT DO NOTHING",
        )
        .bind(&board)
        .bind(user)
        .execute(&mut **tx)
        .await?;
        let (current, current_at): (i64, OffsetDateTime) = sqlx::query_as(
            "SELECT value, first_reached_at FROM leaderboard_entries WHERE board = $1 AND user_id = $2 FOR UPDATE",
        )
        .bind(&board)
        .bind(user)
        .fetch_one(&mut **tx)
        .await?;
        let value = current
            .checked_add(delta)
            .filter(|v| (0..=MAX_VALUE).contains(v))
            .ok_or(ScoreError::Overflow)?;
        let (value, at): (i64, OffsetDateTime) = sqlx::query_as(
            "UPDATE leaderboard_entries
             SET value = $3, first_reached_at = CASE WHEN $3 > value THEN clock_timestamp() ELSE first_reached_at END,
                 updated_at = clock_timestamp()
             WHERE board = $1 AND user_id = $2 RETURNING value, first_reached_at",
        )
        .bind(&board)
        .bind(user)
        .bind(value)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query("INSERT INTO score_events (user_id, board, action_id, delta, value_after) VALUES ($1, $2, $3, $4, $5)")
            .bind(user)
            .bind(&board)
            .bind(action)
            .bind(delta)
            .bind(value)
            .execute(&mut **tx)
            .await?;
        crate::notifications::enqueue_overtaken(
            tx,
            &board,
            user,
            Some((current, current_at)),
            (value, at),
        )
        .await?;
        changed.push((
            board,
            Standing {
                rank: 0,
                user_id: user,
                value,
                first_reached_at: at,
            },
        ));
    }
    Ok(changed)
}

/// Marks a board for rebuild (its index missed a write).
pub async fn queue_repair(db: &PgPool, board: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO leaderboard_repairs (board) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(board)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn repair_queued(db: &PgPool, board: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM leaderboard_repairs WHERE board = $1)")
        .bind(board)
        .fetch_one(db)
        .await
}

pub async fn clear_repair(db: &PgPool, board: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM leaderboard_repairs WHERE board = $1")
        .bind(board)
        .execute(db)
        .await
        .map(|_| ())
}

/// Sets a user's value on a board (ratings and XP from game results, which can fall as well as
/// rise). `first_reached_at` moves to now only when the value rises; a fall keeps it, and a later
/// rise back stamps the new time. A rise notifies the player it passed
/// (`notifications::enqueue_overtaken`).
pub async fn set(
    tx: &mut Transaction<'_, Postgres>,
    board: &str,
    user: Uuid,
    value: i64,
) -> Result<Standing, ScoreError> {
    if !(0..=MAX_VALUE).contains(&value) {
        return Err(ScoreError::Overflow);
    }
    let before: Option<(i64, OffsetDateTime)> = sqlx::query_as(
        "SELECT value, first_reached_at FROM leaderboard_entries WHERE board = $1 AND user_id = $2 FOR UPDATE",
    )
    .bind(board)
    .bind(user)
    .fetch_optional(&mut **tx)
    .await?;
    let (value, at): (i64, OffsetDateTime) = sqlx::query_as(
        "INSERT INTO leaderboard_entries (board, user_id, value, first_reached_at) VALUES ($1, $2, $3, clock_timestamp())
         ON CONFLICT (board, user_id) DO UPDATE SET
           first_reached_at = CASE WHEN EXCLUDED.value > leaderboard_entries.value
                                   THEN EXCLUDED.first_reached_at ELSE leaderboard_entries.first_reached_at END,
           value = EXCLUDED.value,
           updated_at = clock_timestamp()
         RETURNING value, first_reached_at",
    )
    .bind(board)
    .bind(user)
    .bind(value)
    .fetch_one(&mut **tx)
    .await?;
    crate::notifications::enqueue_overtaken(tx, board, user, before, (value, at)).await?;
    Ok(Standing {
        rank: 0,
        user_id: user,
        value,
        first_reached_at: at,
    })
}

/// The database's clock, for marking when a read began.
pub async fn now(db: &PgPool) -> Result<OffsetDateTime, sqlx::Error> {
    sqlx::query_scalar("SELECT clock_timestamp()")
        .fetch_one(db)
        .await
}

/// Entries of a board that changed at or after `since` (ranks not computed).
pub async fn changed_since(
    db: &PgPool,
    board: &str,
    since: OffsetDateTime,
) -> Result<Vec<Standing>, sqlx::Error> {
    sqlx::query_as(
        "SELECT 0::bigint AS rank, user_id, value, first_reached_at FROM leaderboard_entries
         WHERE board = $1 AND updated_at >= $2",
    )
    .bind(board)
    .bind(since)
    .fetch_all(db)
    .await
}
