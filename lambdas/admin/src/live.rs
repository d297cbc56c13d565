//! The live view: edge nodes from the registry (load, lobbies, draining), the lobbies they run
//! (phase, players, owner), matchmaking queue depths, and the leaderboards (top, drift check,
//! rebuild with progress). Everything here reads Redis as the edge nodes and the matcher write it.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use serde::Serialize;
use utoipa::ToSchema;
use whoosh_cache::TicketQueue;
use whoosh_core::ErrorCode;
use whoosh_http::{ApiError, AppState, ErrorBody, Json, leaderboards as boards};
use whoosh_store::{
    admin::{self, Change, Role},
    leaderboards::{self as pg, Board},
};

use crate::staff::Staff;

/// Most lobbies the live view lists (the per-node counts stay exact).
pub const MAX_LOBBIES_LISTED: usize = 200;

/// One edge node.
#[derive(Debug, Serialize, ToSchema)]
pub struct NodeView {
    id: String,
    region: String,
    /// Where players reach it.
    url: String,
    /// Players connected (plus seats reserved since its last heartbeat).
    players: u32,
    capacity: u32,
    /// Lobbies it runs, as of its last heartbeat.
    lobbies: usize,
    /// True while it drains (SIGTERM): it keeps its lobbies but takes no new ones.
    draining: bool,
}

/// One live lobby.
#[derive(Debug, Serialize, ToSchema)]
pub struct LobbyView {
    id: String,
    /// `match` (formed by the matchmaker) or `private` (by join code).
    kind: String,
    mode: String,
    region: String,
    /// `waiting`, `playing` or `over`.
    phase: String,
    /// The owning edge node.
    node: String,
    players: Vec<String>,
    max_players: u8,
    host: Option<String>,
    code: Option<String>,
    created_at_ms: i64,
}

/// One matchmaking queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueView {
    mode: String,
    region: String,
    /// Tickets waiting.
    waiting: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LiveView {
    nodes: Vec<NodeView>,
    /// At most 200; `lobbies_total` counts them all.
    lobbies: Vec<LobbyView>,
    lobbies_total: usize,
    queues: Vec<QueueView>,
}

fn redis_down(e: redis::RedisError) -> ApiError {
    ApiError::unavailable("Redis", e)
}

