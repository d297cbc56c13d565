//! The profiles service: profiles and match history, leaderboards (Redis index over PostgreSQL),
//! action tokens and scores, and account deletion. The ALB routes `/api/profiles/*`,
//! `/api/leaderboards/*`, `/api/scores/*` and `/api/actions/*` here; the local all-in-one binary
//! mounts the same routes at the same paths.

pub mod action_token;

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;
use whoosh_core::{DisplayName, ErrorCode, Password, UserId, progression};
use whoosh_http::{
    ApiError, AppState, AuthUser, Json, Page,
    auth::{Revocation, ServiceCaller, announce_revocation},
    leaderboards as boards,
};
use whoosh_store::{leaderboards as pg, profiles};

/// The service's routes, without the shared middleware (for composition).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/profiles/me", get(me).patch(edit_me).delete(delete_me))
        .route("/api/profiles/{user}", get(public_profile))
        .route("/api/profiles/{user}/matches", get(match_history))
        .route("/api/leaderboards", get(list_boards))
        .route("/api/leaderboards/{board}", get(board_top))
        .route("/api/leaderboards/{board}/me", get(board_me))
        .route("/api/leaderboards/{board}/around-me", get(board_around_me))
        .route("/api/leaderboards/{board}/sync", post(board_sync))
        .route(
            "/api/leaderboards/{board}/drift-check",
            post(board_drift_check),
        )
        .route("/api/actions", post(register_action))
        .route("/api/scores", post(submit_score))
}

/// The complete service: routes, health endpoints and the shared middleware.
pub fn router(state: AppState) -> Router {
    whoosh_http::app(routes(), state)
}

/// Largest `radius` of an around-me view.
pub const MAX_RADIUS: i64 = 25;
/// How long after a login a token counts as fresh enough to delete an account without a password.
pub const FRESH_LOGIN_SECS: i64 = 300;

fn profile_json(p: &profiles::Profile) -> Value {
    let xp = u64::try_from(p.xp).unwrap_or(0);
    json!({
        "id": p.id,
        "display_name": p.display_name,
        "avatar_id": p.avatar_id,
        "title_id": p.title_id,
        "elo": p.elo,
        "xp": p.xp,
        "level": progression::level_for_xp(xp),
        "next_level_xp": progression::xp_for_level(progression::level_for_xp(xp) + 1),
        "games_played": p.games_played,
        "wins": p.wins,
        "created_at": p.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
    })
}

fn parse_user(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

async fn me(State(state): State<AppState>, user: AuthUser) -> Result<Json<Value>, ApiError> {
    let p = profiles::find(&state.db, *user.user_id.as_uuid())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(profile_json(&p)))
}

async fn public_profile(
    State(state): State<AppState>,
    Path(user): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let p = profiles::find(&state.db, parse_user(&user)?)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(profile_json(&p)))
}

/// The allow-listed fields of a profile edit; anything else is refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileEdit {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    avatar_id: Option<String>,
}

async fn edit_me(
    State(state): State<AppState>,
    user: AuthUser,
    Json(edit): Json<ProfileEdit>,
) -> Result<Json<Value>, ApiError> {
    let id = *user.user_id.as_uuid();
    let name = edit
        .display_name
        .as_deref()
        .map(DisplayName::parse)
        .transpose()?;
    if let Some(avatar) = &edit.avatar_id {
        if avatar.len() > 48 || !profiles::owns_avatar(&state.db, id, avatar).await? {
            return Err(ApiError::new(
                ErrorCode::InvalidAvatar,
                "you do not own that avatar",
            ));
        }
    }
    let p = profiles::edit(
        &state.db,
        id,
        name.as_ref().map(DisplayName::as_str),
        edit.avatar_id.as_deref(),
    )
    .await?
    .ok_or_else(ApiError::not_found)?;
    Ok(Json(profile_json(&p)))
}

async fn match_history(
    State(state): State<AppState>,
    Path(user): Path<String>,
    page: Page,
) -> Result<Json<Value>, ApiError> {
    let id = parse_user(&user)?;
    let found = profiles::matches(&state.db, id, page.after, page.limit + 1).await?;
    let more = found.len() as i64 > page.limit;
    let found: Vec<_> = found
        .into_iter()
        .take(page.limit.unsigned_abs() as usize)
        .collect();
    let next_cursor = if more {
        found.last().map(|m| Page::cursor(m.position))
    } else {
        None
    };
    Ok(Json(
        json!({ "matches": found, "next_cursor": next_cursor }),
    ))
}

#[derive(Debug, Deserialize, Default)]
struct DeleteRequest {
    #[serde(default)]
    password: Option<String>,
}

