//! The profiles service: profiles and match history, leaderboards (Redis index over PostgreSQL),
//! action tokens and scores, groups, and account deletion. The ALB routes `/api/profiles/*`,
//! `/api/leaderboards/*`, `/api/scores/*`, `/api/actions/*` and `/api/groups`, `/api/groups/*` here; the local all-in-one binary
//! mounts the same routes at the same paths.

pub mod action_token;
mod groups;

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{delete, get, post, put},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use time::OffsetDateTime;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;
use whoosh_core::{DisplayName, ErrorCode, Password, UserId, progression};
use whoosh_http::{
    ApiError, AppState, AuthUser, ErrorBody, Json, Page,
    auth::{Revocation, ServiceCaller, announce_revocation},
    leaderboards::{self as boards, Row},
};
use whoosh_store::{
    leaderboards::{self as pg, Board},
    profiles::{self, MatchSummary},
};

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
        .route("/api/groups", post(groups::create))
        .route("/api/groups/me", get(groups::mine))
        .route("/api/groups/leaderboard", get(groups::leaderboard))
        .route("/api/groups/join", post(groups::join_by_invite))
        .route(
            "/api/groups/{id}",
            get(groups::show).delete(groups::disband),
        )
        .route("/api/groups/{id}/join", post(groups::join))
        .route("/api/groups/{id}/leave", post(groups::leave))
        .route("/api/groups/{id}/invites", post(groups::invite))
        .route("/api/groups/{id}/transfer", post(groups::transfer))
        .route("/api/groups/{id}/members", get(groups::members))
        .route("/api/groups/{id}/members/{user}", delete(groups::kick))
        .route(
            "/api/groups/{id}/members/{user}/role",
            put(groups::set_role),
        )
}

/// The routes a deployed profiles service serves: [`routes`] and its part of the API document at
/// `GET /api/openapi.json`.
pub fn service_routes() -> Router<AppState> {
    whoosh_http::openapi::with_document(routes(), openapi())
}

/// The profiles service's part of the API document.
#[derive(OpenApi)]
#[openapi(paths(
    me,
    edit_me,
    delete_me,
    public_profile,
    match_history,
    list_boards,
    board_top,
    board_me,
    board_around_me,
    board_sync,
    board_drift_check,
    register_action,
    submit_score,
    groups::create,
    groups::mine,
    groups::leaderboard,
    groups::join_by_invite,
    groups::show,
    groups::disband,
    groups::join,
    groups::leave,
    groups::invite,
    groups::transfer,
    groups::members,
    groups::kick,
    groups::set_role
))]
struct ApiDoc;

/// The profiles service's endpoints in the API document (see `whoosh_http::openapi`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The complete service: routes, health endpoints and the shared middleware.
pub fn router(state: AppState) -> Router {
    whoosh_http::app(service_routes(), state)
}

/// Largest `radius` of an around-me view.
pub const MAX_RADIUS: i64 = 25;
/// How long after a login a token counts as fresh enough to delete an account without a password.
pub const FRESH_LOGIN_SECS: i64 = 300;

