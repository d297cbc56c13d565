//! Forwarding a player's socket to the node that owns their lobby.
//!
//! Behind the ALB and Global Accelerator every edge node answers at the same address, so a
//! player can land on any node. A node that does not own the lobby opens a socket to the owner's
//! internal address (from the registry) with the player's join token and a service token of its
//! own, and pumps frames both ways. The client sees one socket; limits and the game run on the
//! owner. When either side ends, the other is closed with the same code.

use axum::extract::ws::{self, WebSocket};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, http::HeaderValue};

/// Time to reach the owner before the client is told to retry.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

fn to_owner(message: ws::Message) -> tungstenite::Message {
    match message {
        ws::Message::Text(text) => tungstenite::Message::Text(text.as_str().into()),
        ws::Message::Binary(bytes) => tungstenite::Message::Binary(bytes),
        ws::Message::Ping(bytes) => tungstenite::Message::Ping(bytes),
        ws::Message::Pong(bytes) => tungstenite::Message::Pong(bytes),
        ws::Message::Close(frame) => {
            tungstenite::Message::Close(frame.map(|f| tungstenite::protocol::CloseFrame {
                code: f.code.into(),
                reason: f.reason.as_str().into(),
            }))
        }
    }
}

fn to_player(message: tungstenite::Message) -> Option<ws::Message> {
    Some(match message {
        tungstenite::Message::Text(text) => ws::Message::Text(text.as_str().into()),
        tungstenite::Message::Binary(bytes) => ws::Message::Binary(bytes),
        tungstenite::Message::Ping(bytes) => ws::Message::Ping(bytes),
        tungstenite::Message::Pong(bytes) => ws::Message::Pong(bytes),
        tungstenite::Message::Close(frame) => ws::Message::Close(frame.map(|f| ws::CloseFrame {
            code: f.code.into(),
            reason: f.reason.as_str().into(),
        })),
        tungstenite::Message::Frame(_) => return None,
    })
}

/// Pumps `player` to the owner at `target` until either side ends. `held` (the node's
/// connection slots) is released when the pump ends.
pub async fn pump<H>(
    player: WebSocket,
    target: String,
    join_token: String,
    forwarded_by: String,
    last_seq: Option<u64>,
    held: H,
) {
    let _held = (held, crate::metrics::Open::new("ws"));
    let url = match last_seq {
        Some(seq) => format!("{target}?last_seq={seq}"),
        None => target,
    };
    let (mut to_player_sink, mut from_player) = player.split();
    let upstream = async {
        let mut request = url.as_str().into_client_request()?;
        let headers = request.headers_mut();
        headers.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {join_token}"))
                .map_err(|e| tungstenite::Error::HttpFormat(e.into()))?,
        );
        headers.insert(
            super::upgrade::FORWARDED_BY,
            HeaderValue::from_str(&forwarded_by)
                .map_err(|e| tungstenite::Error::HttpFormat(e.into()))?,
        );
        tokio_tungstenite::connect_async(request).await
    };
    let owner = match tokio::time::timeout(CONNECT_TIMEOUT, upstream).await {
        Ok(Ok((owner, _))) => owner,
        outcome => {
            tracing::warn!(target = %url, ?outcome, "cannot reach the lobby's owner");
            let _ = to_player_sink
                .send(ws::Message::Close(Some(ws::CloseFrame {
                    code: 1013,
                    reason: "lobby owner unreachable; reconnect".into(),
                })))
                .await;
            return;
        }
    };
    metrics::counter!("whoosh_edge_forwarded_total").increment(1);
    let (mut to_owner_sink, mut from_owner) = owner.split();
    loop {
        tokio::select! {
            message = from_player.next() => match message {
                Some(Ok(message)) => {
                    let closing = matches!(message, ws::Message::Close(_));
                    if to_owner_sink.send(to_owner(message)).await.is_err() || closing {
                        break;
                    }
                }
                _ => {
                    let _ = to_owner_sink.send(tungstenite::Message::Close(None)).await;
                    break;
                }
            },
            message = from_owner.next() => match message {
                Some(Ok(message)) => {
                    let closing = matches!(message, tungstenite::Message::Close(_));
                    if let Some(message) = to_player(message) {
                        if to_player_sink.send(message).await.is_err() || closing {
                            break;
                        }
                    }
                }
                _ => {
                    let _ = to_player_sink
                        .send(ws::Message::Close(Some(ws::CloseFrame {
                            code: 1001,
                            reason: "server going away; reconnect to resume".into(),
                        })))
                        .await;
                    break;
                }
            },
        }
    }
}
