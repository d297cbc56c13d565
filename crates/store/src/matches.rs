//! Finished matches, recorded once: the match row, one row per player, ratings, XP, games and
//! wins, the rating and XP boards, and coin rewards in the ledger — all in one transaction, keyed
//! by the match id so that a retry (from the outbox, or by another node) changes nothing. The
//! `match_finished` analytics events and the `leaderboard_overtaken` notifications the new values
//! cause are written in the same transaction.

use crate::{
    analytics::{self, Event},
    economy::{self, EconomyError},
    leaderboards::{self, ScoreError, Standing},
};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// The currency match rewards are paid in.
pub const REWARD_CURRENCY: &str = "coins";

/// A finished match as the game server reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchRecord {
    pub id: Uuid,
    pub mode: String,
    /// `agents`, `moles` or `none` (abandoned).
    pub winner: String,
    /// Why it ended (`exposed`, `tie_at_top`, `forfeit`, `abandoned`).
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    pub players: Vec<PlayerRecord>,
}

/// One player's part in a finished match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerRecord {
    pub user_id: Uuid,
    pub role: String,
    pub won: bool,
    pub heat: i64,
    pub final_suspect: Option<Uuid>,
    pub rating_delta: i32,
    pub xp: i64,
    pub coins: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("a rating or XP value left the board's range")]
    Overflow,
}

impl crate::Retryable for RecordError {
    fn is_contention(&self) -> bool {
        matches!(self, Self::Database(e) if crate::Retryable::is_contention(e))
    }
}

impl From<ScoreError> for RecordError {
    fn from(e: ScoreError) -> Self {
        match e {
            ScoreError::Db(e) => Self::Database(e),
            _ => Self::Overflow,
        }
    }
}

impl From<EconomyError> for RecordError {
    fn from(e: EconomyError) -> Self {
        match e {
            EconomyError::Db(e) => Self::Database(e),
            _ => Self::Overflow,
        }
    }
}

/// What recording a match changed.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The board standings it changed (for the Redis index and the live feed).
    pub changed: Vec<(String, Standing)>,
    /// The battle this match was played for, now finished.
    pub battle: Option<crate::battles::Finished>,
}

/// Records `m` unless it is recorded already (`None` then). Finishes the battle played in this
/// match, if any, in the same transaction: once per match id.
/// Players whose account was deleted meanwhile are skipped.
pub async fn record(db: &PgPool, m: &MatchRecord) -> Result<Option<Recorded>, RecordError> {
    crate::with_retries(|| async {
        let mut tx = db.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO matches (id, mode, winner, reason, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(m.id)
        .bind(&m.mode)
        .bind(&m.winner)
        .bind(&m.reason)
        .bind(m.started_at)
        .bind(m.finished_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(None);
        }
        let mut changed = Vec::with_capacity(m.players.len() * 2);
        // Lock players in id order so two matches finishing at once never deadlock. NO KEY UPDATE:
        // it still serialises two results of one player, but not the foreign-key checks of the
        // notifications and analytics rows other results write about them.
        let mut players: Vec<&PlayerRecord> = m.players.iter().collect();
        players.sort_by_key(|p| p.user_id);
        for p in players {
            let Some(before): Option<i32> =
                sqlx::query_scalar("SELECT elo FROM users WHERE id = $1 FOR NO KEY UPDATE")
                    .bind(p.user_id)
                    .fetch_optional(&mut *tx)
                    .await?
            else {
                continue;
            };
            let after = before.saturating_add(p.rating_delta).max(0);
            let xp: i64 = sqlx::query_scalar(
                "UPDATE users SET elo = $2, xp = xp + $3, games_played = games_played + 1,
                        wins = wins + $4, updated_at = now()
                 WHERE id = $1 RETURNING xp",
            )
            .bind(p.user_id)
            .bind(after)
            .bind(p.xp)
            .bind(i32::from(p.won))
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO match_players (match_id, user_id, role, won, elo_before, elo_after, xp_gained, coins_gained, heat, final_suspect)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(m.id)
            .bind(p.user_id)
            .bind(&p.role)
            .bind(p.won)
            .bind(before)
            .bind(after)
            .bind(p.xp)
            .bind(p.coins)
            .bind(p.heat)
            .bind(p.final_suspect)
            .execute(&mut *tx)
            .await?;
            let finished = Event::MatchFinished {
                user_id: p.user_id,
                match_id: m.id,
                mode: m.mode.clone(),
                role: p.role.clone(),
                won: p.won,
                reason: m.reason.clone(),
                rating_delta: after - before,
                duration_secs: (m.finished_at - m.started_at).whole_seconds().max(0),
            };
            analytics::record(&mut *tx, &finished).await?;
            changed.push((
                "rating".to_owned(),
                leaderboards::set(&mut tx, "rating", p.user_id, i64::from(after)).await?,
            ));
            changed.push(("xp".to_owned(), leaderboards::set(&mut tx, "xp", p.user_id, xp).await?));
            if p.coins > 0 {
                let key = format!("match:{}", m.id);
                economy::credit(
                    &mut tx,
                    p.user_id,
                    REWARD_CURRENCY,
                    p.coins,
                    "match_reward",
                    Some(&m.id.to_string()),
                    &key,
                )
                .await?;
            }
        }
        let winners: Vec<Uuid> = m.players.iter().filter(|p| p.won).map(|p| p.user_id).collect();
        let battle = crate::battles::finish(&mut tx, m.id, &winners).await?;
        tx.commit().await?;
        Ok(Some(Recorded { changed, battle }))
    })
    .await
}
