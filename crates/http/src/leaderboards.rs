//! Leaderboard reads and index maintenance, shared by the profiles service and the edge's live
//! feed: Redis first, PostgreSQL when Redis is down or the index is missing (and then the index is
//! rebuilt); the drift check compares and repairs; every change is announced on pub/sub.

use crate::{ApiError, AppState};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;
use whoosh_cache::leaderboard::{Entry, Ranked};
use whoosh_store::leaderboards::{self as pg, Standing};

/// One line of a leaderboard as clients see it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = LeaderboardRow)]
pub struct Row {
    /// 1-based; ties are broken by who reached the value first.
    pub rank: i64,
    pub user_id: Uuid,
    pub display_name: String,
    pub avatar_id: Option<String>,
    pub value: i64,
}

fn entry(s: &Standing) -> Entry {
    Entry {
        user_id: s.user_id,
        value: s.value,
        first_reached_us: i64::try_from(s.first_reached_at.unix_timestamp_nanos() / 1000)
            .unwrap_or(i64::MAX),
    }
}

fn standing(r: &Ranked) -> (i64, Uuid, i64) {
    (
        i64::try_from(r.rank).unwrap_or(i64::MAX),
        r.entry.user_id,
        r.entry.value,
    )
}

/// Adds names and avatars to ranked (rank, user, value) triples.
async fn rows(state: &AppState, ranked: Vec<(i64, Uuid, i64)>) -> Result<Vec<Row>, ApiError> {
    let ids: Vec<Uuid> = ranked.iter().map(|r| r.1).collect();
    let names: HashMap<Uuid, (String, Option<String>)> =
        whoosh_store::profiles::names(&state.db, &ids)
            .await?
            .into_iter()
            .map(|(id, n, a)| (id, (n, a)))
            .collect();
    Ok(ranked
        .into_iter()
        .filter_map(|(rank, user_id, value)| {
            names.get(&user_id).map(|(name, avatar)| Row {
                rank,
                user_id,
                display_name: name.clone(),
                avatar_id: avatar.clone(),
                value,
            })
        })
        .collect())
}

/// Whether to read Redis for `board`; when the index is missing, starts a rebuild.
async fn index_usable(state: &AppState, board: &str) -> bool {
    match state.leaderboards.is_ready(board).await {
        Ok(true) => true,
        Ok(false) => {
            let state = state.clone();
            let board = board.to_owned();
            tokio::spawn(async move {
                if let Err(e) = rebuild(&state, &board).await {
                    tracing::warn!(board, error = %e, "leaderboard rebuild failed");
                }
            });
            false
        }
        Err(error) => {
            tracing::warn!(board, %error, "Redis unavailable; reading the leaderboard from PostgreSQL");
            false
        }
    }
}

/// `limit` rows from 0-based `offset`.
pub async fn top(
    state: &AppState,
    board: &str,
    offset: i64,
    limit: i64,
) -> Result<Vec<Row>, ApiError> {
    if index_usable(state, board).await {
        match state
            .leaderboards
            .range(board, offset.unsigned_abs(), limit.unsigned_abs())
            .await
        {
            Ok(ranked) => return rows(state, ranked.iter().map(standing).collect()).await,
            Err(error) => tracing::warn!(board, %error, "Redis read failed; using PostgreSQL"),
        }
    }
    let page = pg::range(&state.db, board, offset, limit).await?;
    rows(
        state,
        page.iter().map(|s| (s.rank, s.user_id, s.value)).collect(),
    )
    .await
}

/// The caller's rank and value, if on the board.
pub async fn rank_of(state: &AppState, board: &str, user: Uuid) -> Result<Option<Row>, ApiError> {
    if index_usable(state, board).await {
        match state.leaderboards.standing(board, user).await {
            Ok(found) => {
                return Ok(rows(state, found.iter().map(standing).collect())
                    .await?
                    .pop());
            }
            Err(error) => tracing::warn!(board, %error, "Redis read failed; using PostgreSQL"),
        }
    }
    let found = pg::standing(&state.db, board, user).await?;
    Ok(rows(
        state,
        found.iter().map(|s| (s.rank, s.user_id, s.value)).collect(),
    )
    .await?
    .pop())
}

/// How far before a rebuild's read changed entries are re-applied (longer than any transaction
/// may run: `DATABASE_STATEMENT_TIMEOUT` defaults to 10 s).
pub const REBUILD_OVERLAP: time::Duration = time::Duration::seconds(30);

/// Rebuilds a board's index from PostgreSQL (one rebuild at a time per board).
pub async fn rebuild(state: &AppState, board: &str) -> Result<usize, ApiError> {
    Ok(try_rebuild(state, board).await?.unwrap_or(0))
}