/// A player's profile as anyone sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Profile)]
struct ProfileView {
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
struct MatchPage {
    matches: Vec<MatchSummary>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// The active leaderboards.
#[derive(Debug, Serialize, ToSchema)]
struct BoardList {
    boards: Vec<Board>,
}

/// One page of a board, best first.
#[derive(Debug, Serialize, ToSchema)]
struct BoardPage {
    board: String,
    entries: Vec<Row>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// The caller's line of a board.
#[derive(Debug, Serialize, ToSchema)]
struct BoardStanding {
    board: String,
    /// `null` when the caller is not on the board.
    entry: Option<Row>,
}

/// The lines around the caller's (empty when the caller is not on the board).
#[derive(Debug, Serialize, ToSchema)]
struct AroundMe {
    board: String,
    entries: Vec<Row>,
}

/// A board's index, rebuilt from PostgreSQL.
#[derive(Debug, Serialize, ToSchema)]
struct Rebuilt {
    board: String,
    /// Entries written to the index (0 when a rebuild was already running).
    entries: usize,
}

/// The drift check of a board.
#[derive(Debug, Serialize, ToSchema)]
struct Drift {
    board: String,
    /// Positions of the top N where the index differed from PostgreSQL (then it was rebuilt).
    drift: usize,
}

/// A registered action and the token its player submits a score with.
#[derive(Debug, Serialize, ToSchema)]
struct ActionIssued {
    action_id: Uuid,
    action_token: String,
    /// Unix seconds.
    expires_at: i64,
}

/// What a score submission counted (stored with the action and replayed as it was).
#[derive(Debug, Serialize, ToSchema)]
struct ScoreCounted {
    action_id: Uuid,
    delta: i64,
    boards: Vec<BoardValue>,
}

/// A board's new value for the player.
#[derive(Debug, Serialize, ToSchema)]
struct BoardValue {
    board: String,
    value: i64,
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
async fn me(State(state): State<AppState>, user: AuthUser) -> Result<Json<ProfileView>, ApiError> {
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
async fn public_profile(
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
struct ProfileEdit {
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
async fn edit_me(
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
async fn match_history(
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
struct DeleteRequest {
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

/// Leaderboard-view events being written at once; past this, views go uncounted rather than
/// queue up behind a slow database.
const VIEW_EVENTS_IN_FLIGHT: usize = 32;
static VIEW_EVENTS: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(VIEW_EVENTS_IN_FLIGHT);

/// Records a `leaderboard_view` off the request path (fire and forget, bounded): the read never
/// waits for it. Under Lambda, a write still running when the response is sent finishes when the
/// environment next runs, or is lost with it; views are a trend, not a ledger.
fn count_view(state: &AppState, user: Option<Uuid>, board: &str, view: &str) {
    let Ok(permit) = VIEW_EVENTS.try_acquire() else {
        tracing::debug!(board, "leaderboard_view not recorded: too many in flight");
        return;
    };
    let db = state.db.clone();
    let event = whoosh_store::analytics::Event::LeaderboardView {
        user_id: user,
        board: board.to_owned(),
        view: view.to_owned(),
    };
    tokio::spawn(async move {
        if let Err(error) = whoosh_store::analytics::record(&db, &event).await {
            tracing::debug!(%error, "leaderboard_view not recorded");
        }
        drop(permit);
    });
}

async fn known_board(state: &AppState, board: &str) -> Result<Board, ApiError> {
    pg::board(&state.db, board)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such leaderboard"))
}

/// The active leaderboards.
#[utoipa::path(get, path = "/api/leaderboards", tag = "leaderboards", responses(
    (status = 200, description = "The boards.", body = BoardList),
))]
async fn list_boards(State(state): State<AppState>) -> Result<Json<BoardList>, ApiError> {
    Ok(Json(BoardList {
        boards: pg::boards(&state.db).await?,
    }))
}

/// One page of a board, best first.
#[utoipa::path(get, path = "/api/leaderboards/{board}", tag = "leaderboards", params(("board" = String, Path, description = "The board id, e.g. `elo` (see `GET /api/leaderboards`)."), Page), responses(
    (status = 200, description = "One page of the board.", body = BoardPage),
    (status = 400, description = "`invalid_request` (limit not a whole number); `invalid_cursor`.", body = ErrorBody),
    (status = 404, description = "`not_found`: no such leaderboard.", body = ErrorBody),
))]
async fn board_top(
    State(state): State<AppState>,
    Path(board): Path<String>,
    page: Page,
) -> Result<Json<BoardPage>, ApiError> {
    known_board(&state, &board).await?;
    count_view(&state, None, &board, "top");
    let offset = page.after.unwrap_or(0).max(0);
    let rows = boards::top(&state, &board, offset, page.limit + 1).await?;
    let (entries, next_cursor) = page.from_offset(rows, offset);
    Ok(Json(BoardPage {
        board,
        entries,
        next_cursor,
    }))
}

/// The caller's line of a board.
#[utoipa::path(get, path = "/api/leaderboards/{board}/me", tag = "leaderboards", params(("board" = String, Path, description = "The board id, e.g. `elo` (see `GET /api/leaderboards`).")), security(("access_token" = [])), responses(
    (status = 200, description = "The caller's entry, or `null`.", body = BoardStanding),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`not_found`: no such leaderboard.", body = ErrorBody),
))]
async fn board_me(
    State(state): State<AppState>,
    user: AuthUser,
    Path(board): Path<String>,
) -> Result<Json<BoardStanding>, ApiError> {
    known_board(&state, &board).await?;
    count_view(&state, Some(*user.user_id.as_uuid()), &board, "me");
    let row = boards::rank_of(&state, &board, *user.user_id.as_uuid()).await?;
    Ok(Json(BoardStanding { board, entry: row }))
}

/// The lines around the caller's on a board.
#[utoipa::path(get, path = "/api/leaderboards/{board}/around-me", tag = "leaderboards", params(("board" = String, Path, description = "The board id, e.g. `elo` (see `GET /api/leaderboards`)."), ("radius" = Option<i64>, Query, description = "Lines above and below the caller's, clamped to 0–25; 5 by default.")), security(("access_token" = [])), responses(
    (status = 200, description = "The entries around the caller.", body = AroundMe),
    (status = 400, description = "`invalid_request`: radius not a whole number.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`not_found`: no such leaderboard.", body = ErrorBody),
))]
async fn board_around_me(
    State(state): State<AppState>,
    user: AuthUser,
    Path(board): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<AroundMe>, ApiError> {
    known_board(&state, &board).await?;
    count_view(&state, Some(*user.user_id.as_uuid()), &board, "around_me");
    let radius = match query.get("radius") {
        None => 5,
        Some(r) => r
            .parse::<i64>()
            .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "radius must be a whole number"))?
            .clamp(0, MAX_RADIUS),
    };
    let Some(mine) = boards::rank_of(&state, &board, *user.user_id.as_uuid()).await? else {
        return Ok(Json(AroundMe {
            board,
            entries: Vec::new(),
        }));
    };
    let offset = (mine.rank - 1 - radius).max(0);
    let rows = boards::top(&state, &board, offset, mine.rank - offset + radius).await?;
    Ok(Json(AroundMe {
        board,
        entries: rows,
    }))
}

