//! The operator console's data: staff accounts and their roles, the append-only audit log, player
//! search, and the changes staff make to players (bans, ended sessions, coin grants).
//!
//! Every change here writes its audit row in the same transaction as the change itself, so a
//! change without its row (or a row without its change) cannot be committed. The table refuses
//! UPDATE, DELETE and TRUNCATE (migration 0009), so a row, once written, stays as written.

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;
use whoosh_core::Username;

use crate::{
    Failure, classify,
    economy::{self, EconomyError, Grant, Idempotency, Outcome},
};

/// What a staff member may do. Each role may do everything the one before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads players, the fleet, leaderboards and the audit log.
    Viewer,
    /// Also grants and refunds coins, ends sessions, bans and unbans players.
    Support,
    /// Also runs leaderboard drift checks and rebuilds.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Support => "support",
            Self::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "viewer" => Some(Self::Viewer),
            "support" => Some(Self::Support),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A staff account.
#[derive(Debug, Clone)]
pub struct Admin {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
}

#[derive(sqlx::FromRow)]
struct AdminRow {
    id: Uuid,
    username: String,
    role: String,
    password_hash: String,
    disabled_at: Option<OffsetDateTime>,
}

impl From<AdminRow> for Admin {
    fn from(r: AdminRow) -> Self {
        Self {
            id: r.id,
            username: r.username,
            // The CHECK constraint admits only the three names.
            role: Role::parse(&r.role).unwrap_or(Role::Viewer),
            password_hash: r.password_hash,
            disabled: r.disabled_at.is_some(),
        }
    }
}

const ADMIN_COLUMNS: &str = "id, username, role, password_hash, disabled_at";

/// Who did something, copied into each audit row.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `None` for the command line.
    pub admin_id: Option<Uuid>,
    pub username: String,
    pub role: Role,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

impl Actor {
    /// An operator at a shell with database access (`whoosh admin create`).
    pub fn command_line() -> Self {
        let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
        Self {
            admin_id: None,
            username: format!("cli:{user}"),
            role: Role::Admin,
            request_id: None,
            client_ip: None,
        }
    }
}

/// One audit row to write.
#[derive(Debug, Clone, Default)]
pub struct Change<'a> {
    pub action: &'a str,
    pub target_user: Option<Uuid>,
    pub target: Option<String>,
    pub reason: Option<&'a str>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// One audit row as read back.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub admin_id: Option<Uuid>,
    pub admin_username: String,
    pub admin_role: String,
    pub action: String,
    pub target_user: Option<Uuid>,
    pub target: Option<String>,
    pub reason: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Appends one audit row inside the caller's transaction.
pub async fn record(
    tx: &mut Transaction<'_, Postgres>,
    actor: &Actor,
    change: &Change<'_>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO admin_audit (admin_id, admin_username, admin_role, action, target_user, target,
                                  reason, before, after, request_id, client_ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(actor.admin_id)
    .bind(&actor.username)
    .bind(actor.role.as_str())
    .bind(change.action)
    .bind(change.target_user)
    .bind(&change.target)
    .bind(change.reason)
    .bind(&change.before)
    .bind(&change.after)
    .bind(&actor.request_id)
    .bind(&actor.client_ip)
    .fetch_one(&mut **tx)
    .await
}

