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
//! under the same `Origin` allow-list and connection caps (the node admits it:
//! `node::upgrades::me`); a revoked session closes it with 1008.

use crate::transport::{
    WRITE_TIMEOUT,
    close::{Close, close},
    inbound::{Allowance, Inbound, inbound},
    keep_alive::KeepAlive,
};
use axum::extract::ws::{Message, WebSocket};
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
use whoosh_cache::{Catchup, UserEvent, UserEvents};
use whoosh_core::UserId;
use whoosh_http::config::EdgeConfig;

/// `/ws/me` sockets one user may hold on one node (devices, tabs).
pub const MAX_SOCKETS_PER_USER: usize = 8;
/// Events queued for one socket at most; a socket further behind is closed with 1013 (it resumes
/// from the log with `last_seq`).
pub const QUEUE: usize = 64;

/// What the node's subscriber hands a socket.
#[derive(Debug, Clone)]
pub(crate) enum Delivery {
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

    pub(crate) fn has_room(&self, user: UserId) -> bool {
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
    pub(crate) fn deliver(&self, user: Option<UserId>, delivery: &Delivery) {
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
    events: &UserEvents,
    user: UserId,
    after: u64,
    upto: Option<u64>,
) -> Option<Vec<(u64, String)>> {
    match events.since(&user.to_string(), after, upto).await {
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

/// An admitted `/ws/me` socket of `user`: registered in `hub`, caught up from the log, then live
/// events out and `PING`s answered until either side ends.
pub async fn run(
    socket: WebSocket,
    hub: &UserHub,
    events: &UserEvents,
    config: &EdgeConfig,
    user: UserId,
    session: Uuid,
    last_seq: Option<u64>,
) {
    let (mut sink, mut stream) = socket.split();
    let Some((_registration, mut inbox, mut kicked)) = hub.register(user, session) else {
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
    let head = match events.head(&user.to_string()).await {
        Ok(head) => head,
        Err(error) => {
            tracing::warn!(%error, "user event log unavailable; socket refused");
            close(&mut sink, Close::going_away()).await;
            return;
        }
    };
    let replay = match last_seq {
        Some(n) if n <= head => from_log(events, user, n, None).await,
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

    let mut allowance = Allowance::new(config.message_rate);
    let mut keep_alive = KeepAlive::new(config.idle_timeout);
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
                        match from_log(events, user, last_sent, bound).await {
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