/// The fleet now: every live edge node of every region, their lobbies, and the queues.
#[utoipa::path(get, path = "/api/admin/live", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`.")), security(("admin_token" = [])), responses(
    (status = 200, description = "The live view.", body = LiveView),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`.", body = ErrorBody),
    (status = 503, description = "`service_unavailable`: Redis is unavailable.", body = ErrorBody),
))]
pub async fn live(
    State(state): State<AppState>,
    _staff: Staff,
) -> Result<Json<LiveView>, ApiError> {
    let regions = &state.config.matchmaking.regions;
    let mut nodes = Vec::new();
    let mut lobbies = Vec::new();
    let mut lobbies_total = 0;
    for region in regions {
        for node in state.nodes.live(region).await.map_err(redis_down)? {
            let ids = state.nodes.lobbies_of(&node.id).await.map_err(redis_down)?;
            lobbies_total += ids.len();
            for id in &ids {
                if lobbies.len() >= MAX_LOBBIES_LISTED {
                    break;
                }
                if let Some(l) = state.lobbies.get(id).await.map_err(redis_down)? {
                    lobbies.push(LobbyView {
                        id: l.id,
                        kind: l.kind.as_str().to_owned(),
                        mode: l.mode,
                        region: l.region,
                        phase: l.state,
                        node: l.node,
                        players: l.members,
                        max_players: l.max_players,
                        host: l.host,
                        code: l.code,
                        created_at_ms: l.created_at_ms,
                    });
                }
            }
            nodes.push(NodeView {
                id: node.id,
                region: node.region,
                url: node.url,
                players: node.load,
                capacity: node.capacity,
                lobbies: ids.len(),
                draining: !node.accepting,
            });
        }
    }
    let queue = TicketQueue::new(state.redis.clone(), state.keys.clone());
    let mut queues = Vec::new();
    for mode in whoosh_core::matchmaking::MODES {
        for region in regions {
            queues.push(QueueView {
                mode: (*mode).to_owned(),
                region: region.clone(),
                waiting: queue.depth(mode, region).await.map_err(redis_down)?,
            });
        }
    }
    Ok(Json(LiveView {
        nodes,
        lobbies,
        lobbies_total,
        queues,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardList {
    boards: Vec<Board>,
}

/// The active leaderboards.
#[utoipa::path(get, path = "/api/admin/leaderboards", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`.")), security(("admin_token" = [])), responses(
    (status = 200, description = "The boards.", body = BoardList),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`.", body = ErrorBody),
))]
pub async fn list_boards(
    State(state): State<AppState>,
    _staff: Staff,
) -> Result<Json<BoardList>, ApiError> {
    Ok(Json(BoardList {
        boards: pg::boards(&state.db).await?,
    }))
}

async fn known_board(state: &AppState, board: &str) -> Result<Board, ApiError> {
    pg::board(&state.db, board)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such leaderboard"))
}

/// Rows of a board's top the console shows at most.
const MAX_TOP: i64 = 100;

/// How far the latest rebuild of a board got.
#[derive(Debug, Serialize, ToSchema)]
pub struct RebuildProgress {
    /// `writing` or `done`.
    state: &'static str,
    written: i64,
    total: i64,
    started_at_ms: i64,
    updated_at_ms: i64,
}

impl From<whoosh_cache::leaderboard::RebuildProgress> for RebuildProgress {
    fn from(p: whoosh_cache::leaderboard::RebuildProgress) -> Self {
        Self {
            state: if p.done { "done" } else { "writing" },
            written: p.written,
            total: p.total,
            started_at_ms: p.started_at_ms,
            updated_at_ms: p.updated_at_ms,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardTop {
    board: Board,
    entries: Vec<boards::Row>,
    /// Whether readers use the Redis index now (false: they fall back to PostgreSQL).
    index_ready: bool,
    /// The latest rebuild of its index within a day, if any.
    rebuild: Option<RebuildProgress>,
}

/// A board's top rows, whether its index is in use, and its latest rebuild's progress (poll it
/// while a rebuild runs).
#[utoipa::path(get, path = "/api/admin/leaderboards/{board}", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`."), ("board" = String, Path, description = "The board id."), ("limit" = Option<i64>, Query, description = "1–100 rows (clamped); 20 when omitted.")), security(("admin_token" = [])), responses(
    (status = 200, description = "The board.", body = BoardTop),
    (status = 400, description = "`invalid_request`: limit not a whole number.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`.", body = ErrorBody),
    (status = 404, description = "`not_found`: no such leaderboard.", body = ErrorBody),
))]
pub async fn board_top(
    State(state): State<AppState>,
    _staff: Staff,
    Path(board): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<BoardTop>, ApiError> {
    let board = known_board(&state, &board).await?;
    let limit = match query.get("limit") {
        None => 20,
        Some(l) => l
            .parse::<i64>()
            .map_err(|_| ApiError::new(ErrorCode::InvalidRequest, "limit must be a whole number"))?
            .clamp(1, MAX_TOP),
    };
    let entries = boards::top(&state, &board.id, 0, limit).await?;
    // Readers fall back to PostgreSQL while Redis is down; so does this page.
    let index_ready = state
        .leaderboards
        .is_ready(&board.id)
        .await
        .unwrap_or(false);
    let rebuild = state
        .leaderboards
        .rebuild_progress(&board.id)
        .await
        .ok()
        .flatten()
        .map(RebuildProgress::from);
    Ok(Json(BoardTop {
        board,
        entries,
        index_ready,
        rebuild,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DriftChecked {
    board: String,
    /// Positions of the top N where the index differed from PostgreSQL (then it was rebuilt).
    drift: usize,
}

/// Runs a board's drift check now (admin): the top N of the index compared with PostgreSQL,
/// rebuilt on any difference. Audited.
#[utoipa::path(post, path = "/api/admin/leaderboards/{board}/drift-check", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`."), ("board" = String, Path, description = "The board id.")), security(("admin_token" = [])), responses(
    (status = 200, description = "The drift found.", body = DriftChecked),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`; `role_required` (admin).", body = ErrorBody),
    (status = 404, description = "`not_found`: no such leaderboard.", body = ErrorBody),
    (status = 503, description = "`service_unavailable`: Redis is down, or another rebuild holds the board.", body = ErrorBody),
))]
pub async fn drift_check(
    State(state): State<AppState>,
    staff: Staff,
    Path(board): Path<String>,
) -> Result<Json<DriftChecked>, ApiError> {
    staff.require(Role::Admin)?;
    let board = known_board(&state, &board).await?;
    // Written first: the effect is in Redis, outside any transaction, and must not go unrecorded.
    admin::record_alone(
        &state.db,
        &staff.actor,
        &Change {
            action: "leaderboard_drift_check",
            target: Some(board.id.clone()),
            ..Change::default()
        },
    )
    .await?;
    let drift = boards::drift_check(&state, &board.id).await?;
    Ok(Json(DriftChecked {
        board: board.id,
        drift,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rebuilt {
    board: String,
    /// Entries written to the index.
    entries: usize,
}

/// Rebuilds a board's Redis index from PostgreSQL (admin), answering when it is done; meanwhile
/// `GET /api/admin/leaderboards/{board}` reports its progress. Audited.
#[utoipa::path(post, path = "/api/admin/leaderboards/{board}/rebuild", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`."), ("board" = String, Path, description = "The board id.")), security(("admin_token" = [])), responses(
    (status = 200, description = "The index rebuilt.", body = Rebuilt),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`; `role_required` (admin).", body = ErrorBody),
    (status = 404, description = "`not_found`: no such leaderboard.", body = ErrorBody),
    (status = 503, description = "`service_unavailable`: Redis is down, or another rebuild holds the board.", body = ErrorBody),
))]
pub async fn rebuild(
    State(state): State<AppState>,
    staff: Staff,
    Path(board): Path<String>,
) -> Result<Json<Rebuilt>, ApiError> {
    staff.require(Role::Admin)?;
    let board = known_board(&state, &board).await?;
    admin::record_alone(
        &state.db,
        &staff.actor,
        &Change {
            action: "leaderboard_rebuild",
            target: Some(board.id.clone()),
            ..Change::default()
        },
    )
    .await?;
    let entries = boards::try_rebuild(&state, &board.id)
        .await?
        .ok_or_else(|| {
            ApiError::unavailable(
                "the leaderboard rebuild",
                anyhow::anyhow!("another rebuild of {} holds the lock", board.id),
            )
        })?;
    Ok(Json(Rebuilt {
        board: board.id,
        entries,
    }))
}