/// Deletes the caller's account: with the password, or (guests and password-less clients) with a
/// token from a login in the last five minutes.
async fn delete_me(
    State(state): State<AppState>,
    user: AuthUser,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let id = *user.user_id.as_uuid();
    let request: DeleteRequest = if body.is_empty() {
        DeleteRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(ErrorCode::InvalidJson, e.to_string()))?
    };
    let account = whoosh_store::accounts::find(&state.db, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let password = request.password;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    // A full account proves it with its password; a guest (no password) with a token from a
    // login in the last five minutes.
    let confirmed = match account.password_hash.as_deref() {
        Some(stored) => {
            let Some(raw) = password else {
                return Err(ApiError::new(
                    ErrorCode::ReauthenticationRequired,
                    "send your password to delete the account",
                ));
            };
            // Password attempts here count against the same per-account throttle as logins.
            let rate = state.config.auth.login_rate_per_account;
            whoosh_http::middleware::throttle(&state, "login-account", &format!("id:{id}"), rate)
                .await?;
            match Password::parse(&raw) {
                Ok(p) => state
                    .hasher
                    .verify(&p, Some(stored))
                    .await
                    .map_err(ApiError::internal)?,
                Err(_) => false,
            }
            .then_some(())
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidCredentials, "the password is wrong"))?;
            true
        }
        None => now - user.issued_at <= FRESH_LOGIN_SECS,
    };
    if !confirmed {
        return Err(ApiError::new(
            ErrorCode::ReauthenticationRequired,
            "send your password, or log in again and delete within five minutes",
        ));
    }
    if !erase_account(&state, user.user_id).await? {
        return Err(ApiError::not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an account for good (the player's own request, or an operator's `whoosh users
/// delete`): sessions revoked, rows cascaded, audit rows anonymised, board entries removed from
/// the index, and live sockets closed through the revocation channel. False if no such account.
pub async fn erase_account(state: &AppState, user: UserId) -> Result<bool, ApiError> {
    let id = *user.as_uuid();
    let sessions = whoosh_store::sessions::revoke_all(&state.db, id, None).await?;
    let Some(boards) = profiles::delete_account(&state.db, id).await? else {
        return Ok(false);
    };
    boards::remove(state, &boards, id).await;
    let revocation = Revocation {
        user_id: user,
        sessions: &sessions,
        all_sessions: true,
        reason: "account_deleted",
    };
    announce_revocation(state, &revocation).await;
    tracing::info!(user_id = %id, "account deleted");
    Ok(true)
}

async fn known_board(state: &AppState, board: &str) -> Result<pg::Board, ApiError> {
    pg::board(&state.db, board)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such leaderboard"))
}

async fn list_boards(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "boards": pg::boards(&state.db).await? })))
}

async fn board_top(
    State(state): State<AppState>,
    Path(board): Path<String>,
    page: Page,
) -> Result<Json<Value>, ApiError> {
    known_board(&state, &board).await?;
    let offset = page.after.unwrap_or(0).max(0);
    let rows = boards::top(&state, &board, offset, page.limit + 1).await?;
    let more = rows.len() as i64 > page.limit;
    let rows: Vec<_> = rows
        .into_iter()
        .take(page.limit.unsigned_abs() as usize)
        .collect();
    let next_cursor = more.then(|| Page::cursor(offset + page.limit));
    Ok(Json(
        json!({ "board": board, "entries": rows, "next_cursor": next_cursor }),
    ))
}

async fn board_me(
    State(state): State<AppState>,
    user: AuthUser,
    Path(board): Path<String>,
) -> Result<Json<Value>, ApiError> {
    known_board(&state, &board).await?;
    let row = boards::rank_of(&state, &board, *user.user_id.as_uuid()).await?;
    Ok(Json(json!({ "board": board, "entry": row })))
}

async fn board_around_me(
    State(state): State<AppState>,
    user: AuthUser,
    Path(board): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    known_board(&state, &board).await?;
    let radius = match query.get("radius") {
        None => 5,
        Some(r) => r
            .parse::<i64>()
            .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "radius must be a whole number"))?
            .clamp(0, MAX_RADIUS),
    };
    let Some(mine) = boards::rank_of(&state, &board, *user.user_id.as_uuid()).await? else {
        return Ok(Json(json!({ "board": board, "entries": [] })));
    };
    let offset = (mine.rank - 1 - radius).max(0);
    let rows = boards::top(&state, &board, offset, mine.rank - offset + radius).await?;
    Ok(Json(json!({ "board": board, "entries": rows })))
}

async fn board_sync(
    State(state): State<AppState>,
    caller: ServiceCaller,
    Path(board): Path<String>,
) -> Result<Json<Value>, ApiError> {
    known_board(&state, &board).await?;
    let entries = boards::rebuild(&state, &board).await?;
    tracing::info!(service = %caller.name, board, entries, "leaderboard rebuilt");
    Ok(Json(json!({ "board": board, "entries": entries })))
}

