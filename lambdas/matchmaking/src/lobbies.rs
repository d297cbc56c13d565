//! `/api/lobbies`: private lobbies. A host opens one on a live edge node and shares its join code;
//! players join by code until it is full or its game starts (the host starts it over the socket).
//! Members read the lobby, with a fresh join token, to (re)connect.

use crate::{
    join_code::{JoinByCode, draw_code},
    placement::{join_token, node_with_room, region, socket_url},
    records::now_ms,
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;
use whoosh_cache::{LobbyKind, LobbyRecord, Membership};
use whoosh_core::{
    ErrorCode, LobbyCode,
    matchmaking::{MAX_LOBBY_PLAYERS, MIN_LOBBY_PLAYERS},
};
use whoosh_http::{ApiError, AppState, AuthUser, ClientIp, ErrorBody, Json};

/// Round length of a private lobby, in seconds.
pub const ROUND_SECS: std::ops::RangeInclusive<u32> = 60..=600;
const DEFAULT_ROUND_SECS: u32 = 180;

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::LobbyNotFound, "no such lobby")
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct NewLobby {
    /// Round length: a whole number of seconds from 60 to 600; 180 by default.
    #[serde(default)]
    #[schema(value_type = Option<u32>, minimum = 60, maximum = 600)]
    round_secs: Option<Value>,
    /// A whole number from 3 to 10; 10 by default.
    #[serde(default)]
    #[schema(value_type = Option<u8>, minimum = 3, maximum = 10)]
    max_players: Option<Value>,
    /// A served region; `DEFAULT_REGION` when omitted.
    #[serde(default)]
    region: Option<String>,
}

/// A private lobby as a member sees it, with a join token of the member's own.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Lobby)]
pub(crate) struct LobbyView {
    lobby_id: String,
    /// `private` or `match`.
    kind: &'static str,
    mode: String,
    region: String,
    /// `waiting` until the host starts the game.
    state: String,
    host: Option<String>,
    /// The join code to share.
    code: Option<String>,
    round_secs: u32,
    max_players: u8,
    /// User ids, sorted.
    members: Vec<String>,
    created_at_ms: i64,
    edge_url: String,
    /// `{edge_url}/ws/lobbies/{lobby_id}`.
    ws_url: String,
    /// A join token (JWT of kind `join`) for the caller, fresh on each read.
    join_token: String,
}

/// Where to open a joined lobby's socket, and with which token.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LobbyJoined {
    lobby_id: String,
    edge_url: String,
    ws_url: String,
    join_token: String,
}

/// A whole number in `range` (fractions, strings and huge numbers are refused).
fn setting(
    value: Option<&Value>,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Option<u32> {
    match value {
        None | Some(Value::Null) => Some(default),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| range.contains(n)),
    }
}

/// Opens a private lobby hosted by the caller on a live edge node, under a fresh join code.
#[utoipa::path(post, path = "/api/lobbies", tag = "lobbies", request_body = NewLobby, security(("access_token" = [])), responses(
    (status = 201, description = "The lobby.", body = LobbyView),
    (status = 400, description = "`invalid_lobby_settings`; `invalid_region`; `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 503, description = "`service_unavailable`: no live edge node in the region has room.", body = ErrorBody),
))]
pub(crate) async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Json(body): Json<NewLobby>,
) -> Result<(StatusCode, Json<LobbyView>), ApiError> {
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidLobbySettings,
            format!(
                "round_secs must be a whole number from {} to {}, max_players from {MIN_LOBBY_PLAYERS} to {MAX_LOBBY_PLAYERS}",
                ROUND_SECS.start(),
                ROUND_SECS.end()
            ),
        )
    };
    let round_secs =
        setting(body.round_secs.as_ref(), DEFAULT_ROUND_SECS, ROUND_SECS).ok_or_else(invalid)?;
    let max_players = setting(
        body.max_players.as_ref(),
        u32::from(MAX_LOBBY_PLAYERS),
        u32::from(MIN_LOBBY_PLAYERS)..=u32::from(MAX_LOBBY_PLAYERS),
    )
    .and_then(|n| u8::try_from(n).ok())
    .ok_or_else(invalid)?;
    let region = region(&state, body.region.as_deref())?;
    let me = user.user_id.to_string();
    let seats = u32::from(max_players);
    let node = node_with_room(&state, &region, seats).await?;
    let ttl = state.config.matchmaking.lobby_ttl;
    let id = Uuid::now_v7().to_string();
    let code = draw_code(|code: LobbyCode| {
        let lobbies = state.lobbies.clone();
        let id = id.clone();
        async move { lobbies.reserve_code(code.as_str(), &id, ttl).await }
    })
    .await?;
    let lobby = LobbyRecord {
        id: id.clone(),
        kind: LobbyKind::Private,
        mode: "party".to_owned(),
        region,
        node: node.id.clone(),
        url: node.url.clone(),
        epoch: 1,
        host: Some(me.clone()),
        code: Some(code.to_string()),
        round_secs,
        max_players,
        created_at_ms: now_ms(),
        state: "waiting".to_owned(),
        members: vec![me.clone()],
    };
    state.lobbies.create(&lobby, ttl).await?;
    state.nodes.reserve(&node.id, seats).await?;
    tracing::info!(lobby = %id, node = %node.id, "private lobby opened");
    Ok((StatusCode::CREATED, Json(view(&state, &lobby, &me)?)))
}

