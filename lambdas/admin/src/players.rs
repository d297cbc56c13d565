//! Players as the console sees them: search, the player page (profile, devices, balances,
//! inventory, sessions, matches, ledger, audit trail), and what support staff do to a player —
//! end sessions, grant or refund coins, ban and unban. Every change goes through
//! `whoosh_store::admin`, which writes its audit row in the change's own transaction; ended
//! sessions are then announced exactly as logout-all announces them, so access tokens stop and
//! live sockets close at once.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;
use whoosh_core::{ErrorCode, UserId};
use whoosh_http::{
    ApiError, AppState, ErrorBody, IdempotencyKey, Json, Page,
    auth::{Revocation, announce_revocation},
};
use whoosh_store::{
    admin::{self, AuditEntry, ConsoleGrant, PlayerHit, PlayerRecord, Role, SessionRecord},
    economy::{self, Balance, EconomyError, Grant, Idempotency, LedgerEntry, Outcome, OwnedItem},
    profiles::{self, MatchSummary},
};

use crate::staff::Staff;

fn parse_player(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::new(ErrorCode::NotFound, "no such player"))
}

fn no_such_player() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such player")
}

async fn existing_player(state: &AppState, raw: &str) -> Result<PlayerRecord, ApiError> {
    admin::player(&state.db, parse_player(raw)?)
        .await?
        .ok_or_else(no_such_player)
}

/// Longest search query.
const MAX_QUERY_LEN: usize = 128;

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// At most 25, the exact id match first, then the newest accounts.
    players: Vec<PlayerHit>,
}

/// Finds players by id, device id, username or display name.
#[utoipa::path(get, path = "/api/admin/players", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`."), ("q" = String, Query, description = "A user id, a guest device id (exact), or the start of a username or display name (case-insensitive); 1–128 characters.")), security(("admin_token" = [])), responses(
    (status = 200, description = "The players found (possibly none).", body = SearchResults),
    (status = 400, description = "`invalid_request`: `q` missing, empty or longer than 128 characters.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`.", body = ErrorBody),
))]
pub async fn search(
    State(state): State<AppState>,
    _staff: Staff,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<SearchResults>, ApiError> {
    // Read from a map so that a missing `q` is the same JSON 400 as an empty one.
    let q = query.get("q").map_or("", |q| q.trim());
    if q.is_empty() || q.chars().count() > MAX_QUERY_LEN || q.chars().any(char::is_control) {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("q must be 1–{MAX_QUERY_LEN} printable characters"),
        ));
    }
    Ok(Json(SearchResults {
        players: admin::search_players(&state.db, q).await?,
    }))
}

/// The player page's summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlayerPage {
    player: PlayerRecord,
    balances: Vec<Balance>,
    /// Bounded by the catalogue.
    inventory: Vec<OwnedItem>,
    /// Live sessions first, then the latest ended ones; at most 50.
    sessions: Vec<SessionRecord>,
}

