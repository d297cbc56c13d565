//! Pings every third of the idle timeout, and the end of a socket that stays silent.

use super::close::Close;
use axum::extract::ws::Message;
use futures_util::SinkExt;
use std::time::{Duration, Instant};

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