/// [`rebuild`], or `None` without doing anything when another rebuild of the board holds its
/// lock (one running now, or one that Redis failed under, until the lock's 60 s expire).
pub async fn try_rebuild(state: &AppState, board: &str) -> Result<Option<usize>, ApiError> {
    let lock = format!("{}:rebuilding", state.keys.board_ready(board));
    let mut conn = state.redis.clone();
    let acquired: bool = redis::cmd("SET")
        .arg(&lock)
        .arg(1)
        .arg("NX")
        .arg("EX")
        .arg(60)
        .query_async::<Option<String>>(&mut conn)
        .await?
        .is_some();
    if !acquired {
        return Ok(None);
    }
    let result = async {
        let started = pg::now(&state.db).await?;
        let all = pg::all(&state.db, board).await?;
        let entries: Vec<Entry> = all.iter().map(entry).collect();
        state.leaderboards.rebuild(board, &entries).await?;
        // Scores committed while the snapshot was read and swapped in went to the old index; apply
        // them again. The margin covers transactions that began before the read and committed after.
        for changed in pg::changed_since(&state.db, board, started - REBUILD_OVERLAP).await? {
            state.leaderboards.upsert(board, &entry(&changed)).await?;
        }
        // Only now may readers that fell back to PostgreSQL use the index.
        state.leaderboards.mark_ready(board).await?;
        pg::clear_repair(&state.db, board).await?;
        Ok::<_, ApiError>(Some(entries.len()))
    }
    .await;
    let _ = redis::cmd("DEL")
        .arg(&lock)
        .query_async::<()>(&mut conn)
        .await;
    result
}

/// Writes committed standings to the index and announces the change. A Redis failure never
/// fails the request: the board is queued for repair in PostgreSQL and the drift check rebuilds it.
pub async fn write_through(state: &AppState, changed: &[(String, Standing)]) {
    for (board, s) in changed {
        match state.leaderboards.upsert(board, &entry(s)).await {
            // Independent of each other: the feed's announcement and the player's own event
            // overlap instead of adding their round trips to the answer's latency.
            Ok(()) => {
                tokio::join!(announce(state, board), tell_player(state, board, s));
            }
            Err(error) => {
                tracing::warn!(board, %error, "leaderboard index write failed; repair queued");
                if let Err(e) = pg::queue_repair(&state.db, board).await {
                    tracing::error!(board, error = %e, "could not queue the leaderboard repair");
                }
            }
        }
    }
}

/// The player's new value and rank on `board`, as a `leaderboard` event on their own channel.
async fn tell_player(state: &AppState, board: &str, s: &Standing) {
    let rank = match rank_of(state, board, s.user_id).await {
        Ok(found) => found.map(|r| r.rank),
        Err(error) => {
            tracing::warn!(board, ?error, "rank unavailable for the player's event");
            None
        }
    };
    crate::events::notify(
        state,
        &[s.user_id],
        crate::events::kind::LEADERBOARD,
        &serde_json::json!({ "board": board, "value": s.value, "rank": rank }),
    )
    .await;
}

/// Publishes that `board` changed: `<board> <version>` on the changes channel, where the version
/// is a per-board counter shared by every node (it becomes the SSE event id).
pub async fn announce(state: &AppState, board: &str) {
    /// `INCR` and `PUBLISH` in one round trip (the channel is not a key: any node publishes to
    /// the whole cluster).
    static ANNOUNCE: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
        redis::Script::new(
            "local v = redis.call('INCR', KEYS[1]) \
             redis.call('PUBLISH', ARGV[1], ARGV[2] .. ' ' .. v) return v",
        )
    });
    let mut conn = state.redis.clone();
    let outcome = ANNOUNCE
        .key(state.keys.board_version(board))
        .arg(state.keys.board_changes_channel())
        .arg(board)
        .invoke_async::<u64>(&mut conn)
        .await;
    if let Err(error) = outcome {
        tracing::warn!(board, %error, "could not announce the leaderboard change");
    }
}

/// The board's current version (0 before any change).
pub async fn version(state: &AppState, board: &str) -> redis::RedisResult<u64> {
    let mut conn = state.redis.clone();
    let v: Option<u64> = redis::cmd("GET")
        .arg(state.keys.board_version(board))
        .query_async(&mut conn)
        .await?;
    Ok(v.unwrap_or(0))
}

/// Removes a user from the index of each board (account deletion) and announces the change.
pub async fn remove(state: &AppState, boards: &[String], user: Uuid) {
    for board in boards {
        match state.leaderboards.remove(board, user).await {
            Ok(()) => announce(state, board).await,
            Err(error) => {
                tracing::warn!(board, %error, "leaderboard index removal failed; repair queued");
                let _ = pg::queue_repair(&state.db, board).await;
            }
        }
    }
}

/// The drift check of one board: compares the top N of Redis with PostgreSQL; on any
/// difference (or a queued repair) rebuilds the index. Returns the positions that differed.
pub async fn drift_check(state: &AppState, board: &str) -> Result<usize, ApiError> {
    let n = i64::from(state.config.leaderboards.top_n);
    let truth: Vec<(i64, Uuid, i64)> = pg::range(&state.db, board, 0, n)
        .await?
        .iter()
        .map(|s| (s.rank, s.user_id, s.value))
        .collect();
    let index: Vec<(i64, Uuid, i64)> = if state.leaderboards.is_ready(board).await? {
        state
            .leaderboards
            .range(board, 0, n.unsigned_abs())
            .await?
            .iter()
            .map(standing)
            .collect()
    } else {
        Vec::new()
    };
    let drift = truth
        .iter()
        .zip(index.iter())
        .filter(|(a, b)| a != b)
        .count()
        + truth.len().abs_diff(index.len());
    let queued = pg::repair_queued(&state.db, board).await?;
    if (drift > 0 || queued) && try_rebuild(state, board).await?.is_none() {
        // Never report a board as checked while it still differs: the caller retries.
        return Err(ApiError::unavailable(
            "the leaderboard rebuild",
            anyhow::anyhow!("another rebuild of {board} holds the lock"),
        ));
    }
    tracing::info!(
        board,
        drift,
        repair_queued = queued,
        "leaderboard drift check"
    );
    crate::emf::leaderboard_drift(board, drift);
    Ok(drift)
}
