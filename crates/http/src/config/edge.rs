//! The edge game node: who it is, where players reach it, and the limits of its sockets and games.

use super::env::{Env, LocalDir, rate, secs};
use std::{path::PathBuf, time::Duration};
use whoosh_cache::Rate;

/// The edge game node (see the module docs).
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// This node's id in the registry (on EKS the pod name).
    pub node_id: String,
    /// Where players reach this node (`ws://` or `wss://` origin, no path).
    pub public_url: String,
    /// Where other edge nodes reach this one, to forward sockets to a lobby's owner (on EKS the
    /// pod address).
    pub internal_url: String,
    pub region: String,
    /// Players this node takes at most (the matchmaker places lobbies within it).
    pub capacity: u32,
    /// Open WebSockets at most; beyond it upgrades are refused with 503.
    pub max_connections: usize,
    /// Open WebSockets per client address at most; beyond it upgrades are refused with 429.
    pub max_connections_per_ip: u32,
    /// Largest message a client may send; larger closes the socket with 1009.
    pub max_message_bytes: usize,
    /// Messages a client may send per period; more closes the socket with 1008.
    pub message_rate: Rate,
    /// Messages queued for one socket at most; a socket further behind is dropped.
    pub outbound_queue: usize,
    /// A socket silent this long (no frame, no pong) is closed.
    pub idle_timeout: Duration,
    /// How long a dropped player keeps the seat.
    pub reconnect_grace: Duration,
    /// One game second (1 s in play; tests and demos run faster).
    pub tick: Duration,
    /// Game ticks per game second (1–30): each lobby ticks, and sends `TICK`, this often. The
    /// rules keep heat per second and round lengths in seconds at every rate.
    pub tick_hz: u32,
    /// Forces every game's round length (seconds); for tests and demos only.
    pub round_secs_override: Option<u32>,
    /// A matched lobby starts when every member is in, or after this wait with at least three.
    pub quick_start_wait: Duration,
    /// Registry heartbeat TTL (heartbeats go out every third of it).
    pub heartbeat_ttl: Duration,
    /// A lobby owner's lease, renewed with every snapshot (each tick); once it lapses another
    /// node may take the lobby over from its snapshot.
    pub lease_ttl: Duration,
    /// On SIGTERM, games that can finish within this time finish here; the others are handed
    /// over at once. The process exits when every lobby has ended or moved, or at this deadline.
    pub drain_timeout: Duration,
    /// Where results wait when neither PostgreSQL nor Redis takes them.
    pub outbox_dir: PathBuf,
}

impl EdgeConfig {
    /// `public_url` is the URL players open; the edge's own URLs default to it.
    pub(super) fn load(env: &mut Env, public_url: &str) -> Self {
        let edge_public_url = env
            .get("EDGE_PUBLIC_URL", public_url.replacen("http", "ws", 1))
            .trim_end_matches('/')
            .to_owned();
        let edge = Self {
            internal_url: env
                .get("EDGE_INTERNAL_URL", edge_public_url.clone())
                .trim_end_matches('/')
                .to_owned(),
            lease_ttl: env.get("EDGE_LEASE_TTL", secs(5)).0,
            drain_timeout: env.get("EDGE_DRAIN_TIMEOUT", secs(60)).0,
            node_id: env.get(
                "EDGE_NODE_ID",
                format!("edge-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
            ),
            public_url: edge_public_url,
            region: env.get("EDGE_REGION", "local".to_owned()),
            capacity: env.get("EDGE_CAPACITY", 5_000),
            max_connections: env.get("EDGE_MAX_CONNECTIONS", 10_000),
            max_connections_per_ip: env.get("EDGE_MAX_CONNECTIONS_PER_IP", 32),
            max_message_bytes: env.get("EDGE_MAX_MESSAGE_BYTES", 4_096),
            message_rate: env.get("EDGE_MESSAGE_RATE", rate(20, 1)).0,
            outbound_queue: env.get("EDGE_OUTBOUND_QUEUE", 64),
            idle_timeout: env.get("EDGE_IDLE_TIMEOUT", secs(60)).0,
            reconnect_grace: env.get("EDGE_RECONNECT_GRACE", secs(30)).0,
            tick: env.get("EDGE_TICK", secs(1)).0,
            tick_hz: env.get("EDGE_TICK_HZ", 1),
            round_secs_override: env.optional("EDGE_ROUND_SECS_OVERRIDE"),
            quick_start_wait: env.get("EDGE_QUICK_START_WAIT", secs(20)).0,
            heartbeat_ttl: env.get("EDGE_HEARTBEAT_TTL", secs(15)).0,
            outbox_dir: env
                .get("EDGE_OUTBOX_DIR", LocalDir(PathBuf::from(".whoosh/outbox")))
                .0,
        };
        env.positive("EDGE_CAPACITY", edge.capacity);
        env.positive("EDGE_MAX_CONNECTIONS", edge.max_connections);
        env.positive("EDGE_MAX_CONNECTIONS_PER_IP", edge.max_connections_per_ip);
        env.positive("EDGE_MAX_MESSAGE_BYTES", edge.max_message_bytes);
        env.positive("EDGE_OUTBOUND_QUEUE", edge.outbound_queue);
        if !(1..=whoosh_core::game::MAX_TICK_HZ).contains(&edge.tick_hz) {
            env.problem(format!(
                "EDGE_TICK_HZ={}: must be 1 to {}",
                edge.tick_hz,
                whoosh_core::game::MAX_TICK_HZ
            ));
        }
        edge
    }
}