/// Appends one audit row in a transaction of its own (actions whose effect is outside
/// PostgreSQL, written before the effect: a sign-in, a leaderboard rebuild).
pub async fn record_alone(
    db: &PgPool,
    actor: &Actor,
    change: &Change<'_>,
) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let id = record(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

/// A page of the audit log, newest first, strictly before row `before`; only rows about
/// `target_user` when given.
pub async fn audit_page(
    db: &PgPool,
    target_user: Option<Uuid>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, admin_id, admin_username, admin_role, action, target_user, target, reason,
                before, after, request_id, client_ip, created_at
         FROM admin_audit
         WHERE ($1::uuid IS NULL OR target_user = $1) AND ($2::bigint IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3",
    )
    .bind(target_user)
    .bind(before)
    .bind(limit)
    .fetch_all(db)
    .await
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("an admin with that username exists")]
    UsernameTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Creates a staff account and its audit row.
pub async fn create_admin(
    db: &PgPool,
    actor: &Actor,
    username: &Username,
    password_hash: &str,
    role: Role,
) -> Result<Admin, AdminError> {
    let mut tx = db.begin().await?;
    let row: AdminRow = sqlx::query_as(&format!(
        "INSERT INTO admins (id, username, username_key, password_hash, role)
         VALUES ($1, $2, $3, $4, $5) RETURNING {ADMIN_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(username.as_str())
    .bind(username.key())
    .bind(password_hash)
    .bind(role.as_str())
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match classify(&e) {
        Failure::UniqueViolation(c) if c == "admins_username_key_unique" => {
            AdminError::UsernameTaken
        }
        _ => AdminError::Db(e),
    })?;
    let admin = Admin::from(row);
    let change = Change {
        action: "admin_create",
        target: Some(admin.username.clone()),
        after: Some(json!({"id": admin.id, "username": admin.username, "role": role})),
        ..Change::default()
    };
    record(&mut tx, actor, &change).await?;
    tx.commit().await?;
    Ok(admin)
}

pub async fn find_admin(db: &PgPool, id: Uuid) -> Result<Option<Admin>, sqlx::Error> {
    let row: Option<AdminRow> =
        sqlx::query_as(&format!("SELECT {ADMIN_COLUMNS} FROM admins WHERE id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(Admin::from))
}

pub async fn find_admin_by_username(
    db: &PgPool,
    username: &Username,
) -> Result<Option<Admin>, sqlx::Error> {
    let row: Option<AdminRow> = sqlx::query_as(&format!(
        "SELECT {ADMIN_COLUMNS} FROM admins WHERE username_key = $1"
    ))
    .bind(username.key())
    .fetch_optional(db)
    .await?;
    Ok(row.map(Admin::from))
}

/// A player as a search result.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PlayerHit {
    pub id: Uuid,
    pub username: Option<String>,
    pub display_name: String,
    pub is_guest: bool,
    pub banned: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Most players one search returns.
pub const MAX_SEARCH_HITS: i64 = 25;

/// Players matching `query`: an exact user id, an exact device id, a username or a display name
/// (case-insensitive prefix). Newest accounts first, at most [`MAX_SEARCH_HITS`].
pub async fn search_players(db: &PgPool, query: &str) -> Result<Vec<PlayerHit>, sqlx::Error> {
    let id = Uuid::parse_str(query).ok();
    let prefix = format!(
        "{}%",
        query
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, u.is_guest, u.banned_at IS NOT NULL AS banned, u.created_at
         FROM users u
         WHERE u.id = $1
            OR u.id IN (SELECT user_id FROM guest_devices WHERE device_id = $2)
            OR u.username_key LIKE $3
            OR lower(u.display_name) LIKE $3
         ORDER BY (u.id = $1) DESC NULLS LAST, u.created_at DESC
         LIMIT $4",
    )
    .bind(id)
    .bind(query)
    .bind(prefix)
    .bind(MAX_SEARCH_HITS)
    .fetch_all(db)
    .await
}

/// A player as the console's player page shows them.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PlayerRecord {
    pub id: Uuid,
    pub username: Option<String>,
    pub display_name: String,
    pub avatar_id: Option<String>,
    pub is_guest: bool,
    pub elo: i32,
    pub xp: i64,
    pub games_played: i32,
    pub wins: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub banned_at: Option<OffsetDateTime>,
    pub ban_reason: Option<String>,
    /// The guest device ids bound to the account.
    pub devices: Vec<String>,
}

pub async fn player(db: &PgPool, id: Uuid) -> Result<Option<PlayerRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, u.avatar_id, u.is_guest, u.elo, u.xp,
                u.games_played, u.wins, u.created_at, u.banned_at, u.ban_reason,
                ARRAY(SELECT device_id FROM guest_devices d WHERE d.user_id = u.id ORDER BY d.created_at) AS devices
         FROM users u WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// One session (refresh-token family) of a player.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SessionRecord {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When its latest refresh token was issued.
    #[serde(with = "time::serde::rfc3339")]
    pub last_refreshed_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub live: bool,
}

/// Most sessions the player page lists (live ones first, then the latest ended ones).
pub const MAX_SESSIONS_LISTED: i64 = 50;

pub async fn sessions(db: &PgPool, user: Uuid) -> Result<Vec<SessionRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT family_id AS id, min(issued_at) AS started_at, max(issued_at) AS last_refreshed_at,
                max(expires_at) AS expires_at,
                bool_or(revoked_at IS NULL AND rotated_at IS NULL AND expires_at > now()) AS live
         FROM refresh_tokens WHERE user_id = $1
         GROUP BY family_id
         ORDER BY live DESC, last_refreshed_at DESC
         LIMIT $2",
    )
    .bind(user)
    .bind(MAX_SESSIONS_LISTED)
    .fetch_all(db)
    .await
}

fn ban_state(banned_at: Option<OffsetDateTime>, reason: Option<&str>) -> Value {
    let at = banned_at.and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    });
    json!({"banned": banned_at.is_some(), "banned_at": at, "ban_reason": reason})
}

