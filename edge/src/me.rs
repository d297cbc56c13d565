//! `GET /ws/me`: a player's own channel. It carries the events of the player's per-user log
//! (battle invitations, battle starts and ends, new ranks — see `whoosh_cache::user_events`),
//! each with the log's `seq`, and resumes after a drop from `?last_seq=` like a lobby socket.
//!
//! It works on any node: nothing is owned. Each node subscribes once to the events channel and
//! hands each event to the sockets of its user on this node ([`UserHub`]). A socket registers
//! before it reads the log, so an event is either in what it read or reaches it live; live events
//! are sent in `seq` order, and a hole (an event lost while the node's subscription was down) is
//! filled from the log before the later event goes out.
//!
//! Authenticated by an access token (the same three ways a lobby socket passes its join token),
//! under the same `Origin` allow-list and connection caps; a revoked session closes it with 1008.

use crate::{
    node::{Close, Edge, EdgeShared},
    socket::{
        Allowance, Inbound, KeepAlive, WRITE_TIMEOUT, check_origin, close, inbound, socket_token,
    },
};
use axum::{
    Extension,
    extract::{
        Query, State,
        ws::{Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection},
    },
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;
use whoosh_cache::{Catchup, UserEvent};
use whoosh_core::{ErrorCode, UserId};
use whoosh_http::{ApiError, AppState, ClientIp};

/// `/ws/me` sockets one user may hold on one node (devices, tabs).
pub const MAX_SOCKETS_PER_USER: usize = 8;
/// Events queued for one socket at most; a socket further behind is closed with 1013 (it resumes
/// from the log with `last_seq`).
pub const QUEUE: usize = 64;

#[derive(Debug, Deserialize)]
pub struct MeQuery {
    token: Option<String>,
    last_seq: Option<u64>,
}

/// What the node's subscriber hands a socket.
#[derive(Debug, Clone)]
enum Delivery {
    Event(Arc<UserEvent>),
    /// The node's subscription was re-established: events may have been missed; read the log.
    CatchUp,
}

#[derive(Debug)]
struct Subscriber {
    conn: u64,
    session: Uuid,
    tx: mpsc::Sender<Delivery>,
    close: Option<oneshot::Sender<Close>>,
}

/// The `/ws/me` sockets of this node, by user.
#[derive(Debug, Default)]
pub struct UserHub {
    sockets: Mutex<HashMap<UserId, Vec<Subscriber>>>,
    next: AtomicU64,
}

/// A registration, removed when dropped.
struct Registration<'a> {
    hub: &'a UserHub,
    user: UserId,
    conn: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        let mut sockets = self.hub.sockets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = sockets.get_mut(&self.user) {
            list.retain(|s| s.conn != self.conn);
            if list.is_empty() {
                sockets.remove(&self.user);
            }
        }
    }
}

impl UserHub {
    /// Sockets open on this node.
    pub fn len(&self) -> usize {
        self.sockets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(Vec::len)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn has_room(&self, user: UserId) -> bool {
        self.sockets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&user)
            .is_none_or(|l| l.len() < MAX_SOCKETS_PER_USER)
    }

    fn register(
        &self,
        user: UserId,
        session: Uuid,
    ) -> Option<(
        Registration<'_>,
        mpsc::Receiver<Delivery>,
        oneshot::Receiver<Close>,
    )> {
        let mut sockets = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        let list = sockets.entry(user).or_default();
        if list.len() >= MAX_SOCKETS_PER_USER {
            return None;
        }
        let conn = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(QUEUE);
        let (close_tx, close_rx) = oneshot::channel();
        list.push(Subscriber {
            conn,
            session,
            tx,
            close: Some(close_tx),
        });
        Some((
            Registration {
                hub: self,
                user,
                conn,
            },
            rx,
            close_rx,
        ))
    }

    /// Hands `delivery` to every socket of `user` (`None`: to every socket of the node). A socket
    /// whose queue is full is closed with 1013; it resumes from the log.
    fn deliver(&self, user: Option<UserId>, delivery: &Delivery) {
        let mut sockets = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        let lists: Vec<&mut Vec<Subscriber>> = match user {
            Some(user) => sockets.get_mut(&user).into_iter().collect(),
            None => sockets.values_mut().collect(),
        };
        for list in lists {
            for s in list.iter_mut() {
                // A closed queue is a socket on its way out; a full one is a slow consumer.
                if let Err(mpsc::error::TrySendError::Full(_)) = s.tx.try_send(delivery.clone()) {
                    if let Some(close) = s.close.take() {
                        metrics::counter!("whoosh_edge_drops_total", "reason" => "slow_consumer")
                            .increment(1);
                        let _ = close.send(Close::too_slow());
                    }
                }
            }
        }
    }

