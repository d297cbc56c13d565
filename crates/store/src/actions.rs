//! Actions registered by trusted game services; each can be turned into a score exactly once.

use serde_json::Value;
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Action {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub max_score: i64,
    pub expires_at: OffsetDateTime,
    pub consumed_at: Option<OffsetDateTime>,
    pub response: Option<Value>,
}

pub async fn register(
    db: &sqlx::PgPool,
    user: Uuid,
    service: &str,
    max_score: i64,
    expires_at: OffsetDateTime,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO actions (id, user_id, service, max_score, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(user)
        .bind(service)
        .bind(max_score)
        .bind(expires_at)
        .execute(db)
        .await?;
    Ok(id)
}

/// The action, locked for this transaction.
pub async fn lock(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
) -> Result<Option<Action>, sqlx::Error> {
    sqlx::query_as("SELECT id, user_id, max_score, expires_at, consumed_at, response FROM actions WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn consume(
    tx: &mut Transaction<'_, Postgres>,
    id: Uuid,
    response: &Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE actions SET consumed_at = now(), response = $2 WHERE id = $1")
        .bind(id)
        .bind(response)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}
