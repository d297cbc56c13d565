//! Notifications to players: a durable queue in PostgreSQL that the notifier (`whoosh notifier`)
//! drains to Telegram.
//!
//! Producers call [`enqueue`] with any executor, so they can write the notification inside their
//! own transaction (it then exists exactly when their change commits). The idempotency key makes
//! a retried producer harmless: the second insert of a key does nothing.
//!
//! The notifier [`claim`]s due rows with `FOR UPDATE SKIP LOCKED` (several notifiers never take the
//! same row), which sets them `sending` with a lease: `next_attempt_at` becomes the lease's end, so
//! the rows of a notifier that dies are due again once the lease runs out. Every mark names the
//! claim it belongs to and is ignored for a row claimed again since.

use serde_json::Value;
use sqlx::{PgExecutor, PgPool, Postgres, Transaction};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// What a notification tells (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The matchmaker put the player's ticket in a lobby.
    MatchFound,
    /// Someone invited the player to a battle.
    BattleInvitation,
    /// Another player passed them on a leaderboard.
    LeaderboardOvertaken,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MatchFound => "match_found",
            Self::BattleInvitation => "battle_invitation",
            Self::LeaderboardOvertaken => "leaderboard_overtaken",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "match_found" => Some(Self::MatchFound),
            "battle_invitation" => Some(Self::BattleInvitation),
            "leaderboard_overtaken" => Some(Self::LeaderboardOvertaken),
            _ => None,
        }
    }
}

/// A notification to enqueue.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: Uuid,
    pub kind: Kind,
    /// What the message is rendered from (see the notifier for each kind's fields).
    pub payload: Value,
    /// Unique per notification, 1–200 characters; the same key enqueued twice is one
    /// notification. Scope it by kind, e.g. `match_found:<lobby>:<user>`.
    pub idempotency_key: String,
}

/// Enqueues `n` unless its key is queued already; returns whether this call added it. A user
/// that does not exist (deleted meanwhile) is an error of the caller's transaction (foreign key).
pub async fn enqueue<'e>(
    executor: impl PgExecutor<'e>,
    n: &NewNotification,
) -> Result<bool, sqlx::Error> {
    let added = sqlx::query(
        "INSERT INTO notifications (user_id, kind, payload, idempotency_key) VALUES ($1, $2, $3, $4)
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(n.user_id)
    .bind(n.kind.as_str())
    .bind(&n.payload)
    .bind(&n.idempotency_key)
    .execute(executor)
    .await?
    .rows_affected();
    Ok(added == 1)
}

/// A claimed notification, with the chat to send it to if the user has a live Telegram link.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub user_id: Uuid,
    pub kind: String,
    pub payload: Value,
    /// Attempts so far, this one included.
    pub attempts: i32,
    pub claim_id: Uuid,
    pub chat_id: Option<i64>,
}

/// Claims up to `limit` due notifications for `lease`; each claim counts as an attempt.
pub async fn claim(db: &PgPool, limit: i64, lease: Duration) -> Result<Vec<Claimed>, sqlx::Error> {
    sqlx::query_as(
        "WITH due AS (
             SELECT id FROM notifications
             WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
             ORDER BY next_attempt_at, id LIMIT $1
             FOR UPDATE SKIP LOCKED
         ), claimed AS (
             UPDATE notifications n
             SET status = 'sending', attempts = n.attempts + 1, claim_id = $3,
                 next_attempt_at = now() + make_interval(secs => $2)
             FROM due WHERE n.id = due.id
             RETURNING n.id, n.user_id, n.kind, n.payload, n.attempts, n.claim_id
         )
         SELECT c.id, c.user_id, c.kind, c.payload, c.attempts, c.claim_id, l.chat_id
         FROM claimed c LEFT JOIN telegram_links l ON l.user_id = c.user_id AND l.dead_at IS NULL
         ORDER BY c.id",
    )
    .bind(limit)
    .bind(lease.as_secs_f64())
    .bind(Uuid::now_v7())
    .fetch_all(db)
    .await
}

/// How a claimed notification ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    Sent,
    /// Nowhere to send it (no live Telegram link).
    Skipped,
    /// Given up on (refused for good, or out of attempts).
    Failed,
}

