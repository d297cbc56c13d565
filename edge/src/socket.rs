//! `GET /ws/lobbies/{id}`: the upgrade, and one task per socket.
//!
//! Nothing unauthenticated reaches a lobby: the `Origin` allow-list, the join token (kind `join`,
//! this lobby, a member of it), the node's connection caps and the lobby's directory record are
//! all checked before the upgrade, and every refusal is an HTTP error with a stable code.
//!
//! After the upgrade the socket's task reads frames (size-capped, rate-capped, parsed into
//! [`ClientMessage`]s for the lobby) and writes what the lobby queues for it, pings every third
//! of the idle timeout, and reaps a socket that stays silent for the whole of it.

use crate::{
    lobby::{Command, Conn, Entrant, LobbyHandle, LobbySnapshot},
    node::{Close, Edge, EdgeShared, IpSlot},
    protocol::{ClientMessage, ErrorBody, encode},
};
use axum::{
    Extension,
    extract::{
        Path, Query, State,
        ws::{
            CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade,
            rejection::WebSocketUpgradeRejection,
        },
    },
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot};
use whoosh_auth::{Grant, TokenError, TokenKind};
use whoosh_cache::{LobbyRecord, Ownership};
use whoosh_core::{ErrorCode, UserId};
use whoosh_http::{ApiError, AppState, ClientIp};

/// The subprotocol a browser offers, next to `bearer.<join token>`.
pub const SUBPROTOCOL: &str = "whoosh.v1";
/// Prefix of the subprotocol entry that carries the join token (browsers cannot set headers).
pub const TOKEN_PROTOCOL_PREFIX: &str = "bearer.";
/// `Retry-After` of refusals for a full node or address.
pub const RETRY_FULL: Duration = Duration::from_secs(5);
/// A write that takes longer than this ends the socket.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

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

/// Header on forwarded upgrades: a service token of the forwarding edge node.
pub const FORWARDED_BY: &str = "x-whoosh-forwarded-by";

pub async fn upgrade(
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
                crate::forward::pump(
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

/// Refuses a browser page whose `Origin` is not in `ALLOWED_ORIGINS` (a request without one —
/// a native client — passes: its token authenticates it).
pub(crate) fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default().trim_end_matches('/');
        if !state
            .config
            .http
            .allowed_origins
            .iter()
            .any(|o| o == origin)
        {
            return Err(ApiError::new(
                ErrorCode::OriginNotAllowed,
                "this page's origin may not open game sockets (see ALLOWED_ORIGINS)",
            ));
        }
    }
    Ok(())
}

/// A socket's token from `Authorization: Bearer`, a `bearer.<token>` subprotocol, or `?token=`.
pub(crate) fn socket_token<'a>(headers: &'a HeaderMap, query: Option<&'a str>) -> Option<&'a str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let protocol = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().strip_prefix(TOKEN_PROTOCOL_PREFIX));
    bearer.or(protocol).or(query).map(str::trim)
}

/// A client's message allowance: `limit` per `period`, refilled continuously.
pub(crate) struct Allowance {
    tokens: f64,
    limit: f64,
    per_sec: f64,
    at: Instant,
}

impl Allowance {
    pub(crate) fn new(rate: whoosh_cache::Rate) -> Self {
        let limit = f64::from(rate.limit);
        Self {
            tokens: limit,
            limit,
            per_sec: limit / rate.period.as_secs_f64().max(0.001),
            at: Instant::now(),
        }
    }

    pub(crate) fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * self.per_sec)
            .min(self.limit);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A client's frame as the socket loops take it.
pub(crate) enum Inbound {
    /// A text message within the client's allowance.
    Text(Utf8Bytes),
    /// A binary frame within the allowance (no part of either protocol).
    Binary,
    /// A ping or a pong: nothing to do.
    Control,
    /// The socket ends: with this close, or none when the client went away.
    End(Option<Close>),
}

/// Takes a frame read from the client: every text and binary frame spends the message allowance
/// (a client over it is closed with 1008); text messages are counted.
pub(crate) fn inbound(
    frame: Option<Result<Message, axum::Error>>,
    allowance: &mut Allowance,
) -> Inbound {
    match frame {
        Some(Ok(Message::Text(text))) => {
            crate::metrics::hot().messages_in.increment(1);
            if allowance.take() {
                Inbound::Text(text)
            } else {
                metrics::counter!("whoosh_edge_drops_total", "reason" => "message_rate")
                    .increment(1);
                Inbound::End(Some(Close::policy("message rate exceeded")))
            }
        }
        Some(Ok(Message::Binary(_))) if allowance.take() => Inbound::Binary,
        Some(Ok(Message::Binary(_))) => Inbound::End(Some(Close::policy("message rate exceeded"))),
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => Inbound::Control,
        Some(Ok(Message::Close(_))) | None => Inbound::End(None),
        Some(Err(error)) => Inbound::End(too_big(error).then(Close::too_big)),
    }
}

/// A socket's keep-alive: a ping every third of the idle timeout, and the end of a socket that
/// stays silent (no frame, not even a pong) for the whole of it.
pub(crate) struct KeepAlive {
    idle: Duration,
    last_seen: Instant,
    ping: tokio::time::Interval,
}

impl KeepAlive {
    pub(crate) fn new(idle: Duration) -> Self {
        let period = idle / 3;
        Self {
            idle,
            last_seen: Instant::now(),
            ping: tokio::time::interval_at(tokio::time::Instant::now() + period, period),
        }
    }

    /// The client sent a frame.
    pub(crate) fn seen(&mut self) {
        self.last_seen = Instant::now();
    }

