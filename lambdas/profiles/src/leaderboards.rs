//! `/api/leaderboards/*`: the boards, read from the Redis index (PostgreSQL when it is down or
//! rebuilding), the caller's line and the lines around it, and the sync and drift check services
//! call.

use axum::extract::{Path, Query, State};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;
use whoosh_core::ErrorCode;
use whoosh_http::{
    ApiError, AppState, AuthUser, ErrorBody, Json, Page,
    auth::ServiceCaller,
    leaderboards::{self as boards, Row},
};
use whoosh_store::leaderboards::{self as pg, Board};

/// Largest `radius` of an around-me view.
pub const MAX_RADIUS: i64 = 25;

/// The active leaderboards.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BoardList {
    boards: Vec<Board>,
}

/// One page of a board, best first.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BoardPage {
    board: String,
    entries: Vec<Row>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// The caller's line of a board.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BoardStanding {
    board: String,
    /// `null` when the caller is not on the board.
    entry: Option<Row>,
}

/// The lines around the caller's (empty when the caller is not on the board).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AroundMe {
    board: String,
    entries: Vec<Row>,
}

/// A board's index, rebuilt from PostgreSQL.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Rebuilt {
    board: String,
    /// Entries written to the index (0 when a rebuild was already running).
    entries: usize,
}

/// The drift check of a board.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Drift {
    board: String,
    /// Positions of the top N where the index differed from PostgreSQL (then it was rebuilt).
    drift: usize,
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
pub(crate) async fn list_boards(
    State(state): State<AppState>,
) -> Result<Json<BoardList>, ApiError> {
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
pub(crate) async fn board_top(
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
pub(crate) async fn board_me(
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
pub(crate) async fn board_around_me(
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
pub(crate) async fn board_sync(
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
pub(crate) async fn board_drift_check(
    State(state): State<AppState>,
    _caller: ServiceCaller,
    Path(board): Path<String>,
) -> Result<Json<Drift>, ApiError> {
    known_board(&state, &board).await?;
    let drift = boards::drift_check(&state, &board).await?;
    Ok(Json(Drift { board, drift }))
}