/// What a ban or an unban did.
#[derive(Debug, Clone)]
pub struct BanOutcome {
    /// False when the player was already in the asked state (nothing changed, nothing audited).
    pub changed: bool,
    /// The sessions the ban ended (empty for an unban).
    pub ended_sessions: Vec<Uuid>,
}

/// Bans (`reason` given) or unbans (`None`) a player; `note` is the audit row's reason. A ban also
/// ends every session; the caller announces the ended sessions so their access tokens and sockets
/// stop at once. Returns `None` when there is no such player.
pub async fn set_ban(
    db: &PgPool,
    actor: &Actor,
    user: Uuid,
    reason: Option<&str>,
    note: &str,
) -> Result<Option<BanOutcome>, sqlx::Error> {
    crate::with_retries(|| async {
        let mut tx = db.begin().await?;
        let current: Option<(Option<OffsetDateTime>, Option<String>)> =
            sqlx::query_as("SELECT banned_at, ban_reason FROM users WHERE id = $1 FOR UPDATE")
                .bind(user)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((banned_at, ban_reason)) = current else {
            return Ok(None);
        };
        if banned_at.is_some() == reason.is_some() {
            return Ok(Some(BanOutcome {
                changed: false,
                ended_sessions: Vec::new(),
            }));
        }
        let (after_at, after_reason): (Option<OffsetDateTime>, Option<String>) = sqlx::query_as(
            "UPDATE users SET banned_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END,
                              ban_reason = $2, updated_at = now()
             WHERE id = $1 RETURNING banned_at, ban_reason",
        )
        .bind(user)
        .bind(reason)
        .fetch_one(&mut *tx)
        .await?;
        let ended_sessions: Vec<Uuid> = if reason.is_some() {
            sqlx::query_scalar(
                "UPDATE refresh_tokens SET revoked_at = now()
                 WHERE user_id = $1 AND revoked_at IS NULL RETURNING family_id",
            )
            .bind(user)
            .fetch_all(&mut *tx)
            .await?
        } else {
            Vec::new()
        };
        let mut ended_sessions = ended_sessions;
        ended_sessions.sort();
        ended_sessions.dedup();
        let change = Change {
            action: if reason.is_some() { "ban" } else { "unban" },
            target_user: Some(user),
            reason: Some(note),
            before: Some(ban_state(banned_at, ban_reason.as_deref())),
            after: Some(json!({
                "ban": ban_state(after_at, after_reason.as_deref()),
                "sessions_ended": ended_sessions.len(),
            })),
            ..Change::default()
        };
        record(&mut tx, actor, &change).await?;
        tx.commit().await?;
        Ok(Some(BanOutcome {
            changed: true,
            ended_sessions,
        }))
    })
    .await
}