    /// Waits for the next ping time, then pings; answers why the socket ends, if it does:
    /// `Some(Some(close))` after the idle timeout, `Some(None)` when the ping cannot be sent.
    pub(crate) async fn ping<S>(&mut self, sink: &mut S) -> Option<Option<Close>>
    where
        S: SinkExt<Message> + Unpin,
    {
        self.ping.tick().await;
        if self.last_seen.elapsed() >= self.idle {
            metrics::counter!("whoosh_edge_drops_total", "reason" => "idle").increment(1);
            return Some(Some(Close::normal("idle timeout")));
        }
        sink.send(Message::Ping(Default::default()))
            .await
            .is_err()
            .then_some(None)
    }
}

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
    let user = entrant.user;
    let conn_id = edge.next_conn_id();
    let lobby = edge.lobby(record, epoch, resume);
    let (tx, rx) = mpsc::channel(edge.config.outbound_queue);
    let (close_tx, close_rx) = oneshot::channel();
    let (reply_tx, reply_rx) = oneshot::channel();
    let conn = Conn {
        id: conn_id,
        tx,
        close: close_tx,
    };
    let joined = lobby
        .tx
        .send(Command::Join {
            entrant,
            conn,
            last_seq,
            reply: reply_tx,
        })
        .await
        .is_ok();
    let mut socket = socket;
    match (joined, reply_rx.await) {
        (true, Ok(Ok(()))) => {
            serve(socket, &edge, &lobby, user, conn_id, rx, close_rx).await;
            let _ = lobby
                .tx
                .send(Command::Left {
                    user,
                    conn: conn_id,
                })
                .await;
        }
        (true, Ok(Err(rejection))) => {
            let error = encode(
                "ERROR",
                0,
                &ErrorBody {
                    code: rejection.code(),
                    message: &rejection.to_string(),
                },
            );
            let _ = socket.send(Message::Text(error.into())).await;
            close(&mut socket, Close::policy(rejection.code())).await;
        }
        _ => close(&mut socket, Close::going_away()).await,
    }
}

pub(crate) async fn close<S>(sink: &mut S, how: Close)
where
    S: SinkExt<Message> + Unpin,
{
    let frame = CloseFrame {
        code: how.code,
        reason: how.reason.into(),
    };
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        sink.send(Message::Close(Some(frame))),
    )
    .await;
}

/// The socket's life after joining: frames in, queued messages out, pings, until one side ends.
async fn serve(
    socket: WebSocket,
    edge: &EdgeShared,
    lobby: &LobbyHandle,
    user: UserId,
    conn: u64,
    mut outbound: mpsc::Receiver<Utf8Bytes>,
    mut kicked: oneshot::Receiver<Close>,
) {
    let (mut sink, mut stream) = socket.split();
    let mut allowance = Allowance::new(edge.config.message_rate);
    let mut keep_alive = KeepAlive::new(edge.config.idle_timeout);
    let ending = loop {
        tokio::select! {
            biased;
            how = &mut kicked => break how.ok(),
            message = outbound.recv() => {
                let Some(text) = message else { break Some(Close::normal("lobby closed")) };
                let sent = tokio::time::timeout(WRITE_TIMEOUT, sink.send(Message::Text(text))).await;
                if !matches!(sent, Ok(Ok(()))) {
                    break None;
                }
            }
            frame = stream.next() => {
                keep_alive.seen();
                let text = match inbound(frame, &mut allowance) {
                    Inbound::Text(text) => text,
                    Inbound::Binary => {
                        reject(lobby, user, conn, "malformed_message", "binary frames are not part of the protocol").await;
                        continue;
                    }
                    Inbound::Control => continue,
                    Inbound::End(how) => break how,
                };
                let command = match ClientMessage::parse(text.as_str()) {
                    Ok(message) => Command::Message { user, conn, message },
                    Err(e) => Command::Reject { user, conn, code: e.code(), message: e.message() },
                };
                if lobby.tx.send(command).await.is_err() {
                    break Some(Close::normal("lobby closed"));
                }
            }
            ending = keep_alive.ping(&mut sink) => if let Some(ending) = ending {
                break ending;
            }
        }
    };
    if let Some(how) = ending {
        close(&mut sink, how).await;
    }
}

async fn reject(
    lobby: &LobbyHandle,
    user: UserId,
    conn: u64,
    code: &'static str,
    message: &'static str,
) {
    let _ = lobby
        .tx
        .send(Command::Reject {
            user,
            conn,
            code,
            message,
        })
        .await;
}

/// Whether a read failed because the client's frame or message exceeded the cap.
pub(crate) fn too_big(error: axum::Error) -> bool {
    let inner = error.into_inner();
    match inner.downcast_ref::<tungstenite::Error>() {
        Some(tungstenite::Error::Capacity(_)) => true,
        _ => inner.to_string().contains("Space limit exceeded"),
    }
}

/// Every socket of the edge the same way: a plain HTTP request (no upgrade) is 426
/// `upgrade_required`; frames and messages are capped at `max_message_bytes`, the read buffer is
/// small and writes are not buffered (each message goes out when sent), for memory per idle player.
pub(crate) fn configure_upgrade(
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    max_message_bytes: usize,
) -> Result<WebSocketUpgrade, ApiError> {
    let Ok(ws) = ws else {
        return Err(ApiError::new(
            ErrorCode::UpgradeRequired,
            "this endpoint speaks WebSocket only: send an upgrade request",
        ));
    };
    Ok(ws
        .protocols([SUBPROTOCOL])
        .max_message_size(max_message_bytes)
        .max_frame_size(max_message_bytes)
        .read_buffer_size(1024)
        .write_buffer_size(0))
}
