//! `/api/profiles/*`: a player's profile (public fields), allow-listed edits, match history, and
//! deleting an account for good.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;
use whoosh_core::{DisplayName, ErrorCode, Password, UserId, progression};
use whoosh_http::{
    ApiError, AppState, AuthUser, ErrorBody, Json, Page,
    auth::{Revocation, announce_revocation},
    leaderboards::{self as boards},
};
use whoosh_store::profiles::{self, MatchSummary};

/// How long after a login a token counts as fresh enough to delete an account without a password.
pub const FRESH_LOGIN_SECS: i64 = 300;

/// A player's profile as anyone sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Profile)]
pub(crate) struct ProfileView {
    id: Uuid,
    display_name: String,
    avatar_id: Option<String>,
    title_id: Option<String>,
    elo: i32,
    xp: i64,
    level: u32,
    /// The XP at which the next level starts.
    next_level_xp: u64,
    games_played: i32,
    wins: i32,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    created_at: String,
}

fn profile_json(p: &profiles::Profile) -> ProfileView {
    let xp = u64::try_from(p.xp).unwrap_or(0);
    let level = progression::level_for_xp(xp);
    ProfileView {
        id: p.id,
        display_name: p.display_name.clone(),
        avatar_id: p.avatar_id.clone(),
        title_id: p.title_id.clone(),
        elo: p.elo,
        xp: p.xp,
        level,
        next_level_xp: progression::xp_for_level(level + 1),
        games_played: p.games_played,
        wins: p.wins,
        created_at: p
            .created_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    }
}

/// One page of a player's matches, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MatchPage {
    matches: Vec<MatchSummary>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

fn parse_user(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// The caller's profile.
#[utoipa::path(get, path = "/api/profiles/me", tag = "profiles", security(("access_token" = [])), responses(
    (status = 200, description = "The profile.", body = ProfileView),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`not_found`: the account no longer exists.", body = ErrorBody),
))]
pub(crate) async fn me(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<ProfileView>, ApiError> {
    let p = profiles::find(&state.db, *user.user_id.as_uuid())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(profile_json(&p)))
}

/// A player's public profile.
#[utoipa::path(get, path = "/api/profiles/{user}", tag = "profiles", params(("user" = String, Path, description = "The player's user id (a UUID).")), responses(
    (status = 200, description = "The profile.", body = ProfileView),
    (status = 404, description = "`not_found`: no such player (or not a UUID).", body = ErrorBody),
))]
pub(crate) async fn public_profile(
    State(state): State<AppState>,
    Path(user): Path<String>,
) -> Result<Json<ProfileView>, ApiError> {
    let p = profiles::find(&state.db, parse_user(&user)?)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(profile_json(&p)))
}

/// The allow-listed fields of a profile edit; anything else is refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileEdit {
    /// 1–32 characters after trimming, no control characters.
    #[serde(default)]
    display_name: Option<String>,
    /// An avatar the caller owns.
    #[serde(default)]
    avatar_id: Option<String>,
}

/// Edits the caller's display name and avatar; other fields are refused.
#[utoipa::path(patch, path = "/api/profiles/me", tag = "profiles", request_body = ProfileEdit, security(("access_token" = [])), responses(
    (status = 200, description = "The edited profile.", body = ProfileView),
    (status = 400, description = "`invalid_display_name`; `invalid_avatar` (not owned); `invalid_json` (also for unknown fields).", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`not_found`: the account no longer exists.", body = ErrorBody),
))]
pub(crate) async fn edit_me(
    State(state): State<AppState>,
    user: AuthUser,
    Json(edit): Json<ProfileEdit>,
) -> Result<Json<ProfileView>, ApiError> {
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

/// A player's matches, newest first, one page at a time.
#[utoipa::path(get, path = "/api/profiles/{user}/matches", tag = "profiles", params(("user" = String, Path, description = "The player's user id (a UUID)."), Page), responses(
    (status = 200, description = "One page of matches.", body = MatchPage),
    (status = 400, description = "`invalid_request` (limit not a whole number); `invalid_cursor`.", body = ErrorBody),
    (status = 404, description = "`not_found`: not a UUID.", body = ErrorBody),
))]
pub(crate) async fn match_history(
    State(state): State<AppState>,
    Path(user): Path<String>,
    page: Page,
) -> Result<Json<MatchPage>, ApiError> {
    let id = parse_user(&user)?;
    let found = profiles::matches(&state.db, id, page.after, page.limit + 1).await?;
    let (matches, next_cursor) = page.after_last(found, |m| m.position);
    Ok(Json(MatchPage {
        matches,
        next_cursor,
    }))
}

/// The confirmation of an account deletion; the body may be omitted.
#[derive(Debug, Deserialize, Default, ToSchema)]
pub(crate) struct DeleteRequest {
    /// Required for a full account; a guest confirms with a token from a login in the last five
    /// minutes instead.
    #[serde(default)]
    password: Option<String>,
}

/// Deletes the caller's account: with the password, or (guests and password-less clients) with a
/// token from a login in the last five minutes.
#[utoipa::path(delete, path = "/api/profiles/me", tag = "profiles", request_body(content = Option<DeleteRequest>, description = "Optional: omit it for a guest with a fresh token."), security(("access_token" = [])), responses(
    (status = 204, description = "The account is gone; every session has ended."),
    (status = 400, description = "`invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_credentials` (wrong password); `invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`reauthentication_required`: send the password, or log in again and delete within five minutes.", body = ErrorBody),
    (status = 404, description = "`not_found`: the account no longer exists.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: `LOGIN_RATE_PER_ACCOUNT` or the API-wide limit.", body = ErrorBody),
))]
pub(crate) async fn delete_me(
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