/// Rebuilds a board's Redis index from PostgreSQL (operators and schedules).
#[utoipa::path(post, path = "/api/leaderboards/{board}/sync", tag = "leaderboards", params(("board" = String, Path, description = "The board id, e.g. `elo` (see `GET /api/leaderboards`).")), security(("service_token" = [])), responses(
    (status = 200, description = "The index rebuilt.", body = Rebuilt),
    (status = 401, description = "`invalid_token`, `token_expired`: no valid service token.", body = ErrorBody),
    (status = 404, description = "`not_found`: no such leaderboard.", body = ErrorBody),
))]
async fn board_sync(
    State(state): State<AppState>,
    caller: ServiceCaller,
    Path(board): Path<String>,
) -> Result<Json<Rebuilt>, ApiError> {
    known_board(&state, &board).await?;
    let entries = boards::rebuild(&state, &board).await?;
    tracing::info!(service = %caller.name, board, entries, "leaderboard rebuilt");
    Ok(Json(Rebuilt { board, entries }))
}

/// Compares a board's index with PostgreSQL and rebuilds it on any difference.
#[utoipa::path(post, path = "/api/leaderboards/{board}/drift-check", tag = "leaderboards", params(("board" = String, Path, description = "The board id, e.g. `elo` (see `GET /api/leaderboards`).")), security(("service_token" = [])), responses(
    (status = 200, description = "The drift found.", body = Drift),
    (status = 401, description = "`invalid_token`, `token_expired`: no valid service token.", body = ErrorBody),
    (status = 404, description = "`not_found`: no such leaderboard.", body = ErrorBody),
))]
async fn board_drift_check(
    State(state): State<AppState>,
    _caller: ServiceCaller,
    Path(board): Path<String>,
) -> Result<Json<Drift>, ApiError> {
    known_board(&state, &board).await?;
    let drift = boards::drift_check(&state, &board).await?;
    Ok(Json(Drift { board, drift }))
}

#[derive(Debug, Deserialize, ToSchema)]
struct ActionRequest {
    /// The player who completed the action.
    user_id: Uuid,
    /// The largest score the action allows: a whole number from 1 to 1 000 000 000.
    #[schema(value_type = i64, minimum = 1, maximum = 1_000_000_000)]
    max_score: Value,
}

/// Largest cap one action may carry.
pub const MAX_ACTION_SCORE: i64 = 1_000_000_000;

/// A trusted game service registers a completed action and gets the token the player submits.
#[utoipa::path(post, path = "/api/actions", tag = "scores", request_body = ActionRequest, security(("service_token" = [])), responses(
    (status = 201, description = "The action and its token.", body = ActionIssued),
    (status = 400, description = "`invalid_score` (max_score); `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`: no valid service token.", body = ErrorBody),
    (status = 404, description = "`not_found`: no such user.", body = ErrorBody),
))]
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
    let issued = ActionIssued {
        action_id,
        action_token: token,
        expires_at: claim.expires_at,
    };
    Ok((StatusCode::CREATED, Json(issued)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
struct ScoreRequest {
    /// The token from `POST /api/actions`, for the caller.
    action_token: String,
    /// A whole number from 1 to the action's cap.
    #[schema(value_type = i64, minimum = 1)]
    delta: Value,
}

fn reject(code: ErrorCode, message: &'static str) -> ApiError {
    ApiError::new(code, message)
}

/// A player turns an action token into score. Counted once: a replay gets the first answer.
#[utoipa::path(post, path = "/api/scores", tag = "scores", request_body = ScoreRequest, security(("access_token" = [])), responses(
    (status = 200, description = "The new values (also the replay of an earlier submission).", body = ScoreCounted),
    (status = 400, description = "`invalid_score` (delta); `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_action_token`; `action_token_expired`; `invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`action_token_wrong_user`.", body = ErrorBody),
    (status = 422, description = "`score_over_cap`; `score_overflow`.", body = ErrorBody),
))]
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
    let counted = ScoreCounted {
        action_id: action.id,
        delta,
        boards: changed
            .iter()
            .map(|(board, s)| BoardValue {
                board: board.clone(),
                value: s.value,
            })
            .collect(),
    };
    let answer = serde_json::to_value(&counted).map_err(ApiError::internal)?;
    whoosh_store::actions::consume(&mut tx, action.id, &answer).await?;
    tx.commit().await?;
    boards::write_through(&state, &changed).await;
    tracing::info!(user_id = %UserId::from(claim.user_id), delta, "score");
    Ok((StatusCode::OK, Json(answer)).into_response())
}
