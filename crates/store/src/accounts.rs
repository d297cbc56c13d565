//! Accounts: full accounts (username + password hash) and guests (bound to a device id).

use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;
use whoosh_core::{DeviceId, DisplayName, Username};

use crate::{
    Failure,
    analytics::{self, Event},
    classify,
};

/// A user row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Account {
    pub id: Uuid,
    pub username: Option<String>,
    pub display_name: String,
    pub avatar_id: Option<String>,
    pub is_guest: bool,
    pub created_at: OffsetDateTime,
    pub password_hash: Option<String>,
    /// Banned from the operator console: no login, refresh or guest session.
    pub banned: bool,
}

const COLUMNS: &str = "id, username, display_name, avatar_id, is_guest, created_at, password_hash, banned_at IS NOT NULL AS banned";

/// Why an account could not be created or upgraded.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("username already taken")]
    UsernameTaken,
    #[error("account is not a guest")]
    NotAGuest,
    #[error("no such account")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn taken_or(e: sqlx::Error) -> AccountError {
    match classify(&e) {
        Failure::UniqueViolation(c) if c == "users_username_key_unique" => {
            AccountError::UsernameTaken
        }
        _ => AccountError::Db(e),
    }
}

/// Creates a full account and its `signup` analytics event, in one transaction.
pub async fn create_full(
    db: &PgPool,
    username: &Username,
    password_hash: &str,
    display_name: &DisplayName,
) -> Result<Account, AccountError> {
    let mut tx = db.begin().await?;
    let account: Account = sqlx::query_as(&format!(
        "INSERT INTO users (id, username, username_key, password_hash, display_name, is_guest)
         VALUES ($1, $2, $3, $4, $5, false) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(username.as_str())
    .bind(username.key())
    .bind(password_hash)
    .bind(display_name.as_str())
    .fetch_one(&mut *tx)
    .await
    .map_err(taken_or)?;
    let signup = Event::Signup {
        user_id: account.id,
        guest: false,
    };
    analytics::record(&mut *tx, &signup).await?;
    tx.commit().await?;
    Ok(account)
}

pub async fn find(db: &PgPool, id: Uuid) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn find_by_username(
    db: &PgPool,
    username: &Username,
) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE username_key = $1"
    ))
    .bind(username.key())
    .fetch_optional(db)
    .await
}

/// The guest account of a device, created on first sight. Concurrent first logins of one device
/// end with one account.
pub async fn guest_for_device(
    db: &PgPool,
    device: &DeviceId,
    display_name: &DisplayName,
) -> Result<(Account, bool), sqlx::Error> {
    let by_device = format!(
        "SELECT {COLUMNS} FROM users WHERE id = (SELECT user_id FROM guest_devices WHERE device_id = $1)"
    );
    let existing = || {
        sqlx::query_as::<_, Account>(&by_device)
            .bind(device.as_str())
            .fetch_optional(db)
    };
    if let Some(account) = existing().await? {
        return Ok((account, false));
    }
    let mut tx: Transaction<'_, Postgres> = db.begin().await?;
    let account: Account = sqlx::query_as(&format!(
        "INSERT INTO users (id, display_name, is_guest) VALUES ($1, $2, true) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(display_name.as_str())
    .fetch_one(&mut *tx)
    .await?;
    let bound = sqlx::query(
        "INSERT INTO guest_devices (device_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(device.as_str())
    .bind(account.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if bound == 1 {
        let signup = Event::Signup {
            user_id: account.id,
            guest: true,
        };
        analytics::record(&mut *tx, &signup).await?;
        tx.commit().await?;
        return Ok((account, true));
    }
    // Another request bound this device first: use its account.
    tx.rollback().await?;
    existing()
        .await?
        .map(|a| (a, false))
        .ok_or(sqlx::Error::RowNotFound)
}

/// Turns a guest into a full account, keeping its id and everything it owns. The device stops
/// being a credential: a later guest login from it starts a new guest.
pub async fn upgrade(
    db: &PgPool,
    id: Uuid,
    username: &Username,
    password_hash: &str,
    display_name: Option<&DisplayName>,
) -> Result<Account, AccountError> {
    let mut tx = db.begin().await?;
    let is_guest: Option<bool> =
        sqlx::query_scalar("SELECT is_guest FROM users WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    match is_guest {
        None => return Err(AccountError::NotFound),
        Some(false) => return Err(AccountError::NotAGuest),
        Some(true) => {}
    }
    let account: Account = sqlx::query_as(&format!(
        "UPDATE users SET username = $2, username_key = $3, password_hash = $4, is_guest = false,
                display_name = COALESCE($5, display_name), updated_at = now()
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(username.as_str())
    .bind(username.key())
    .bind(password_hash)
    .bind(display_name.map(DisplayName::as_str))
    .fetch_one(&mut *tx)
    .await
    .map_err(taken_or)?;
    sqlx::query("DELETE FROM guest_devices WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(account)
}

pub async fn set_password(db: &PgPool, id: Uuid, password_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1 AND NOT is_guest",
    )
    .bind(id)
    .bind(password_hash)
    .execute(db)
    .await
    .map(|_| ())
}
