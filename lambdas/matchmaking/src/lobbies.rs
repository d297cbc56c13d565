//! `/api/lobbies`: private lobbies. A host opens one on a live edge node and shares its join code;
//! players join by code until it is full or its game starts (the host starts it over the socket).
//! Members read the lobby, with a fresh join token, to (re)connect.

use crate::{JoinByCode, draw_code, join_token, now_ms, region, socket_url};
use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;
use whoosh_cache::{LobbyKind, LobbyRecord, Membership};
use whoosh_core::{
    ErrorCode, LobbyCode,
    matchmaking::{MAX_LOBBY_PLAYERS, MIN_LOBBY_PLAYERS},
};
use whoosh_http::{ApiError, AppState, AuthUser, ClientIp, Json};

/// Round length of a private lobby, in seconds.
pub const ROUND_SECS: std::ops::RangeInclusive<u32> = 60..=600;
const DEFAULT_ROUND_SECS: u32 = 180;

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::LobbyNotFound, "no such lobby")
}

#[derive(Debug, Deserialize)]
pub(crate) struct NewLobby {
    #[serde(default)]
    round_secs: Option<Value>,
    #[serde(default)]
    max_players: Option<Value>,
    #[serde(default)]
    region: Option<String>,
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

pub(crate) async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Json(body): Json<NewLobby>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
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
    let node = state
        .nodes
        .least_loaded(&region, seats)
        .await?
        .ok_or_else(|| {
            ApiError::unavailable(
                "a game node",
                anyhow::anyhow!("no live edge node in {region} with {seats} free seats"),
            )
        })?;
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

pub(crate) async fn join(
    State(state): State<AppState>,
    user: AuthUser,
    ip: ClientIp,
    Json(body): Json<JoinByCode>,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(json!({
        "lobby_id": id,
        "edge_url": lobby.url,
        "ws_url": socket_url(&lobby.url, &id),
        "join_token": join_token(&state, &me, &id)?,
    })))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
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
fn view(state: &AppState, lobby: &LobbyRecord, viewer: &str) -> Result<Value, ApiError> {
    let mut members = lobby.members.clone();
    members.sort();
    Ok(json!({
        "lobby_id": lobby.id,
        "kind": lobby.kind.as_str(),
        "mode": lobby.mode,
        "region": lobby.region,
        "state": lobby.state,
        "host": lobby.host,
        "code": lobby.code,
        "round_secs": lobby.round_secs,
        "max_players": lobby.max_players,
        "members": members,
        "created_at_ms": lobby.created_at_ms,
        "edge_url": lobby.url,
        "ws_url": socket_url(&lobby.url, &lobby.id),
        "join_token": join_token(state, viewer, &lobby.id)?,
    }))
}