/// Joins a private lobby by its code.
#[utoipa::path(post, path = "/api/lobbies/join", tag = "lobbies", request_body = JoinByCode, security(("access_token" = [])), responses(
    (status = 200, description = "Where to connect.", body = LobbyJoined),
    (status = 400, description = "`invalid_join_code`; `invalid_json`; `invalid_request` (the client address cannot be determined).", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`lobby_not_found`.", body = ErrorBody),
    (status = 409, description = "`lobby_full`; `lobby_started`.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: `LOBBY_JOIN_RATE`, `LOBBY_JOIN_RATE_PER_IP` or the API-wide limit.", body = ErrorBody),
))]
pub(crate) async fn join(
    State(state): State<AppState>,
    user: AuthUser,
    ip: ClientIp,
    Json(body): Json<JoinByCode>,
) -> Result<Json<LobbyJoined>, ApiError> {
    let code = body.attempt(&state, &user, ip).await?;
    let me = user.user_id.to_string();
    let id = state
        .lobbies
        .resolve_code(code.as_str())
        .await?
        .ok_or_else(not_found)?;
    let lobby = state.lobbies.get(&id).await?.ok_or_else(not_found)?;
    let member = lobby.members.contains(&me);
    if !member && lobby.state != "waiting" {
        return Err(ApiError::new(
            ErrorCode::LobbyStarted,
            "the lobby's game has started",
        ));
    }
    match state.lobbies.add_member(&id, &me).await? {
        Membership::Added | Membership::AlreadyMember => {}
        Membership::Full => {
            return Err(ApiError::new(
                ErrorCode::LobbyFull,
                format!("the lobby holds its {} players", lobby.max_players),
            ));
        }
        Membership::NoSuchLobby => return Err(not_found()),
    }
    Ok(Json(LobbyJoined {
        ws_url: socket_url(&lobby.url, &id),
        join_token: join_token(&state, &me, &id)?,
        edge_url: lobby.url,
        lobby_id: id,
    }))
}

/// The lobby as a member sees it, with a fresh join token (to reconnect).
#[utoipa::path(get, path = "/api/lobbies/{id}", tag = "lobbies", params(("id" = String, Path, description = "The lobby id.")), security(("access_token" = [])), responses(
    (status = 200, description = "The lobby.", body = LobbyView),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`lobby_not_found`: no such live lobby, or the caller is not a member.", body = ErrorBody),
))]
pub(crate) async fn show(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<LobbyView>, ApiError> {
    let me = user.user_id.to_string();
    let lobby = state
        .lobbies
        .get(&id)
        .await?
        .filter(|l| l.members.contains(&me))
        .ok_or_else(not_found)?;
    Ok(Json(view(&state, &lobby, &me)?))
}

/// A lobby as a member sees it, with a join token of their own.
fn view(state: &AppState, lobby: &LobbyRecord, viewer: &str) -> Result<LobbyView, ApiError> {
    let mut members = lobby.members.clone();
    members.sort();
    Ok(LobbyView {
        lobby_id: lobby.id.clone(),
        kind: lobby.kind.as_str(),
        mode: lobby.mode.clone(),
        region: lobby.region.clone(),
        state: lobby.state.clone(),
        host: lobby.host.clone(),
        code: lobby.code.clone(),
        round_secs: lobby.round_secs,
        max_players: lobby.max_players,
        members,
        created_at_ms: lobby.created_at_ms,
        edge_url: lobby.url.clone(),
        ws_url: socket_url(&lobby.url, &lobby.id),
        join_token: join_token(state, viewer, &lobby.id)?,
    })
}