    /// Closes the sockets of revoked sessions of `user` (all of them with `all`) with 1008.
    pub fn revoke(&self, user: UserId, sessions: &[Uuid], all: bool) {
        let mut sockets = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        for s in sockets.get_mut(&user).into_iter().flatten() {
            if all || sessions.contains(&s.session) {
                if let Some(close) = s.close.take() {
                    let _ = close.send(Close::policy("session revoked"));
                }
            }
        }
    }
}

/// The node's subscription to the events channel: every event goes to its user's local sockets.
/// After a (re)subscription every socket reads the log, in case events went by meanwhile.
pub async fn listen(edge: Arc<EdgeShared>) {
    let channel = edge.state.keys.user_events_channel();
    crate::node::follow_channel(
        &edge.state.redis_url,
        &channel,
        "user events",
        || edge.me.deliver(None, &Delivery::CatchUp),
        |payload| {
            let Some(event) = UserEvent::from_message(payload) else {
                return;
            };
            if let Ok(user) = event.user.parse::<UserId>() {
                edge.me
                    .deliver(Some(user), &Delivery::Event(Arc::new(event)));
            }
        },
    )
    .await;
}

pub async fn upgrade(
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
            .retry_after(crate::socket::RETRY_FULL));
        }
        let permit = edge.connections.clone().try_acquire_owned().map_err(|_| {
            ApiError::new(ErrorCode::EdgeFull, "this node is full; try again shortly")
                .retry_after(crate::socket::RETRY_FULL)
        })?;
        let slot = edge.admit_ip_as(ip, false).ok_or_else(|| {
            ApiError::new(
                ErrorCode::TooManyConnections,
                "too many open sockets from your address",
            )
            .retry_after(crate::socket::RETRY_FULL)
        })?;
        Ok::<_, ApiError>((user, permit, slot))
    }
    .await;
    let (user, permit, slot) = match admitted {
        Ok(admitted) => admitted,
        Err(error) => return error.into_response(),
    };
    let ws = match crate::socket::configure_upgrade(ws, edge.config.max_message_bytes) {
        Ok(ws) => ws,
        Err(refused) => return refused.into_response(),
    };
    ws.on_upgrade(move |socket| async move {
        let _held = (permit, slot, crate::metrics::Open::new("me"));
        run(socket, &edge, user.user_id, user.session_id, query.last_seq).await;
    })
}

/// A frame of an event: `{"t":<kind>,"seq":<seq>, ...the event's fields}`.
fn event_frame(kind: &str, seq: u64, data: &str) -> String {
    let kind = serde_json::to_string(kind).unwrap_or_else(|_| "\"\"".to_owned());
    let rest = data
        .trim()
        .strip_prefix('{')
        .filter(|rest| rest.ends_with('}'))
        .unwrap_or("}");
    let sep = if rest.trim() == "}" { "" } else { "," };
    format!(r#"{{"t":{kind},"seq":{seq}{sep}{rest}"#)
}

/// Sends frames in order; false when the socket is gone.
async fn send_all<S>(sink: &mut S, frames: impl IntoIterator<Item = String>) -> bool
where
    S: SinkExt<Message> + Unpin,
{
    for frame in frames {
        let sent =
            tokio::time::timeout(WRITE_TIMEOUT, sink.send(Message::Text(frame.into()))).await;
        if !matches!(sent, Ok(Ok(()))) {
            return false;
        }
        metrics::counter!("whoosh_edge_user_events_out_total").increment(1);
    }
    true
}

/// The events after `after` (up to `upto`), as frames; `None` when the log no longer holds them.
async fn from_log(
    edge: &EdgeShared,
    user: UserId,
    after: u64,
    upto: Option<u64>,
) -> Option<Vec<(u64, String)>> {
    match edge
        .state
        .user_events
        .since(&user.to_string(), after, upto)
        .await
    {
        Ok(Catchup {
            events: Some(events),
            ..
        }) => Some(
            events
                .iter()
                .map(|e| (e.seq, event_frame(&e.kind, e.seq, &e.data)))
                .collect(),
        ),
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(%error, "user event log unavailable");
            None
        }
    }
}

#[derive(Debug, Deserialize)]
struct ClientFrame {
    t: String,
    #[serde(default)]
    nonce: Option<u64>,
}

