//! Sessions: each is a family of refresh tokens. Refreshing rotates the presented token to a new
//! one of the same family; presenting an already-rotated token again means it was stolen (or the
//! client is broken), so the whole family is revoked.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// The outcome of presenting a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// Valid: the new token is stored in the same family.
    Rotated { user_id: Uuid, family_id: Uuid },
    /// Already rotated before: the family is now revoked.
    Reused { user_id: Uuid, family_id: Uuid },
    /// Unknown, expired or revoked.
    Invalid,
}

#[derive(Debug, sqlx::FromRow)]
struct TokenRow {
    user_id: Uuid,
    family_id: Uuid,
    expires_at: OffsetDateTime,
    rotated_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
}

/// Starts a session with its first refresh token.
pub async fn start(
    db: &PgPool,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: &[u8],
    expires_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(family_id)
        .bind(user_id)
        .bind(expires_at)
        .execute(db)
        .await
        .map(|_| ())
}

/// Rotates `old_hash` to `new_hash`, or detects reuse. One transaction; the row lock makes two
/// concurrent uses of one token end as one rotation and one reuse.
pub async fn rotate(
    db: &PgPool,
    old_hash: &[u8],
    new_hash: &[u8],
    new_expires_at: OffsetDateTime,
) -> Result<Rotation, sqlx::Error> {
    let mut tx = db.begin().await?;
    let row: Option<TokenRow> = sqlx::query_as(
        "SELECT user_id, family_id, expires_at, rotated_at, revoked_at FROM refresh_tokens
         WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(old_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(TokenRow {
        user_id,
        family_id,
        expires_at,
        rotated_at,
        revoked_at,
    }) = row
    else {
        return Ok(Rotation::Invalid);
    };
    if revoked_at.is_some() {
        return Ok(Rotation::Invalid);
    }
    if rotated_at.is_some() {
        sqlx::query("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL")
            .bind(family_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(Rotation::Reused { user_id, family_id });
    }
    if expires_at <= OffsetDateTime::now_utc() {
        return Ok(Rotation::Invalid);
    }
    sqlx::query("UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1")
        .bind(old_hash)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(new_hash)
        .bind(family_id)
        .bind(user_id)
        .bind(new_expires_at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Rotation::Rotated { user_id, family_id })
}

/// Revokes one session of a user. Returns whether it was live.
pub async fn revoke(db: &PgPool, user_id: Uuid, family_id: Uuid) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND family_id = $2 AND revoked_at IS NULL")
        .bind(user_id)
        .bind(family_id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// Revokes every session of a user except `keep`; returns the sessions revoked.
pub async fn revoke_all(
    db: &PgPool,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE refresh_tokens SET revoked_at = now()
         WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR family_id <> $2)
         RETURNING family_id",
    )
    .bind(user_id)
    .bind(keep)
    .fetch_all(db)
    .await
    .map(|mut ids: Vec<Uuid>| {
        ids.sort();
        ids.dedup();
        ids
    })
}
