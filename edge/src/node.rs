//! The node: what every socket and lobby of this process shares — the running lobbies, the
//! connection caps, the results writer — and its background tasks: the registry heartbeat, the
//! revocation listener and the outbox worker. Every task ends on shutdown.

use crate::{
    lobby::{self, Command, LobbyHandle},
    results::Results,
};
use futures_util::StreamExt;
use std::time::{Duration, Instant};
use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};
use tokio::sync::Semaphore;
use whoosh_cache::{EdgeNode, LobbyRecord};
use whoosh_core::UserId;
use whoosh_http::{AppState, config::EdgeConfig};

/// Pauses between attempts of a directory update; the last (zero) ends the attempts.
const DIRECTORY_RETRIES: [Duration; 5] = [
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::ZERO,
];

/// How the server ends a socket: a close code and a reason clients can show or act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: &'static str,
}

impl Close {
    pub const fn normal(reason: &'static str) -> Self {
        Self { code: 1000, reason }
    }
    /// The node is shutting down; reconnect (with `last_seq`) to resume.
    pub const fn going_away() -> Self {
        Self {
            code: 1001,
            reason: "server going away; reconnect to resume",
        }
    }
    pub const fn policy(reason: &'static str) -> Self {
        Self { code: 1008, reason }
    }
    pub const fn too_big() -> Self {
        Self {
            code: 1009,
            reason: "message too big",
        }
    }
    /// The socket's outbound queue overflowed.
    pub const fn too_slow() -> Self {
        Self {
            code: 1013,
            reason: "too slow; reconnect with last_seq to resume",
        }
    }
    /// Another socket took this seat.
    pub const fn replaced() -> Self {
        Self {
            code: 4000,
            reason: "replaced by a newer connection",
        }
    }
}

/// State shared by the node's sockets and lobbies.
#[derive(Debug)]
pub struct EdgeShared {
    pub state: AppState,
    pub config: EdgeConfig,
    pub results: Results,
    /// The `/ws/me` sockets of this node, by user.
    pub me: crate::me::UserHub,
    lobbies: Mutex<HashMap<String, LobbyHandle>>,
    pub connections: Arc<Semaphore>,
    per_ip: Mutex<HashMap<IpAddr, u32>>,
    next_conn: AtomicU64,
    players: AtomicU64,
    accepting: AtomicBool,
}

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
        let config = state.config.edge.clone();
        let shared = Arc::new(EdgeShared {
            results: Results::new(state.clone(), config.outbox_dir.clone()),
            me: crate::me::UserHub::default(),
            connections: Arc::new(Semaphore::new(config.max_connections)),
            state: state.clone(),
            config,
            lobbies: Mutex::default(),
            per_ip: Mutex::default(),
            next_conn: AtomicU64::new(1),
            players: AtomicU64::new(0),
            accepting: AtomicBool::new(true),
        });
        tokio::spawn(heartbeat(shared.clone()));
        tokio::spawn(revocations(shared.clone()));
        tokio::spawn(crate::me::listen(shared.clone()));
        tokio::spawn(shared.results.clone().run_worker());
        Self(shared)
    }
}

impl EdgeShared {
    /// The running lobby `record.id`, started under `epoch` (from `resume` when a snapshot was
    /// left) if it is not running on this node yet.
    pub fn lobby(
        self: &Arc<Self>,
        record: LobbyRecord,
        epoch: u64,
        resume: Option<lobby::LobbySnapshot>,
    ) -> LobbyHandle {
        let mut lobbies = self.lobbies.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(handle) = lobbies.get(&record.id).filter(|h| !h.tx.is_closed()) {
            return handle.clone();
        }
        let id = record.id.clone();
        let handle = lobby::spawn(self.clone(), record, epoch, resume);
        lobbies.insert(id, handle.clone());
        handle
    }

    /// Removes a lobby whose task ended.
    pub fn forget_lobby(&self, id: &str) {
        let mut lobbies = self.lobbies.lock().unwrap_or_else(|e| e.into_inner());
        if lobbies.get(id).is_some_and(|h| h.tx.is_closed()) {
            lobbies.remove(id);
        }
    }

    /// Whether lobby `id` runs on this node now.
    pub fn runs(&self, id: &str) -> bool {
        self.lobbies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .is_some_and(|h| !h.tx.is_closed())
    }

