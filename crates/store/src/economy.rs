//! The economy: wallets (one row per user and currency, never negative), the append-only ledger,
//! the store catalogue, inventories, and purchases and grants that are idempotent by key.
//!
//! Every balance change and its ledger row are written in one transaction, so the sum of a user's
//! ledger always equals their balance. Idempotency: the first request with a key inserts the key's
//! row before doing anything; a concurrent second one waits on that row's unique index until the
//! first commits, then replays the stored answer (or, with another body, is refused). A request
//! that fails (not enough coins, unknown item…) rolls back and leaves the key free.

use serde::Serialize;
use serde_json::Value;
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Failure, classify};

/// Which kind of request a key belongs to; keys of different scopes never collide.
#[derive(Debug, Clone, Copy)]
pub struct Idempotency<'a> {
    pub scope: &'a str,
    pub key: &'a str,
    /// Hash of the request body, to tell a retry from a reuse of the key.
    pub request_hash: &'a [u8],
}

/// A stored or fresh answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// This request did the work; here is its answer (already stored for retries).
    Done { status: u16, body: Value },
    /// An earlier request with this key and body did it; its answer, replayed.
    Replayed { status: u16, body: Value },
}

#[derive(Debug, thiserror::Error)]
pub enum EconomyError {
    #[error("no such item, or not on sale")]
    UnknownItem,
    #[error("no such currency")]
    UnknownCurrency,
    #[error("not enough {currency}: {balance} held, {needed} needed")]
    InsufficientFunds {
        currency: String,
        balance: i64,
        needed: i64,
    },
    #[error("purchase limit of {limit} reached")]
    LimitReached { limit: i32 },
    #[error("the amount would overflow")]
    Overflow,
    #[error("this idempotency key was used with another request")]
    KeyReused,
    #[error("item not owned")]
    NotOwned,
    #[error("item cannot be equipped")]
    NotEquippable,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl crate::Retryable for EconomyError {
    fn is_contention(&self) -> bool {
        matches!(self, Self::Db(e) if classify(e) == Failure::Contention)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Balance {
    pub currency: String,
    pub balance: i64,
}

/// Every currency with the user's balance in it (0 where they have no wallet yet).
pub async fn balances(db: &PgPool, user: Uuid) -> Result<Vec<Balance>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.code AS currency, COALESCE(w.balance, 0) AS balance
         FROM currencies c LEFT JOIN wallets w ON w.currency = c.code AND w.user_id = $1
         ORDER BY c.code",
    )
    .bind(user)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct LedgerEntry {
    pub id: i64,
    pub currency: String,
    pub amount: i64,
    pub balance_after: i64,
    pub reason: String,
    pub reference: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One page of a user's ledger, newest first, strictly before entry `before` when given.
pub async fn ledger_page(
    db: &PgPool,
    user: Uuid,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<LedgerEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, currency, amount, balance_after, reason, reference, created_at FROM ledger
         WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
    )
    .bind(user)
    .bind(before)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The sum of a user's ledger in one currency (the invariant: equals the balance).
pub async fn ledger_sum(db: &PgPool, user: Uuid, currency: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE(SUM(amount), 0)::bigint FROM ledger WHERE user_id = $1 AND currency = $2",
    )
    .bind(user)
    .bind(currency)
    .fetch_one(db)
    .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct StoreItem {
    pub id: String,
    pub name: String,
    pub description: String,
    pub kind: String,
    pub price: i64,
    pub currency: String,
    pub per_user_limit: Option<i32>,
}

/// The items on sale.
pub async fn catalogue(db: &PgPool) -> Result<Vec<StoreItem>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, description, kind, price, currency, per_user_limit FROM store_items
         WHERE active ORDER BY sort_order, id",
    )
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct OwnedItem {
    pub item_id: String,
    pub name: String,
    pub kind: String,
    pub quantity: i64,
    pub equipped: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub acquired_at: OffsetDateTime,
}

pub async fn inventory(db: &PgPool, user: Uuid) -> Result<Vec<OwnedItem>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.item_id, s.name, s.kind, i.quantity, i.acquired_at,
                (i.item_id = u.avatar_id OR i.item_id = u.title_id) IS TRUE AS equipped
         FROM inventory i JOIN store_items s ON s.id = i.item_id JOIN users u ON u.id = i.user_id
         WHERE i.user_id = $1 AND i.quantity > 0 ORDER BY s.sort_order, i.item_id",
    )
    .bind(user)
    .fetch_all(db)
    .await
}

/// What a user shows on their profile.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Equipped {
    pub avatar: Option<String>,
    pub title: Option<String>,
}