/// A player's profile, devices, ban state, balances, inventory and sessions.
#[utoipa::path(get, path = "/api/admin/players/{player}", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`."), ("player" = String, Path, description = "The player's user id.")), security(("admin_token" = [])), responses(
    (status = 200, description = "The player.", body = PlayerPage),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`.", body = ErrorBody),
    (status = 404, description = "`not_found`: no such player.", body = ErrorBody),
))]
pub async fn show(
    State(state): State<AppState>,
    _staff: Staff,
    Path(player): Path<String>,
) -> Result<Json<PlayerPage>, ApiError> {
    let player = existing_player(&state, &player).await?;
    let (balances, inventory, sessions) = (
        economy::balances(&state.db, player.id).await?,
        economy::inventory(&state.db, player.id).await?,
        admin::sessions(&state.db, player.id).await?,
    );
    Ok(Json(PlayerPage {
        player,
        balances,
        inventory,
        sessions,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchPage {
    matches: Vec<MatchSummary>,
    next_cursor: Option<String>,
}

/// A player's match history, newest first.
#[utoipa::path(get, path = "/api/admin/players/{player}/matches", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`."), ("player" = String, Path, description = "The player's user id."), Page), security(("admin_token" = [])), responses(
    (status = 200, description = "One page of matches.", body = MatchPage),
    (status = 400, description = "`invalid_request` (limit); `invalid_cursor`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`.", body = ErrorBody),
    (status = 404, description = "`not_found`: no such player.", body = ErrorBody),
))]
pub async fn matches(
    State(state): State<AppState>,
    _staff: Staff,
    Path(player): Path<String>,
    page: Page,
) -> Result<Json<MatchPage>, ApiError> {
    let player = existing_player(&state, &player).await?;
    let rows = profiles::matches(&state.db, player.id, page.after, page.limit + 1).await?;
    let (matches, next_cursor) = page.after_last(rows, |m| m.position);
    Ok(Json(MatchPage {
        matches,
        next_cursor,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerPage {
    entries: Vec<LedgerEntry>,
    next_cursor: Option<String>,
}

/// A player's ledger (every change of every balance, with its reason), newest first.
#[utoipa::path(get, path = "/api/admin/players/{player}/ledger", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`."), ("player" = String, Path, description = "The player's user id."), Page), security(("admin_token" = [])), responses(
    (status = 200, description = "One page of the ledger.", body = LedgerPage),
    (status = 400, description = "`invalid_request` (limit); `invalid_cursor`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`.", body = ErrorBody),
    (status = 404, description = "`not_found`: no such player.", body = ErrorBody),
))]
pub async fn ledger(
    State(state): State<AppState>,
    _staff: Staff,
    Path(player): Path<String>,
    page: Page,
) -> Result<Json<LedgerPage>, ApiError> {
    let player = existing_player(&state, &player).await?;
    let rows = economy::ledger_page(&state.db, player.id, page.after, page.limit + 1).await?;
    let (entries, next_cursor) = page.after_last(rows, |e| e.id);
    Ok(Json(LedgerPage {
        entries,
        next_cursor,
    }))
}

#[derive(Debug, Deserialize)]
pub struct AuditFilter {
    /// Only rows about this player (a user id).
    #[serde(default)]
    player: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    entries: Vec<AuditEntry>,
    next_cursor: Option<String>,
}

/// The audit log, newest first: every sign-in and every change staff made, with who, when,
/// why, and the state before and after. Read-only: no endpoint writes, edits or deletes a row.
#[utoipa::path(get, path = "/api/admin/audit", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`."), ("player" = Option<String>, Query, description = "Only rows about this player (a user id)."), Page), security(("admin_token" = [])), responses(
    (status = 200, description = "One page of the audit log.", body = AuditPage),
    (status = 400, description = "`invalid_request` (limit); `invalid_cursor`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`.", body = ErrorBody),
    (status = 404, description = "`not_found`: `player` is not a user id.", body = ErrorBody),
))]
pub async fn audit(
    State(state): State<AppState>,
    _staff: Staff,
    Query(filter): Query<AuditFilter>,
    page: Page,
) -> Result<Json<AuditPage>, ApiError> {
    let player = filter.player.as_deref().map(parse_player).transpose()?;
    let rows = admin::audit_page(&state.db, player, page.after, page.limit + 1).await?;
    let (entries, next_cursor) = page.after_last(rows, |e| e.id);
    Ok(Json(AuditPage {
        entries,
        next_cursor,
    }))
}

/// Longest note on a change.
const MAX_NOTE_LEN: usize = 500;

