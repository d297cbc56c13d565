//! What every socket and lobby of this process shares: the running lobbies, the connection caps,
//! the results writer, the `/ws/me` hub.

use crate::{
    lobby::{self, Host, LobbyHandle},
    results::Results,
};
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
use whoosh_http::{AppState, config::EdgeConfig};

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

impl EdgeShared {
    /// The node's state, before any lobby or task (see [`Edge::start`](super::Edge::start)).
    pub(super) fn new(state: &AppState) -> Self {
        let config = state.config.edge.clone();
        Self {
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
        }
    }

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

    pub(super) fn all_lobbies(&self) -> Vec<LobbyHandle> {
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

    /// This node's registry entry, as the heartbeat writes it.
    pub(super) fn node(&self) -> EdgeNode {
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

impl Host for EdgeShared {
    fn state(&self) -> &AppState {
        &self.state
    }

    fn config(&self) -> &EdgeConfig {
        &self.config
    }

    fn results(&self) -> &Results {
        &self.results
    }

    /// Removes a lobby whose task ended.
    fn forget_lobby(&self, id: &str) {
        let mut lobbies = self.lobbies.lock().unwrap_or_else(|e| e.into_inner());
        if lobbies.get(id).is_some_and(|h| h.tx.is_closed()) {
            lobbies.remove(id);
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
