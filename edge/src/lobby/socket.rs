//! A player's lobby socket once admitted (the admission is the node's): the socket's task reads
//! frames (size-capped, rate-capped, parsed into [`ClientMessage`]s for the lobby) and writes what
//! the lobby queues for it, each write under [`WRITE_TIMEOUT`]; it pings every third of the idle
//! timeout, and reaps a socket that stays silent for the whole of it.

use super::state::{Command, Conn, Entrant, LobbyHandle};
use crate::{
    protocol::{ClientMessage, ErrorBody, encode},
    transport::{
        WRITE_TIMEOUT,
        close::{Close, close},
        inbound::{Allowance, Inbound, inbound},
        keep_alive::KeepAlive,
    },
};
use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use whoosh_core::UserId;
use whoosh_http::config::EdgeConfig;

/// A player's admitted socket in `lobby`, as connection `conn_id`: joins (a refusal is an `ERROR`
/// and a close), serves until either side ends, then tells the lobby the socket left.
pub async fn run(
    socket: WebSocket,
    config: &EdgeConfig,
    lobby: &LobbyHandle,
    conn_id: u64,
    entrant: Entrant,
    last_seq: Option<u64>,
) {
    let user = entrant.user;
    let (tx, rx) = mpsc::channel(config.outbound_queue);
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
            serve(socket, config, lobby, user, conn_id, rx, close_rx).await;
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

/// The socket's life after joining: frames in, queued messages out, pings, until one side ends.
async fn serve(
    socket: WebSocket,
    config: &EdgeConfig,
    lobby: &LobbyHandle,
    user: UserId,
    conn: u64,
    mut outbound: mpsc::Receiver<Utf8Bytes>,
    mut kicked: oneshot::Receiver<Close>,
) {
    let (mut sink, mut stream) = socket.split();
    let mut allowance = Allowance::new(config.message_rate);
    let mut keep_alive = KeepAlive::new(config.idle_timeout);
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