async fn board_drift_check(
    State(state): State<AppState>,
    _caller: ServiceCaller,
    Path(board): Path<String>,
) -> Result<Json<Value>, ApiError> {
    known_board(&state, &board).await?;
    let drift = boards::drift_check(&state, &board).await?;
    Ok(Json(json!({ "board": board, "drift": drift })))
}

#[derive(Debug, Deserialize)]
struct ActionRequest {
    user_id: Uuid,
    max_score: Value,
}

/// Largest cap one action may carry.
pub const MAX_ACTION_SCORE: i64 = 1_000_000_000;

/// A trusted game service registers a completed action and gets the token the player submits.
async fn register_action(
    State(state): State<AppState>,
    caller: ServiceCaller,
    Json(body): Json<ActionRequest>,
) -> Result<Response, ApiError> {
    let max_score = body
        .max_score
        .as_i64()
        .filter(|n| (1..=MAX_ACTION_SCORE).contains(n))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidScore,
                format!("max_score must be a whole number from 1 to {MAX_ACTION_SCORE}"),
            )
        })?;
    if whoosh_store::accounts::find(&state.db, body.user_id)
        .await?
        .is_none()
    {
        return Err(ApiError::new(ErrorCode::NotFound, "no such user"));
    }
    let key = state.action_key().await?;
    let expires = OffsetDateTime::now_utc() + state.config.auth.action_token_ttl;
    let action_id =
        whoosh_store::actions::register(&state.db, body.user_id, &caller.name, max_score, expires)
            .await?;
    let claim = action_token::ActionClaim {
        action_id,
        user_id: body.user_id,
        max_score,
        expires_at: expires.unix_timestamp(),
    };
    let token = action_token::sign(&key, &claim);
    Ok((StatusCode::CREATED, Json(json!({ "action_id": action_id, "action_token": token, "expires_at": claim.expires_at })))
        .into_response())
}

#[derive(Debug, Deserialize)]
struct ScoreRequest {
    action_token: String,
    delta: Value,
}

fn reject(code: ErrorCode, message: &'static str) -> ApiError {
    ApiError::new(code, message)
}

/// A player turns an action token into score. Counted once: a replay gets the first answer.
async fn submit_score(
    State(state): State<AppState>,
    user: AuthUser,
    Json(body): Json<ScoreRequest>,
) -> Result<Response, ApiError> {
    let delta = body.delta.as_i64().filter(|d| *d >= 1).ok_or_else(|| {
        reject(
            ErrorCode::InvalidScore,
            "delta must be a whole number of at least 1",
        )
    })?;
    let key = state.action_key().await?;
    let claim = action_token::verify(&key, &body.action_token).map_err(|_| {
        reject(
            ErrorCode::InvalidActionToken,
            "the action token is not valid",
        )
    })?;
    if claim.user_id != *user.user_id.as_uuid() {
        return Err(reject(
            ErrorCode::ActionTokenWrongUser,
            "the action token belongs to another player",
        ));
    }
    let mut tx = state.db.begin().await?;
    let action = whoosh_store::actions::lock(&mut tx, claim.action_id)
        .await?
        .ok_or_else(|| {
            reject(
                ErrorCode::InvalidActionToken,
                "the action token is not valid",
            )
        })?;
    if action.user_id != Some(claim.user_id) {
        return Err(reject(
            ErrorCode::InvalidActionToken,
            "the action token is not valid",
        ));
    }
    if let Some(first) = action.response {
        // Replay: the first answer again; nothing is counted twice.
        return Ok((StatusCode::OK, Json(first)).into_response());
    }
    if action.expires_at < OffsetDateTime::now_utc()
        || claim.expires_at < OffsetDateTime::now_utc().unix_timestamp()
    {
        return Err(reject(
            ErrorCode::ActionTokenExpired,
            "the action token has expired",
        ));
    }
    if delta > action.max_score.min(claim.max_score) {
        return Err(reject(
            ErrorCode::ScoreOverCap,
            "the score is above what this action allows",
        ));
    }
    let changed = match pg::add(
        &mut tx,
        "score",
        action.user_id.unwrap_or_default(),
        delta,
        Some(action.id),
    )
    .await
    {
        Ok(changed) => changed,
        Err(pg::ScoreError::Overflow) => {
            return Err(reject(
                ErrorCode::ScoreOverflow,
                "the score would exceed the largest value a board holds",
            ));
        }
        Err(pg::ScoreError::Db(e)) => return Err(e.into()),
    };
    let standings: Vec<Value> = changed
        .iter()
        .map(|(board, s)| json!({ "board": board, "value": s.value }))
        .collect();
    let answer = json!({ "action_id": action.id, "delta": delta, "boards": standings });
    whoosh_store::actions::consume(&mut tx, action.id, &answer).await?;
    tx.commit().await?;
    boards::write_through(&state, &changed).await;
    tracing::info!(user_id = %UserId::from(claim.user_id), delta, "score");
    Ok((StatusCode::OK, Json(answer)).into_response())
}