/// Equips an owned avatar or title.
pub async fn equip(db: &PgPool, user: Uuid, item_id: &str) -> Result<Equipped, EconomyError> {
    let kind: Option<String> = sqlx::query_scalar(
        "SELECT s.kind FROM inventory i JOIN store_items s ON s.id = i.item_id
         WHERE i.user_id = $1 AND i.item_id = $2 AND i.quantity > 0",
    )
    .bind(user)
    .bind(item_id)
    .fetch_optional(db)
    .await?;
    let column = match kind.as_deref() {
        None => return Err(EconomyError::NotOwned),
        Some("avatar") => "avatar_id",
        Some("title") => "title_id",
        Some(_) => return Err(EconomyError::NotEquippable),
    };
    Ok(sqlx::query_as(&format!(
        "UPDATE users SET {column} = $2, updated_at = now() WHERE id = $1 RETURNING avatar_id AS avatar, title_id AS title"
    ))
    .bind(user)
    .bind(item_id)
    .fetch_one(db)
    .await?)
}

/// Claims the key inside `tx`, or returns the answer stored for it. Waits for a concurrent
/// holder of the same key to finish first (the unique index does the waiting).
async fn claim(
    tx: &mut Transaction<'_, Postgres>,
    user: Uuid,
    idem: Idempotency<'_>,
) -> Result<Option<Outcome>, EconomyError> {
    let claimed = sqlx::query(
        "INSERT INTO idempotency_keys (user_id, scope, key, request_hash, status, response)
         VALUES ($1, $2, $3, $4, 0, 'null') ON CONFLICT DO NOTHING",
    )
    .bind(user)
    .bind(idem.scope)
    .bind(idem.key)
    .bind(idem.request_hash)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if claimed == 1 {
        return Ok(None);
    }
    let (hash, status, body): (Vec<u8>, i16, Value) = sqlx::query_as(
        "SELECT request_hash, status, response FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3",
    )
    .bind(user)
    .bind(idem.scope)
    .bind(idem.key)
    .fetch_one(&mut **tx)
    .await?;
    if hash != idem.request_hash {
        return Err(EconomyError::KeyReused);
    }
    Ok(Some(Outcome::Replayed {
        status: u16::try_from(status).unwrap_or(500),
        body,
    }))
}

async fn settle(
    tx: &mut Transaction<'_, Postgres>,
    user: Uuid,
    idem: Idempotency<'_>,
    status: u16,
    body: &Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE idempotency_keys SET status = $4, response = $5 WHERE user_id = $1 AND scope = $2 AND key = $3")
        .bind(user)
        .bind(idem.scope)
        .bind(idem.key)
        .bind(i16::try_from(status).unwrap_or(500))
        .bind(body)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Locks the user's wallet in `currency` (creating it empty) and returns its balance.
async fn lock_wallet(
    tx: &mut Transaction<'_, Postgres>,
    user: Uuid,
    currency: &str,
) -> Result<i64, EconomyError> {
    let known: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM currencies WHERE code = $1)")
            .bind(currency)
            .fetch_one(&mut **tx)
            .await?;
    if !known {
        return Err(EconomyError::UnknownCurrency);
    }
    sqlx::query("INSERT INTO wallets (user_id, currency) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(user)
        .bind(currency)
        .execute(&mut **tx)
        .await?;
    Ok(sqlx::query_scalar(
        "SELECT balance FROM wallets WHERE user_id = $1 AND currency = $2 FOR UPDATE",
    )
    .bind(user)
    .bind(currency)
    .fetch_one(&mut **tx)
    .await?)
}

/// Moves a wallet by `amount` and appends the ledger row; returns the new balance.
async fn post_entry(
    tx: &mut Transaction<'_, Postgres>,
    user: Uuid,
    currency: &str,
    amount: i64,
    reason: &str,
    reference: Option<&str>,
    key: &str,
) -> Result<i64, sqlx::Error> {
    let balance: i64 = sqlx::query_scalar(
        "UPDATE wallets SET balance = balance + $3, updated_at = now() WHERE user_id = $1 AND currency = $2 RETURNING balance",
    )
    .bind(user)
    .bind(currency)
    .bind(amount)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO ledger (user_id, currency, amount, balance_after, reason, reference, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user)
    .bind(currency)
    .bind(amount)
    .bind(balance)
    .bind(reason)
    .bind(reference)
    .bind(key)
    .execute(&mut **tx)
    .await?;
    Ok(balance)
}

/// What a purchase did, for the caller to render its answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Purchase {
    pub item_id: String,
    pub quantity: i64,
    pub cost: i64,
    pub currency: String,
    pub balance: i64,
    pub owned: i64,
}

/// Buys `quantity` of `item_id`: debit, grant and the `purchase` analytics event in one
/// transaction, idempotent by key.
/// `render` turns the purchase into the stored and returned answer.
pub async fn purchase(
    db: &PgPool,
    user: Uuid,
    idem: Idempotency<'_>,
    item_id: &str,
    quantity: i64,
    render: impl Fn(&Purchase) -> (u16, Value),
) -> Result<Outcome, EconomyError> {
    crate::with_retries(|| purchase_once(db, user, idem, item_id, quantity, &render)).await
}