    /// The ids of the lobbies running on this node.
    pub fn lobby_ids(&self) -> Vec<String> {
        self.lobbies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(_, h)| !h.tx.is_closed())
            .map(|(id, _)| id.clone())
            .collect()
    }

    pub fn lobby_count(&self) -> usize {
        self.lobbies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|h| !h.tx.is_closed())
            .count()
    }

    fn all_lobbies(&self) -> Vec<LobbyHandle> {
        self.lobbies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    pub fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Counts a game socket of `ip` (a player, part of the node's load), or `None` when the
    /// address is at its cap.
    pub fn admit_ip(self: &Arc<Self>, ip: IpAddr) -> Option<IpSlot> {
        self.admit_ip_as(ip, true)
    }

    /// Counts a socket of `ip` against the per-address cap; `player` sockets also count in the
    /// load the matchmaker places lobbies by (a `/ws/me` socket does not).
    pub fn admit_ip_as(self: &Arc<Self>, ip: IpAddr, player: bool) -> Option<IpSlot> {
        let mut per_ip = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        let open = per_ip.entry(ip).or_insert(0);
        if *open >= self.config.max_connections_per_ip {
            return None;
        }
        *open += 1;
        if player {
            self.players.fetch_add(1, Ordering::Relaxed);
        }
        Some(IpSlot {
            edge: self.clone(),
            ip,
            player,
        })
    }

    pub fn is_accepting(&self) -> bool {
        self.accepting.load(Ordering::Relaxed)
    }

    /// Records the lobby's state in the directory, retrying through a short Redis outage (the
    /// matchmaker refuses joins to started lobbies by it).
    pub async fn set_lobby_state(&self, id: &str, state: &str) {
        for pause in DIRECTORY_RETRIES {
            match self.state.lobbies.set_state(id, state).await {
                Ok(()) => return,
                Err(error) if pause.is_zero() => {
                    tracing::warn!(lobby_id = id, %error, "could not record the lobby state in the directory");
                }
                Err(_) => tokio::time::sleep(pause).await,
            }
        }
    }

    /// Frees a started lobby's join code, retrying through a short Redis outage (else it frees
    /// itself when it expires with the lobby).
    pub async fn release_code(&self, code: &str) {
        for pause in DIRECTORY_RETRIES {
            match self.state.lobbies.release_code(code).await {
                Ok(()) => return,
                Err(error) if pause.is_zero() => {
                    tracing::warn!(%error, "could not release a join code");
                }
                Err(_) => tokio::time::sleep(pause).await,
            }
        }
    }

    fn node(&self) -> EdgeNode {
        EdgeNode {
            id: self.config.node_id.clone(),
            url: self.config.public_url.clone(),
            internal_url: self.config.internal_url.clone(),
            region: self.config.region.clone(),
            capacity: self.config.capacity,
            load: self.players.load(Ordering::Relaxed) as u32,
            accepting: self.is_accepting() && !whoosh_http::is_shutting_down(),
        }
    }
}

/// One open socket counted against its address; released on drop.
#[derive(Debug)]
pub struct IpSlot {
    edge: Arc<EdgeShared>,
    ip: IpAddr,
    player: bool,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut per_ip = self.edge.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = per_ip.get_mut(&self.ip) {
            *open -= 1;
            if *open == 0 {
                per_ip.remove(&self.ip);
            }
        }
        if self.player {
            self.edge.players.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Keeps this node in the registry every third of the TTL; leaves it on shutdown.
async fn heartbeat(edge: Arc<EdgeShared>) {
    let ttl = edge.config.heartbeat_ttl;
    let mut every = tokio::time::interval(ttl / 3);
    loop {
        tokio::select! {
            _ = every.tick() => {
                let node = edge.node();
                // Readiness follows the load: a full node takes no new players from the ALB.
                whoosh_http::health::set_at_capacity(node.load >= node.capacity);
                if let Err(error) = edge.state.nodes.heartbeat(&node, ttl).await {
                    tracing::warn!(%error, node = %edge.config.node_id, "registry heartbeat failed");
                }
                let lobbies = edge.lobby_ids();
                if let Err(error) = edge.state.nodes.publish_lobbies(&edge.config.node_id, &lobbies, ttl).await {
                    tracing::warn!(%error, node = %edge.config.node_id, "lobby list not published");
                }
            }
            () = whoosh_http::shutting_down() => break,
        }
    }
    if let Err(error) = edge
        .state
        .nodes
        .remove(&edge.config.node_id, &edge.config.region)
        .await
    {
        tracing::warn!(%error, "could not leave the registry");
    }
}

/// Closes the sockets of users whose sessions were revoked (logout everywhere, password change,
/// account deletion), as the auth and profiles services announce on Redis.
async fn revocations(edge: Arc<EdgeShared>) {
    #[derive(serde::Deserialize)]
    struct Revocation {
        user_id: UserId,
        #[serde(default)]
        sessions: Vec<uuid::Uuid>,
        #[serde(default)]
        all_sessions: bool,
    }
    let channel = edge.state.keys.revocations_channel();
    follow_channel(
        &edge.state.redis_url,
        &channel,
        "revocations",
        || {},
        |payload| {
            if let Ok(r) = serde_json::from_str::<Revocation>(payload) {
                for lobby in edge.all_lobbies() {
                    let _ = lobby.tx.try_send(Command::Revoke { user: r.user_id });
                }
                edge.me.revoke(r.user_id, &r.sessions, r.all_sessions);
            }
        },
    )
    .await;
}

/// Follows a Redis pub/sub `channel` until shutdown: `on_message` gets each payload, and
/// `on_subscribed` runs after every (re)subscription (messages published while the node was not
/// listening are gone, so a caller may need to catch up then). A failed subscription is retried,
/// and a dropped one renewed, a second later; both are logged as `what`.
pub(crate) async fn follow_channel(
    redis_url: &str,
    channel: &str,
    what: &str,
    mut on_subscribed: impl FnMut(),
    mut on_message: impl FnMut(&str),
) {
    loop {
        let subscribed = async {
            let client = redis::Client::open(redis_url)?;
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        }
        .await;
        match subscribed {
            Ok(pubsub) => {
                on_subscribed();
                let mut messages = pubsub.into_on_message();
                loop {
                    tokio::select! {
                        message = messages.next() => {
                            let Some(message) = message else { break };
                            let payload: String = message.get_payload().unwrap_or_default();
                            on_message(&payload);
                        }
                        () = whoosh_http::shutting_down() => return,
                    }
                }
                tracing::warn!("{what} subscription ended; reconnecting");
            }
            Err(error) => tracing::warn!(%error, "cannot subscribe to {what}; retrying"),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            () = whoosh_http::shutting_down() => return,
        }
    }
}
