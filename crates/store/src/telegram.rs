//! Telegram chats linked to accounts, and the short-lived single-use codes that link them.
//!
//! A code is stored only as its SHA-256 hash (the caller hashes). Redeeming it links the chat
//! that sent `/start <code>` to the code's account: a chat belongs to one account at a time, so
//! linking it elsewhere moves it, and an account has one chat (a new link replaces the old one
//! and revives a link marked dead).

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// Stores a new link code for `user`, valid until `expires_at`. Earlier unused codes of the user
/// stay valid until they expire.
pub async fn create_code(
    db: &PgPool,
    user: Uuid,
    code_hash: &[u8],
    expires_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM telegram_link_codes WHERE user_id = $1 AND expires_at < now()")
        .bind(user)
        .execute(db)
        .await?;
    sqlx::query(
        "INSERT INTO telegram_link_codes (code_hash, user_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(code_hash)
    .bind(user)
    .bind(expires_at)
    .execute(db)
    .await
    .map(drop)
}

/// What redeeming a code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redeemed {
    /// The chat is now linked to this account.
    Linked(Uuid),
    /// Unknown, expired or already used.
    Invalid,
}

/// Spends the code (once) and links `chat_id` to its account, in one transaction.
pub async fn redeem(db: &PgPool, code_hash: &[u8], chat_id: i64) -> Result<Redeemed, sqlx::Error> {
    let mut tx = db.begin().await?;
    let user: Option<Uuid> = sqlx::query_scalar(
        "UPDATE telegram_link_codes SET used_at = now()
         WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id",
    )
    .bind(code_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(user) = user else {
        return Ok(Redeemed::Invalid);
    };
    sqlx::query("DELETE FROM telegram_links WHERE chat_id = $1 AND user_id <> $2")
        .bind(chat_id)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO telegram_links (user_id, chat_id) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET chat_id = EXCLUDED.chat_id, linked_at = now(),
                                             dead_at = NULL, dead_reason = NULL",
    )
    .bind(user)
    .bind(chat_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Redeemed::Linked(user))
}

/// A user's link.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Link {
    pub user_id: Uuid,
    pub chat_id: i64,
    pub linked_at: OffsetDateTime,
    pub dead_at: Option<OffsetDateTime>,
    pub dead_reason: Option<String>,
}

pub async fn link_of(db: &PgPool, user: Uuid) -> Result<Option<Link>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, chat_id, linked_at, dead_at, dead_reason FROM telegram_links WHERE user_id = $1",
    )
    .bind(user)
    .fetch_optional(db)
    .await
}

/// Marks a chat dead (Telegram refused it for good); nothing more is sent there until the user
/// links again.
pub async fn mark_dead(db: &PgPool, chat_id: i64, reason: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE telegram_links SET dead_at = now(), dead_reason = $2 WHERE chat_id = $1 AND dead_at IS NULL",
    )
    .bind(chat_id)
    .bind(reason)
    .execute(db)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Links that are dead (for the runbook).
pub async fn dead_links(db: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM telegram_links WHERE dead_at IS NOT NULL")
        .fetch_one(db)
        .await
}