fn note(raw: &str, what: &str) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_NOTE_LEN {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("{what} must be 1–{MAX_NOTE_LEN} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndSessions {
    /// Why, for the audit log (1–500 characters); optional.
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsEnded {
    /// The sessions that were live and are now ended (empty: nothing was live; no audit row).
    ended: Vec<Uuid>,
}

async fn end(
    state: &AppState,
    staff: &Staff,
    player: &str,
    session: Option<Uuid>,
    reason: Option<String>,
) -> Result<Json<SessionsEnded>, ApiError> {
    staff.require(Role::Support)?;
    let reason = reason.as_deref().map(|r| note(r, "reason")).transpose()?;
    let player = existing_player(state, player).await?;
    let ended = admin::end_sessions(
        &state.db,
        &staff.actor,
        player.id,
        session,
        reason.as_deref(),
    )
    .await?;
    if !ended.is_empty() {
        announce_revocation(
            state,
            &Revocation {
                user_id: UserId::from(player.id),
                sessions: &ended,
                all_sessions: session.is_none(),
                reason: "ended_by_staff",
            },
        )
        .await;
    }
    tracing::info!(admin = %staff.admin.username, player = %player.id, ended = ended.len(), "sessions ended by staff");
    Ok(Json(SessionsEnded { ended }))
}

/// Ends one session of a player (support): its refresh token dies, its access tokens stop and
/// its live sockets close, as on logout.
#[utoipa::path(post, path = "/api/admin/players/{player}/sessions/{session}/end", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`."), ("player" = String, Path, description = "The player's user id."), ("session" = String, Path, description = "The session id.")), request_body = EndSessions, security(("admin_token" = [])), responses(
    (status = 200, description = "The session ended (or was not live).", body = SessionsEnded),
    (status = 400, description = "`invalid_request` (reason).", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`; `role_required` (support).", body = ErrorBody),
    (status = 404, description = "`not_found`: no such player or session.", body = ErrorBody),
))]
pub async fn end_session(
    State(state): State<AppState>,
    staff: Staff,
    Path((player, session)): Path<(String, String)>,
    Json(body): Json<EndSessions>,
) -> Result<Json<SessionsEnded>, ApiError> {
    let session: Uuid = session
        .parse()
        .map_err(|_| ApiError::new(ErrorCode::NotFound, "no such session"))?;
    end(&state, &staff, &player, Some(session), body.reason).await
}

/// Ends every session of a player (support), as logout everywhere does.
#[utoipa::path(post, path = "/api/admin/players/{player}/sessions/end-all", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`."), ("player" = String, Path, description = "The player's user id.")), request_body = EndSessions, security(("admin_token" = [])), responses(
    (status = 200, description = "The sessions ended.", body = SessionsEnded),
    (status = 400, description = "`invalid_request` (reason).", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`; `role_required` (support).", body = ErrorBody),
    (status = 404, description = "`not_found`: no such player.", body = ErrorBody),
))]
pub async fn end_all_sessions(
    State(state): State<AppState>,
    staff: Staff,
    Path(player): Path<String>,
    Json(body): Json<EndSessions>,
) -> Result<Json<SessionsEnded>, ApiError> {
    end(&state, &staff, &player, None, body.reason).await
}

/// Largest single grant or refund from the console.
pub const MAX_CONSOLE_GRANT: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    /// A gift or compensation.
    Grant,
    /// Coins given back for something that went wrong (a purchase, a lost match reward).
    Refund,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GrantRequest {
    #[serde(default = "default_grant_kind")]
    kind: GrantKind,
    #[schema(example = "coins")]
    currency: String,
    /// A whole number from 1 to 1 000 000.
    #[schema(value_type = i64, minimum = 1, maximum = 1_000_000)]
    amount: Value,
    /// Why, in the staff member's words (1–500 characters): kept in the audit log.
    #[schema(example = "refund: purchase charged twice (ticket 4411)")]
    note: String,
    /// What it compensates, e.g. a ledger entry id or a match id (1–64 of letters, digits,
    /// `_ - : .`): kept as the ledger entry's reference.
    #[serde(default)]
    reference: Option<String>,
}

fn default_grant_kind() -> GrantKind {
    GrantKind::Grant
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantReceipt {
    grant: Grant,
}

fn reference(raw: &str) -> Result<(), ApiError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "reference must be 1–64 characters of letters, digits, '_', '-', ':' and '.'",
        ))
    }
}

fn economy_error(e: EconomyError) -> ApiError {
    match e {
        EconomyError::UnknownCurrency => {
            ApiError::new(ErrorCode::InvalidCurrency, "no such currency")
        }
        EconomyError::Overflow => {
            ApiError::new(ErrorCode::InvalidAmount, "the amount is too large")
        }
        EconomyError::KeyReused => ApiError::new(
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was already used with a different request",
        ),
        EconomyError::Db(e) => e.into(),
        other => ApiError::internal(other),
    }
}

/// Grants or refunds a player coins (support): a ledger entry with reason `admin_grant` or
/// `admin_refund` (never an edit of the balance), once per `Idempotency-Key` — the same key and
/// body again answers the first grant and credits nothing; the same key with another body is 422.
/// The audit row (who, why, balance before and after) is written in the grant's transaction.
#[utoipa::path(post, path = "/api/admin/players/{player}/grants", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`."), ("player" = String, Path, description = "The player's user id."), IdempotencyKey), request_body = GrantRequest, security(("admin_token" = [])), responses(
    (status = 201, description = "The grant (also the replay of an earlier one with the same key and body).", body = GrantReceipt),
    (status = 400, description = "`invalid_amount`; `invalid_currency`; `invalid_request` (note, reference); `invalid_idempotency_key`; `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`; `role_required` (support).", body = ErrorBody),
    (status = 404, description = "`not_found`: no such player.", body = ErrorBody),
    (status = 422, description = "`idempotency_key_reused`.", body = ErrorBody),
))]
pub async fn grant(
    State(state): State<AppState>,
    staff: Staff,
    Path(player): Path<String>,
    key: IdempotencyKey,
    Json(body): Json<GrantRequest>,
) -> Result<Response, ApiError> {
    staff.require(Role::Support)?;
    let amount = body
        .amount
        .as_i64()
        .filter(|n| (1..=MAX_CONSOLE_GRANT).contains(n))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidAmount,
                format!("amount must be a whole number from 1 to {MAX_CONSOLE_GRANT}"),
            )
        })?;
    let note = note(&body.note, "note")?;
    if let Some(r) = &body.reference {
        reference(r)?;
    }
    let player = existing_player(&state, &player).await?;
    let kind = match body.kind {
        GrantKind::Grant => "admin_grant",
        GrantKind::Refund => "admin_refund",
    };
    let hash = Sha256::digest(
        serde_json::to_vec(&(
            player.id,
            body.kind,
            &body.currency,
            amount,
            &note,
            &body.reference,
        ))
        .unwrap_or_default(),
    )
    .to_vec();
    let idem = Idempotency {
        scope: "admin_grant",
        key: &key.0,
        request_hash: &hash,
    };
    let console_grant = ConsoleGrant {
        user: player.id,
        currency: &body.currency,
        amount,
        kind,
        note: &note,
        reference: body.reference.as_deref(),
    };
    let outcome = admin::grant(&state.db, &staff.actor, idem, &console_grant, |g| {
        (
            201,
            serde_json::to_value(GrantReceipt { grant: g.clone() }).unwrap_or_default(),
        )
    })
    .await
    .map_err(economy_error)?;
    if let Outcome::Done { .. } = &outcome {
        tracing::info!(admin = %staff.admin.username, player = %player.id, amount, kind, "coins granted by staff");
    }
    let (Outcome::Done { status, body } | Outcome::Replayed { status, body }) = outcome;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED);
    Ok((status, Json(body)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BanRequest {
    /// Why (1–500 characters): kept on the account and in the audit log; never shown to the player.
    #[schema(example = "cheating: scripted suspicion votes")]
    reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UnbanRequest {
    /// Why (1–500 characters), for the audit log.
    reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BanState {
    player: PlayerRecord,
    /// False when the player already was in the asked state (nothing changed, no audit row).
    changed: bool,
    /// Sessions the ban ended.
    sessions_ended: usize,
}

/// Bans a player (support): every session ends (tokens stop, live sockets close with 1008) and
/// login, refresh and guest sign-in answer 403 `account_banned` until an unban.
#[utoipa::path(post, path = "/api/admin/players/{player}/ban", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`."), ("player" = String, Path, description = "The player's user id.")), request_body = BanRequest, security(("admin_token" = [])), responses(
    (status = 200, description = "The player, banned.", body = BanState),
    (status = 400, description = "`invalid_request` (reason); `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`; `role_required` (support).", body = ErrorBody),
    (status = 404, description = "`not_found`: no such player.", body = ErrorBody),
))]
pub async fn ban(
    State(state): State<AppState>,
    staff: Staff,
    Path(player): Path<String>,
    Json(body): Json<BanRequest>,
) -> Result<Json<BanState>, ApiError> {
    staff.require(Role::Support)?;
    let reason = note(&body.reason, "reason")?;
    set_ban(&state, &staff, &player, Some(&reason), &reason).await
}

/// Lifts a player's ban (support).
#[utoipa::path(post, path = "/api/admin/players/{player}/unban", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`."), ("player" = String, Path, description = "The player's user id.")), request_body = UnbanRequest, security(("admin_token" = [])), responses(
    (status = 200, description = "The player, no longer banned.", body = BanState),
    (status = 400, description = "`invalid_request` (reason); `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`; `role_required` (support).", body = ErrorBody),
    (status = 404, description = "`not_found`: no such player.", body = ErrorBody),
))]
pub async fn unban(
    State(state): State<AppState>,
    staff: Staff,
    Path(player): Path<String>,
    Json(body): Json<UnbanRequest>,
) -> Result<Json<BanState>, ApiError> {
    staff.require(Role::Support)?;
    let reason = note(&body.reason, "reason")?;
    set_ban(&state, &staff, &player, None, &reason).await
}

async fn set_ban(
    state: &AppState,
    staff: &Staff,
    player: &str,
    reason: Option<&str>,
    note: &str,
) -> Result<Json<BanState>, ApiError> {
    let id = parse_player(player)?;
    let outcome = admin::set_ban(&state.db, &staff.actor, id, reason, note)
        .await?
        .ok_or_else(no_such_player)?;
    if !outcome.ended_sessions.is_empty() {
        announce_revocation(
            state,
            &Revocation {
                user_id: UserId::from(id),
                sessions: &outcome.ended_sessions,
                all_sessions: true,
                reason: "banned",
            },
        )
        .await;
    }
    let player = admin::player(&state.db, id)
        .await?
        .ok_or_else(no_such_player)?;
    tracing::info!(admin = %staff.admin.username, player = %id, banned = reason.is_some(), changed = outcome.changed, "ban state set by staff");
    Ok(Json(BanState {
        player,
        changed: outcome.changed,
        sessions_ended: outcome.ended_sessions.len(),
    }))
}