/// Marks a claimed notification finished; returns false if the claim was lost meanwhile (its
/// lease ran out and another notifier claimed it).
pub async fn finish(
    db: &PgPool,
    n: &Claimed,
    how: Finish,
    error: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let status = match how {
        Finish::Sent => "sent",
        Finish::Skipped => "skipped",
        Finish::Failed => "failed",
    };
    let done = sqlx::query(
        "UPDATE notifications SET status = $3, finished_at = now(), last_error = $4
         WHERE id = $1 AND claim_id = $2 AND status = 'sending'",
    )
    .bind(n.id)
    .bind(n.claim_id)
    .bind(status)
    .bind(error)
    .execute(db)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Puts a claimed notification back to be tried again after `after`.
pub async fn retry(
    db: &PgPool,
    n: &Claimed,
    after: Duration,
    error: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE notifications SET status = 'pending', last_error = $4,
                next_attempt_at = now() + make_interval(secs => $3)
         WHERE id = $1 AND claim_id = $2 AND status = 'sending'",
    )
    .bind(n.id)
    .bind(n.claim_id)
    .bind(after.as_secs_f64())
    .bind(error)
    .execute(db)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Returns claimed notifications that were not tried (shutdown, a lease about to run out, or a
/// bot-wide rate limit) to the queue, due after `after`, without counting the attempt.
pub async fn release(
    db: &PgPool,
    claimed: &[Claimed],
    after: Duration,
) -> Result<u64, sqlx::Error> {
    let ids: Vec<i64> = claimed.iter().map(|n| n.id).collect();
    let claims: Vec<Uuid> = claimed.iter().map(|n| n.claim_id).collect();
    Ok(sqlx::query(
        "UPDATE notifications n SET status = 'pending', attempts = greatest(n.attempts - 1, 0),
                next_attempt_at = now() + make_interval(secs => $3)
         FROM unnest($1::bigint[], $2::uuid[]) AS r(id, claim_id)
         WHERE n.id = r.id AND n.claim_id = r.claim_id AND n.status = 'sending'",
    )
    .bind(&ids)
    .bind(&claims)
    .bind(after.as_secs_f64())
    .execute(db)
    .await?
    .rows_affected())
}

/// The queue at a glance (for the notifier's metrics and the runbook).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backlog {
    /// Pending or sending, due now.
    pub due: i64,
    /// Age in seconds of the oldest due notification (0 when none).
    pub oldest_due_secs: i64,
    pub failed: i64,
}

pub async fn backlog(db: &PgPool) -> Result<Backlog, sqlx::Error> {
    let (due, oldest_due_secs, failed): (i64, i64, i64) = sqlx::query_as(
        "SELECT
           (SELECT count(*) FROM notifications WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()),
           COALESCE((SELECT extract(epoch FROM now() - min(created_at))::bigint FROM notifications
                     WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()), 0),
           (SELECT count(*) FROM notifications WHERE status = 'failed')",
    )
    .fetch_one(db)
    .await?;
    Ok(Backlog {
        due,
        oldest_due_secs,
        failed,
    })
}

/// One notification as stored (tests, support).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Stored {
    pub id: i64,
    pub user_id: Uuid,
    pub kind: String,
    pub payload: Value,
    pub idempotency_key: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
}

/// A user's notifications, oldest first.
pub async fn of_user(db: &PgPool, user: Uuid) -> Result<Vec<Stored>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, user_id, kind, payload, idempotency_key, status, attempts, next_attempt_at, last_error
         FROM notifications WHERE user_id = $1 ORDER BY id",
    )
    .bind(user)
    .fetch_all(db)
    .await
}

/// Only the top of a board notifies: passing someone at rank 5 000 is not news.
pub const OVERTAKEN_TOP: i64 = 100;

/// After `user`'s value on `board` rose from `before` (value and first-reached time, `None` when
/// they had no entry) to `after`, enqueues a `leaderboard_overtaken` notification for the one
/// player they passed last — the one now right behind them — if that player was ahead before and
/// the user now stands within the top [`OVERTAKEN_TOP`]. At most one notification per rise, so a
/// big jump over many players tells only the nearest. Inside the caller's transaction.
pub async fn enqueue_overtaken(
    tx: &mut Transaction<'_, Postgres>,
    board: &str,
    user: Uuid,
    before: Option<(i64, OffsetDateTime)>,
    after: (i64, OffsetDateTime),
) -> Result<Option<Uuid>, sqlx::Error> {
    let (after_value, after_at) = after;
    if before.is_some_and(|(v, _)| v >= after_value) {
        return Ok(None);
    }
    // The entry right behind the user's new place, if it was ahead of their old place.
    let (old_value, old_at) = before.unwrap_or((-1, after_at));
    let passed: Option<(Uuid, i64)> = sqlx::query_as(
        "SELECT user_id, value FROM leaderboard_entries
         WHERE board = $1 AND user_id <> $2 AND value <= $3 AND value >= $5
           AND ($3::bigint, first_reached_at, user_id) > (value, $4::timestamptz, $2::uuid)
           AND ($5::bigint, first_reached_at, user_id) < (value, $6::timestamptz, $2::uuid)
         ORDER BY value DESC, first_reached_at ASC, user_id ASC LIMIT 1",
    )
    .bind(board)
    .bind(user)
    .bind(after_value)
    .bind(after_at)
    .bind(old_value)
    .bind(old_at)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((passed, passed_value)) = passed else {
        return Ok(None);
    };
    let ahead: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM leaderboard_entries
           WHERE board = $1 AND user_id <> $2 AND value >= $3
             AND ($3::bigint, first_reached_at, user_id) < (value, $4::timestamptz, $2::uuid)
           LIMIT $5) top",
    )
    .bind(board)
    .bind(user)
    .bind(after_value)
    .bind(after_at)
    .bind(OVERTAKEN_TOP)
    .fetch_one(&mut **tx)
    .await?;
    if ahead >= OVERTAKEN_TOP {
        return Ok(None);
    }
    let name: Option<String> = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?;
    let rank = ahead + 1;
    enqueue(
        &mut **tx,
        &NewNotification {
            user_id: passed,
            kind: Kind::LeaderboardOvertaken,
            payload: serde_json::json!({
                "board": board,
                "by_user_id": user,
                "by_display_name": name.unwrap_or_default(),
                "their_value": after_value,
                "your_value": passed_value,
                "their_rank": rank,
                "your_rank": rank + 1,
            }),
            idempotency_key: format!("leaderboard_overtaken:{board}:{passed}:{user}:{after_value}"),
        },
    )
    .await?;
    Ok(Some(passed))
}
