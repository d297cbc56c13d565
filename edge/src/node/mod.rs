//! The node, on top of the edge: what every socket and lobby of this process shares
//! ([`EdgeShared`]), the doors of its two kinds of game socket ([`upgrades`]: tokens, caps, leases,
//! forwarding), its background tasks ([`tasks`]: the registry heartbeat, the revocation and
//! user-event subscriptions, the outbox worker) and its drain. Every task ends on shutdown.

mod shared;
pub mod tasks;
pub mod upgrades;

pub use shared::{EdgeShared, IpSlot};

use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use whoosh_http::AppState;

/// The edge node of this process (cheap to clone).
#[derive(Debug, Clone)]
pub struct Edge(pub Arc<EdgeShared>);

impl Edge {
    /// After SIGTERM: waits until every lobby of this node has ended or moved, or until
    /// `EDGE_DRAIN_TIMEOUT`; returns how many were still running at the deadline.
    pub async fn drained(&self) -> usize {
        let deadline = Instant::now() + self.0.config.drain_timeout;
        loop {
            let running = self.0.lobby_count();
            if running == 0 || Instant::now() >= deadline {
                if running > 0 {
                    tracing::warn!(
                        running,
                        "drain deadline reached; exiting with lobbies running"
                    );
                } else {
                    tracing::info!("every lobby ended or moved; node drained");
                }
                return running;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Builds the node and starts its background tasks (heartbeat, revocations, outbox).
    pub fn start(state: &AppState) -> Self {
        let shared = Arc::new(EdgeShared::new(state));
        tokio::spawn(tasks::heartbeat(shared.clone()));
        tokio::spawn(tasks::revocations(shared.clone()));
        tokio::spawn(tasks::user_events(shared.clone()));
        tokio::spawn(shared.results.clone().run_worker());
        Self(shared)
    }
}
