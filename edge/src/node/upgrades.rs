//! The doors of the node's game sockets, `GET /ws/lobbies/{id}` and `GET /ws/me`.
//!
//! Nothing unauthenticated reaches a lobby: the `Origin` allow-list, the join token (kind `join`,
//! this lobby, a member of it), the node's connection caps and the lobby's directory record are
//! all checked before the upgrade, and every refusal is an HTTP error with a stable code. The lobby's
//! lease decides where the socket goes: to the lobby on this node, or forwarded to its owner.
//! A `/ws/me` socket is authenticated by an access token, under the same allow-list and caps.

use super::{Edge, EdgeShared, IpSlot};
use crate::{
    lobby::{Entrant, LobbySnapshot},
    transport::upgrade::{FORWARDED_BY, RETRY_FULL, check_origin, configure_upgrade, socket_token},
};
use axum::{
    Extension,
    extract::{
        Path, Query, State,
        ws::{WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection},
    },
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use std::{sync::Arc, time::Duration};
use tokio::sync::OwnedSemaphorePermit;
use whoosh_auth::{Grant, TokenError, TokenKind};
use whoosh_cache::{LobbyRecord, Ownership};
use whoosh_core::{ErrorCode, UserId};
use whoosh_http::{ApiError, AppState, ClientIp};

#[derive(Debug, Deserialize)]
pub struct JoinQuery {
    /// The join token, for clients that can neither set headers nor subprotocols.
    token: Option<String>,
    /// The last `seq` this client received, to resume after a drop.
    last_seq: Option<u64>,
}

/// Everything checked before the upgrade.
struct Admitted {
    record: LobbyRecord,
    /// Ownership epoch this node runs the lobby under, and the snapshot to resume from.
    epoch: u64,
    resume: Option<LobbySnapshot>,
    entrant: Entrant,
    slot: Option<IpSlot>,
    permit: OwnedSemaphorePermit,
}

/// Where an admitted socket goes: the lobby runs here, or on its owner, to which this node
/// forwards the socket (clients need not know which node owns their lobby: behind the ALB every
/// node has the same address).
enum Route {
    Local(Box<Admitted>),
    Forward(Forward),
}

struct Forward {
    /// The owner's lobby URL (internal address).
    target: String,
    join_token: String,
    /// A short service token telling the owner that an edge node forwards this socket.
    forwarded_by: String,
    slot: Option<IpSlot>,
    permit: OwnedSemaphorePermit,
}

/// `GET /ws/lobbies/{id}`: a lobby socket, admitted, then run here or forwarded to its owner.
pub async fn lobby(
    State(state): State<AppState>,
    Extension(edge): Extension<Edge>,
    Path(lobby_id): Path<String>,
    Query(query): Query<JoinQuery>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let edge = edge.0;
    let route = match admit(
        &state,
        &edge,
        &lobby_id,
        query.token.as_deref(),
        ip,
        &headers,
    )
    .await
    {
        Ok(route) => route,
        Err(error) => return error.into_response(),
    };
    let ws = match configure_upgrade(ws, edge.config.max_message_bytes) {
        Ok(ws) => ws,
        Err(refused) => return refused.into_response(),
    };
    ws.on_upgrade(move |socket| async move {
        match route {
            Route::Local(admitted) => run(socket, edge, *admitted, query.last_seq).await,
            Route::Forward(forward) => {
                crate::transport::forward::pump(
                    socket,
                    forward.target,
                    forward.join_token,
                    forward.forwarded_by,
                    query.last_seq,
                    (forward.slot, forward.permit),
                )
                .await
            }
        }
    })
}

async fn admit(
    state: &AppState,
    edge: &Arc<EdgeShared>,
    lobby_id: &str,
    query_token: Option<&str>,
    ip: std::net::IpAddr,
    headers: &HeaderMap,
) -> Result<Route, ApiError> {
    check_origin(state, headers)?;
    let token = socket_token(headers, query_token).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidToken,
            "a join token is required (Authorization: Bearer, the `bearer.<token>` subprotocol, or ?token=)",
        )
    })?;
    let claims = state
        .keyring
        .verify(&state.tokens, token, TokenKind::Join)
        .map_err(|e| match e {
            TokenError::Expired => ApiError::new(
                ErrorCode::TokenExpired,
                "the join token expired; ask for a new one",
            ),
            TokenError::Invalid(_) => {
                ApiError::new(ErrorCode::InvalidToken, "the join token is not valid")
            }
        })?;
    if claims.lobby.as_deref() != Some(lobby_id) {
        return Err(ApiError::new(
            ErrorCode::TokenWrongLobby,
            "this join token opens another lobby",
        ));
    }
    let user: UserId = claims
        .sub
        .parse()
        .map_err(|_| ApiError::new(ErrorCode::InvalidToken, "the join token is not valid"))?;
    let record = state
        .lobbies
        .get(lobby_id)
        .await
        .map_err(|e| ApiError::unavailable("the lobby directory", e))?
        .ok_or_else(|| ApiError::new(ErrorCode::LobbyNotFound, "no such lobby, or it has ended"))?;
    if !record.members.iter().any(|m| m == &claims.sub) {
        return Err(ApiError::new(
            ErrorCode::NotLobbyMember,
            "you are not a member of this lobby",
        ));
    }
    let forwarded = headers
        .get(FORWARDED_BY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            state
                .keyring
                .verify(&state.tokens, t, TokenKind::Service)
                .is_ok()
        });
    let config = &edge.config;
    let ownership = state
        .lobbies
        .claim(
            lobby_id,
            &config.node_id,
            &config.public_url,
            config.lease_ttl,
        )
        .await
        .map_err(|e| ApiError::unavailable("the lobby directory", e))?;
    let permit = edge.connections.clone().try_acquire_owned().map_err(|_| {
        ApiError::new(
            ErrorCode::EdgeFull,
            "this game node is full; try again shortly",
        )
        .retry_after(RETRY_FULL)
    })?;
    // Forwarded sockets were counted against the player's address by the forwarding node.
    let slot = if forwarded {
        None
    } else {
        Some(edge.admit_ip(ip).ok_or_else(|| {
            ApiError::new(
                ErrorCode::TooManyConnections,
                "too many open game sockets from your address",
            )
            .retry_after(RETRY_FULL)
        })?)
    };
    let (epoch, took_over) = match ownership {
        Ownership::NoSuchLobby => {
            return Err(ApiError::new(
                ErrorCode::LobbyNotFound,
                "no such lobby, or it has ended",
            ));
        }
        Ownership::Theirs { node } => {
            let owner = state
                .nodes
                .get(&node)
                .await
                .map_err(|e| ApiError::unavailable("the node registry", e))?;
            let (Some(owner), false) = (owner, forwarded) else {
                // The owner stopped heartbeating (its lease lapses within EDGE_LEASE_TTL), or a
                // forwarded socket met a lobby that moved again: the client retries.
                return Err(ApiError::new(
                    ErrorCode::WrongEdgeNode,
                    "this lobby is moving to another node; reconnect in a moment",
                )
                .retry_after(Duration::from_secs(1)));
            };
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let forwarded_by = state
                .keyring
                .mint(
                    &state.tokens,
                    Grant::service(&config.node_id),
                    now,
                    Duration::from_secs(60),
                )
                .map_err(|e| {
                    ApiError::internal(anyhow::anyhow!("cannot mint a forwarding token: {e}"))
                })?;
            return Ok(Route::Forward(Forward {
                target: format!("{}/ws/lobbies/{lobby_id}", owner.internal_url),
                join_token: token.to_owned(),
                forwarded_by,
                slot,
                permit,
            }));
        }
        Ownership::Mine { epoch, took_over } => (epoch, took_over),
    };
    let running = edge.runs(lobby_id);
    // An ended lobby is not restarted under the same id (its match id is taken).
    if matches!(record.state.as_str(), "over" | "abandoned") && !running {
        return Err(ApiError::new(
            ErrorCode::LobbyNotFound,
            "this lobby has ended",
        ));
    }
    let resume = if running {
        None
    } else {
        let snapshot = state
            .lobbies
            .snapshot(lobby_id)
            .await
            .map_err(|e| ApiError::unavailable("the lobby directory", e))?;
        snapshot.and_then(|json| serde_json::from_str::<LobbySnapshot>(&json).ok())
    };
    if took_over {
        tracing::info!(
            lobby_id,
            epoch,
            snapshot = resume.is_some(),
            "took the lobby over"
        );
    }
    let profile = whoosh_store::profiles::find(&state.db, *user.as_uuid())
        .await
        .map_err(|e| ApiError::unavailable("the database", e))?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidToken,
                "the join token's account no longer exists",
            )
        })?;
    Ok(Route::Local(Box::new(Admitted {
        record,
        epoch,
        resume,
        entrant: Entrant {
            user,
            name: profile.display_name,
            rating: profile.elo,
            games_played: u32::try_from(profile.games_played).unwrap_or(0),
        },
        slot,
        permit,
    })))
}

