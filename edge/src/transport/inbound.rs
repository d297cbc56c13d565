//! A client's frames as the socket loops take them: the message allowance (a token bucket), the
//! kinds of frame, and the size cap's refusal.

use super::close::Close;
use axum::extract::ws::{Message, Utf8Bytes};
use std::time::Instant;

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

/// Whether a read failed because the client's frame or message exceeded the cap.
pub(crate) fn too_big(error: axum::Error) -> bool {
    let inner = error.into_inner();
    match inner.downcast_ref::<tungstenite::Error>() {
        Some(tungstenite::Error::Capacity(_)) => true,
        _ => inner.to_string().contains("Space limit exceeded"),
    }
}