/// Whether the player is banned (`None`: no such player).
pub async fn is_banned(db: &PgPool, user: Uuid) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar("SELECT banned_at IS NOT NULL FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(db)
        .await
}

/// Ends one session (`Some`) or every live session (`None`) of a player, with its audit row;
/// returns the sessions ended (empty when there was nothing live, and then nothing is audited).
pub async fn end_sessions(
    db: &PgPool,
    actor: &Actor,
    user: Uuid,
    session: Option<Uuid>,
    reason: Option<&str>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    crate::with_retries(|| async {
        let mut tx = db.begin().await?;
        let mut ended: Vec<Uuid> = sqlx::query_scalar(
            "UPDATE refresh_tokens SET revoked_at = now()
             WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR family_id = $2)
             RETURNING family_id",
        )
        .bind(user)
        .bind(session)
        .fetch_all(&mut *tx)
        .await?;
        ended.sort();
        ended.dedup();
        if ended.is_empty() {
            return Ok(ended);
        }
        let change = Change {
            action: if session.is_some() {
                "session_end"
            } else {
                "sessions_end_all"
            },
            target_user: Some(user),
            target: session.map(|s| s.to_string()),
            reason,
            before: Some(json!({"live_sessions": ended})),
            after: Some(json!({"live_sessions": []})),
        };
        record(&mut tx, actor, &change).await?;
        tx.commit().await?;
        Ok(ended)
    })
    .await
}

/// A coin grant or refund from the console.
#[derive(Debug, Clone)]
pub struct ConsoleGrant<'a> {
    pub user: Uuid,
    pub currency: &'a str,
    pub amount: i64,
    /// `admin_grant` or `admin_refund` (the ledger's reason).
    pub kind: &'a str,
    /// Why, in the staff member's words (the audit row's reason).
    pub note: &'a str,
    /// What it compensates (a ledger entry, a match, a ticket), kept as the ledger's reference.
    pub reference: Option<&'a str>,
}

/// Credits a player through the ledger (never a balance edit), once per Idempotency-Key, with the
/// audit row in the same transaction. A replay writes no second row: the first one stands.
pub async fn grant(
    db: &PgPool,
    actor: &Actor,
    idem: Idempotency<'_>,
    g: &ConsoleGrant<'_>,
    render: impl Fn(&Grant) -> (u16, Value),
) -> Result<Outcome, EconomyError> {
    crate::with_retries(|| async {
        let mut tx = db.begin().await?;
        let before = balance_in(&mut tx, g.user, g.currency).await?;
        let (outcome, done) = economy::grant_in(
            &mut tx,
            g.user,
            idem,
            g.currency,
            g.amount,
            g.kind,
            g.reference,
            &render,
        )
        .await?;
        if let Some(done) = done {
            let change = Change {
                action: g.kind,
                target_user: Some(g.user),
                target: g.reference.map(str::to_owned),
                reason: Some(g.note),
                before: Some(json!({"currency": g.currency, "balance": before})),
                after: Some(json!({
                    "currency": g.currency,
                    "balance": done.balance,
                    "amount": g.amount,
                    "idempotency_key": idem.key,
                })),
            };
            record(&mut tx, actor, &change).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    })
    .await
}

async fn balance_in(
    tx: &mut Transaction<'_, Postgres>,
    user: Uuid,
    currency: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE((SELECT balance FROM wallets WHERE user_id = $1 AND currency = $2), 0)",
    )
    .bind(user)
    .bind(currency)
    .fetch_one(&mut **tx)
    .await
}