async fn purchase_once(
    db: &PgPool,
    user: Uuid,
    idem: Idempotency<'_>,
    item_id: &str,
    quantity: i64,
    render: &impl Fn(&Purchase) -> (u16, Value),
) -> Result<Outcome, EconomyError> {
    let mut tx = db.begin().await?;
    if let Some(replay) = claim(&mut tx, user, idem).await? {
        return Ok(replay);
    }
    let item: Option<(i64, String, Option<i32>)> = sqlx::query_as(
        "SELECT price, currency, per_user_limit FROM store_items WHERE id = $1 AND active",
    )
    .bind(item_id)
    .fetch_optional(&mut *tx)
    .await?;
    let (price, currency, limit) = item.ok_or(EconomyError::UnknownItem)?;
    let cost = price.checked_mul(quantity).ok_or(EconomyError::Overflow)?;
    let balance = lock_wallet(&mut tx, user, &currency).await?;
    if balance < cost {
        return Err(EconomyError::InsufficientFunds {
            currency,
            balance,
            needed: cost,
        });
    }
    let bought: i64 = sqlx::query_scalar(
        "SELECT COALESCE((SELECT purchased_total FROM inventory WHERE user_id = $1 AND item_id = $2 FOR UPDATE), 0)",
    )
    .bind(user)
    .bind(item_id)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(limit) = limit {
        if bought.saturating_add(quantity) > i64::from(limit) {
            return Err(EconomyError::LimitReached { limit });
        }
    }
    let balance = post_entry(
        &mut tx,
        user,
        &currency,
        -cost,
        "purchase",
        Some(item_id),
        idem.key,
    )
    .await?;
    let owned: i64 = sqlx::query_scalar(
        "INSERT INTO inventory (user_id, item_id, quantity, purchased_total) VALUES ($1, $2, $3, $3)
         ON CONFLICT (user_id, item_id) DO UPDATE
           SET quantity = inventory.quantity + $3, purchased_total = inventory.purchased_total + $3
         RETURNING quantity",
    )
    .bind(user)
    .bind(item_id)
    .bind(quantity)
    .fetch_one(&mut *tx)
    .await?;
    let done = Purchase {
        item_id: item_id.to_owned(),
        quantity,
        cost,
        currency,
        balance,
        owned,
    };
    let bought = crate::analytics::Event::Purchase {
        user_id: user,
        item_id: done.item_id.clone(),
        quantity,
        cost,
        currency: done.currency.clone(),
    };
    crate::analytics::record(&mut *tx, &bought).await?;
    let (status, body) = render(&done);
    settle(&mut tx, user, idem, status, &body).await?;
    tx.commit().await?;
    Ok(Outcome::Done { status, body })
}

/// What a grant did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Grant {
    pub user_id: Uuid,
    pub currency: String,
    pub amount: i64,
    pub balance: i64,
    pub reason: String,
    pub reference: Option<String>,
}

/// Credits `amount` to a user inside the caller's transaction (match results, whose idempotency
/// is the match id); returns the new balance.
pub async fn credit(
    tx: &mut Transaction<'_, Postgres>,
    user: Uuid,
    currency: &str,
    amount: i64,
    reason: &str,
    reference: Option<&str>,
    key: &str,
) -> Result<i64, EconomyError> {
    let balance = lock_wallet(tx, user, currency).await?;
    balance.checked_add(amount).ok_or(EconomyError::Overflow)?;
    Ok(post_entry(tx, user, currency, amount, reason, reference, key).await?)
}

/// Credits `amount` to a user (match rewards, compensation), idempotent by key: a grant retried
/// with its key is credited once.
#[allow(clippy::too_many_arguments)]
pub async fn grant(
    db: &PgPool,
    user: Uuid,
    idem: Idempotency<'_>,
    currency: &str,
    amount: i64,
    reason: &str,
    reference: Option<&str>,
    render: impl Fn(&Grant) -> (u16, Value),
) -> Result<Outcome, EconomyError> {
    crate::with_retries(|| async {
        let mut tx = db.begin().await?;
        let (outcome, _) = grant_in(
            &mut tx, user, idem, currency, amount, reason, reference, &render,
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    })
    .await
}

/// [`grant`] inside the caller's transaction, for callers that write more in it (the operator
/// console's audit row). Returns the grant when this call made it, `None` on a replay.
#[allow(clippy::too_many_arguments)]
pub async fn grant_in(
    tx: &mut Transaction<'_, Postgres>,
    user: Uuid,
    idem: Idempotency<'_>,
    currency: &str,
    amount: i64,
    reason: &str,
    reference: Option<&str>,
    render: impl Fn(&Grant) -> (u16, Value),
) -> Result<(Outcome, Option<Grant>), EconomyError> {
    if let Some(replay) = claim(tx, user, idem).await? {
        return Ok((replay, None));
    }
    let balance = lock_wallet(tx, user, currency).await?;
    balance.checked_add(amount).ok_or(EconomyError::Overflow)?;
    let balance = post_entry(tx, user, currency, amount, reason, reference, idem.key).await?;
    let done = Grant {
        user_id: user,
        currency: currency.to_owned(),
        amount,
        balance,
        reason: reason.to_owned(),
        reference: reference.map(str::to_owned),
    };
    let (status, body) = render(&done);
    settle(tx, user, idem, status, &body).await?;
    Ok((Outcome::Done { status, body }, Some(done)))
}
