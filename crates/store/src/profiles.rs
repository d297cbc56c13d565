//! Profiles (the public face of an account), match history, and account deletion.

use serde::Serialize;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Profile {
    pub id: Uuid,
    pub display_name: String,
    pub avatar_id: Option<String>,
    pub title_id: Option<String>,
    pub elo: i32,
    pub xp: i64,
    pub games_played: i32,
    pub wins: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

pub async fn find(db: &PgPool, id: Uuid) -> Result<Option<Profile>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, display_name, avatar_id, title_id, elo, xp, games_played, wins, created_at FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The Elo ratings of several users (matchmaking); users that do not exist are left out.
pub async fn ratings(db: &PgPool, ids: &[Uuid]) -> Result<Vec<(Uuid, i32)>, sqlx::Error> {
    sqlx::query_as("SELECT id, elo FROM users WHERE id = ANY($1)")
        .bind(ids)
        .fetch_all(db)
        .await
}

/// Display names and avatars of several users (for leaderboard pages).
pub async fn names(
    db: &PgPool,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as("SELECT id, display_name, avatar_id FROM users WHERE id = ANY($1)")
        .bind(ids)
        .fetch_all(db)
        .await
}

/// Edits the allow-listed fields of a profile. `None` leaves a field as it is.
pub async fn edit(
    db: &PgPool,
    id: Uuid,
    display_name: Option<&str>,
    avatar_id: Option<&str>,
) -> Result<Option<Profile>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE users SET display_name = COALESCE($2, display_name), avatar_id = COALESCE($3, avatar_id), updated_at = now()
         WHERE id = $1
         RETURNING id, display_name, avatar_id, title_id, elo, xp, games_played, wins, created_at",
    )
    .bind(id)
    .bind(display_name)
    .bind(avatar_id)
    .fetch_optional(db)
    .await
}

/// Whether the user owns `item` as an avatar.
pub async fn owns_avatar(db: &PgPool, id: Uuid, item: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM inventory i JOIN store_items s ON s.id = i.item_id
                        WHERE i.user_id = $1 AND i.item_id = $2 AND i.quantity > 0 AND s.kind = 'avatar')",
    )
    .bind(id)
    .bind(item)
    .fetch_one(db)
    .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct MatchSummary {
    pub match_id: Uuid,
    pub mode: String,
    pub role: String,
    pub won: bool,
    pub elo_before: i32,
    pub elo_after: i32,
    pub xp_gained: i64,
    pub coins_gained: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    /// Position for cursors: finish time in microseconds.
    #[serde(skip)]
    pub position: i64,
}

/// A page of a user's matches, newest first, strictly older than `before` (µs) when given.
pub async fn matches(
    db: &PgPool,
    user: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<MatchSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.match_id, m.mode, p.role, p.won, p.elo_before, p.elo_after, p.xp_gained, p.coins_gained,
                m.finished_at, (extract(epoch FROM m.finished_at) * 1000000)::bigint AS position
         FROM match_players p JOIN matches m ON m.id = p.match_id
         WHERE p.user_id = $1 AND ($2::bigint IS NULL OR (extract(epoch FROM m.finished_at) * 1000000)::bigint < $2)
         ORDER BY m.finished_at DESC LIMIT $3",
    )
    .bind(user)
    .bind(before)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Deletes an account and everything it owns (cascades; owned groups are handed over or
/// disbanded, see [`crate::groups::depart_all`]); audit rows (ledger, score events,
/// actions) keep their facts with the user id set to NULL. Returns the boards it was on.
pub async fn delete_account(db: &PgPool, id: Uuid) -> Result<Option<Vec<String>>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let boards: Vec<String> =
        sqlx::query_scalar("SELECT board FROM leaderboard_entries WHERE user_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    // Owned groups pass to another member (or are disbanded) before the memberships cascade away.
    let departure = crate::groups::depart_all(&mut tx, id).await?;
    let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    if deleted == 1 && departure != crate::groups::Departure::default() {
        tracing::info!(
            user_id = %id,
            handed_over = departure.handed_over.len(),
            disbanded = departure.disbanded.len(),
            "groups of a deleted account handed over or disbanded"
        );
    }
    Ok((deleted == 1).then_some(boards))
}