async fn run(
    socket: WebSocket,
    edge: &Arc<EdgeShared>,
    user: UserId,
    session: Uuid,
    last_seq: Option<u64>,
) {
    let (mut sink, mut stream) = socket.split();
    let Some((_registration, mut inbox, mut kicked)) = edge.me.register(user, session) else {
        let error = crate::protocol::encode(
            "ERROR",
            0,
            &crate::protocol::ErrorBody {
                code: "too_many_connections",
                message: "too many open /ws/me sockets for this player",
            },
        );
        let _ = sink.send(Message::Text(error.into())).await;
        close(&mut sink, Close::policy("too many sockets")).await;
        return;
    };
    // Registered first, then the log: nothing published from now on can be missed.
    let events = &edge.state.user_events;
    let head = match events.head(&user.to_string()).await {
        Ok(head) => head,
        Err(error) => {
            tracing::warn!(%error, "user event log unavailable; socket refused");
            close(&mut sink, Close::going_away()).await;
            return;
        }
    };
    let replay = match last_seq {
        Some(n) if n <= head => from_log(edge, user, n, None).await,
        _ => None,
    };
    let mut last_sent = head;
    let replayed = replay.as_ref().map_or(0, Vec::len);
    if let Some(replay) = &replay {
        last_sent = replay.last().map_or(head, |(seq, _)| (*seq).max(head));
    }
    let welcome = crate::protocol::encode(
        "WELCOME",
        last_sent,
        &serde_json::json!({
            "user_id": user,
            "resumed": replay.is_some(),
            "replayed": replayed,
        }),
    );
    let frames = replay
        .unwrap_or_default()
        .into_iter()
        .map(|(_, f)| f)
        .chain([welcome]);
    if !send_all(&mut sink, frames).await {
        return;
    }

    let mut allowance = Allowance::new(edge.config.message_rate);
    let mut keep_alive = KeepAlive::new(edge.config.idle_timeout);
    let ending = loop {
        tokio::select! {
            biased;
            how = &mut kicked => break how.ok(),
            () = whoosh_http::shutting_down() => break Some(Close::going_away()),
            delivery = inbox.recv() => {
                let Some(delivery) = delivery else { break None };
                let (upto, live) = match delivery {
                    Delivery::Event(e) if e.seq <= last_sent => continue,
                    Delivery::Event(e) if e.seq == last_sent + 1 => {
                        (e.seq, Some(event_frame(&e.kind, e.seq, &e.data)))
                    }
                    // A hole before this event, or a resubscription: fill it from the log.
                    Delivery::Event(e) => (e.seq, None),
                    Delivery::CatchUp => (u64::MAX, None),
                };
                let frames = match live {
                    Some(frame) => vec![(upto, frame)],
                    None => {
                        let bound = (upto != u64::MAX).then_some(upto);
                        match from_log(edge, user, last_sent, bound).await {
                            Some(frames) => frames,
                            None => break Some(Close::too_slow()),
                        }
                    }
                };
                let Some(newest) = frames.last().map(|(seq, _)| *seq) else { continue };
                if !send_all(&mut sink, frames.into_iter().map(|(_, f)| f)).await {
                    break None;
                }
                last_sent = newest;
            }
            frame = stream.next() => {
                keep_alive.seen();
                let text = match inbound(frame, &mut allowance) {
                    Inbound::Text(text) => text,
                    Inbound::Binary | Inbound::Control => continue,
                    Inbound::End(how) => break how,
                };
                let reply = match serde_json::from_str::<ClientFrame>(text.as_str()) {
                    Ok(ClientFrame { t, nonce }) if t == "PING" => crate::protocol::encode(
                        "PONG",
                        last_sent,
                        &serde_json::json!({ "nonce": nonce }),
                    ),
                    _ => crate::protocol::encode(
                        "ERROR",
                        last_sent,
                        &crate::protocol::ErrorBody {
                            code: "malformed_message",
                            message: "this channel takes PING only",
                        },
                    ),
                };
                if sink.send(Message::Text(reply.into())).await.is_err() {
                    break None;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_frames_put_kind_and_seq_first() {
        assert_eq!(
            event_frame("battle:begin", 7, r#"{"battle_id":"b"}"#),
            r#"{"t":"battle:begin","seq":7,"battle_id":"b"}"#
        );
        assert_eq!(
            event_frame("leaderboard", 1, "{}"),
            r#"{"t":"leaderboard","seq":1}"#
        );
    }
}