/// Runs an admitted socket in its lobby, started here if it is not running yet.
async fn run(socket: WebSocket, edge: Arc<EdgeShared>, admitted: Admitted, last_seq: Option<u64>) {
    let Admitted {
        record,
        epoch,
        resume,
        entrant,
        slot,
        permit,
    } = admitted;
    let _held = (slot, permit, crate::metrics::Open::new("ws"));
    let conn_id = edge.next_conn_id();
    let lobby = edge.lobby(record, epoch, resume);
    crate::lobby::socket::run(socket, &edge.config, &lobby, conn_id, entrant, last_seq).await;
}

#[derive(Debug, Deserialize)]
pub struct MeQuery {
    token: Option<String>,
    last_seq: Option<u64>,
}

/// `GET /ws/me`: a player's own channel, admitted.
pub async fn me(
    State(state): State<AppState>,
    Extension(edge): Extension<Edge>,
    Query(query): Query<MeQuery>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let edge = edge.0;
    let admitted = async {
        check_origin(&state, &headers)?;
        let token = socket_token(&headers, query.token.as_deref()).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidToken,
                "an access token is required (Authorization: Bearer, the `bearer.<token>` subprotocol, or ?token=)",
            )
        })?;
        let user = whoosh_http::auth::verify_access(&state, token).await?;
        if !edge.me.has_room(user.user_id) {
            return Err(ApiError::new(
                ErrorCode::TooManyConnections,
                "too many open /ws/me sockets for this player",
            )
            .retry_after(RETRY_FULL));
        }
        let permit = edge.connections.clone().try_acquire_owned().map_err(|_| {
            ApiError::new(ErrorCode::EdgeFull, "this node is full; try again shortly")
                .retry_after(RETRY_FULL)
        })?;
        let slot = edge.admit_ip_as(ip, false).ok_or_else(|| {
            ApiError::new(
                ErrorCode::TooManyConnections,
                "too many open sockets from your address",
            )
            .retry_after(RETRY_FULL)
        })?;
        Ok::<_, ApiError>((user, permit, slot))
    }
    .await;
    let (user, permit, slot) = match admitted {
        Ok(admitted) => admitted,
        Err(error) => return error.into_response(),
    };
    let ws = match configure_upgrade(ws, edge.config.max_message_bytes) {
        Ok(ws) => ws,
        Err(refused) => return refused.into_response(),
    };
    ws.on_upgrade(move |socket| async move {
        let _held = (permit, slot, crate::metrics::Open::new("me"));
        crate::me::run(
            socket,
            &edge.me,
            &edge.state.user_events,
            &edge.config,
            user.user_id,
            user.session_id,
            query.last_seq,
        )
        .await;
    })
}
