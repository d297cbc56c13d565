//! A lobby on more than one node over its life: the snapshot written after every game second (the
//! writer also renews the lease), resuming from one, and handing the lobby over when the node
//! drains.

use super::state::{Host, Lobby, Phase, Stream};
use serde::{Deserialize, Serialize};
use std::{
    collections::VecDeque,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::watch;
use whoosh_core::{
    UserId,
    game::{ChatLimiter, Game},
    room::Room,
};

/// What another node needs to carry a lobby on: written to Redis after every tick.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LobbySnapshot {
    room: Room,
    game: Option<Game>,
    phase: Phase,
    started_at_ms: Option<i64>,
    /// Each player's name and the last `seq` of their stream (numbering goes on after a resume).
    streams: Vec<(UserId, String, u64)>,
}

/// How far event numbering jumps when a lobby resumes from a snapshot (more than the events one
/// tick can produce), so that numbers the previous owner used after its last snapshot are never
/// reused; returning players get a `WELCOME` with `resumed: false` and the whole state.
pub const RESUME_SEQ_GAP: u64 = 1_000;

/// How long a snapshot outlives its last write (a lobby nobody returns to is forgotten).
pub const SNAPSHOT_TTL: Duration = Duration::from_secs(600);

/// The lobby's snapshot writer: writes the latest snapshot it is handed (older ones are skipped
/// when Redis is slower than the tick) and renews the lease; the tick never waits for it.
pub(super) fn spawn_writer(
    edge: &Arc<dyn Host>,
    id: &str,
    epoch: u64,
) -> (watch::Sender<Option<Arc<str>>>, Arc<AtomicBool>) {
    let (tx, mut rx) = watch::channel::<Option<Arc<str>>>(None);
    let fenced = Arc::new(AtomicBool::new(false));
    let flag = fenced.clone();
    let edge = edge.clone();
    let id = id.to_owned();
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let Some(snapshot) = rx.borrow_and_update().clone() else {
                continue;
            };
            let config = edge.config();
            match edge
                .state()
                .lobbies
                .save_snapshot(
                    &id,
                    &config.node_id,
                    epoch,
                    &snapshot,
                    config.lease_ttl,
                    SNAPSHOT_TTL,
                )
                .await
            {
                Ok(true) => {
                    let hot = crate::metrics::hot();
                    hot.snapshot_writes.increment(1);
                    hot.snapshot_bytes.increment(snapshot.len() as u64);
                }
                Ok(false) => {
                    tracing::warn!(lobby_id = %id, epoch, "another node took this lobby over; stopping here");
                    flag.store(true, Ordering::Relaxed);
                    break;
                }
                Err(error) => {
                    metrics::counter!("whoosh_edge_snapshot_failures_total").increment(1);
                    tracing::warn!(lobby_id = %id, %error, "snapshot not written");
                }
            }
        }
    });
    (tx, fenced)
}

impl Lobby {
    /// Carries on from a snapshot: every seat starts dropped, with the grace window to return.
    pub(super) fn resume(&mut self, snapshot: LobbySnapshot) {
        let now = Instant::now();
        self.room = snapshot.room;
        self.game = snapshot.game;
        self.phase = snapshot.phase;
        self.started_at = snapshot.started_at_ms.and_then(|ms| {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
        });
        for (user, name, seq) in snapshot.streams {
            let _ = self.room.set_connected(user, false);
            self.streams.insert(
                user,
                Stream {
                    name,
                    // The previous owner may have sent events after its last snapshot: numbering
                    // jumps past any number it could have used, so none is ever reused.
                    seq: seq + RESUME_SEQ_GAP,
                    replay: VecDeque::new(),
                    conn: None,
                    dropped_at: Some(now),
                    chat: ChatLimiter::new(),
                },
            );
        }
        if self.phase == Phase::Over {
            self.finished = Some(now);
            // The previous owner may have died before writing the result; writing it again is
            // harmless (idempotent by match id).
            if let Some(outcome) = self.game.as_ref().and_then(|g| g.outcome()).cloned() {
                self.submit_results(&outcome);
            }
        }
        metrics::counter!("whoosh_edge_lobbies_resumed_total").increment(1);
        tracing::info!(lobby_id = %self.record.id, epoch = self.epoch, phase = ?self.phase, "lobby resumed from its snapshot");
    }

    fn snapshot_of(&self) -> LobbySnapshot {
        LobbySnapshot {
            room: self.room.clone(),
            game: self.game.clone(),
            phase: self.phase,
            started_at_ms: self
                .started_at
                .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64),
            streams: self
                .streams
                .iter()
                .map(|(user, s)| (*user, s.name.clone(), s.seq))
                .collect(),
        }
    }

    /// Hands the latest state to the snapshot writer (latest wins; never waits).
    pub(super) fn snapshot(&self) {
        if let Ok(json) = serde_json::to_string(&self.snapshot_of()) {
            self.snapshots.send_replace(Some(json.into()));
        }
    }

    /// Whether the running game ends before the node's drain deadline (with a margin).
    pub(super) fn finishes_before_deadline(&self) -> bool {
        let Some(game) = self.game.as_ref().filter(|_| self.phase == Phase::Playing) else {
            return false;
        };
        let left = self.edge.config().tick * game.remaining_secs();
        left + Duration::from_secs(5) < self.edge.config().drain_timeout
    }

    /// Leaves the lobby for another node: the final snapshot is written (awaited, fenced), the
    /// lease released, and the players are told to reconnect (1001).
    pub(super) async fn hand_over(&mut self) {
        let config = self.edge.config();
        let lobbies = &self.edge.state().lobbies;
        let id = &self.record.id;
        if self.phase != Phase::Over {
            if let Ok(json) = serde_json::to_string(&self.snapshot_of()) {
                match lobbies
                    .save_snapshot(
                        id,
                        &config.node_id,
                        self.epoch,
                        &json,
                        config.lease_ttl,
                        SNAPSHOT_TTL,
                    )
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(lobby_id = %id, "fenced while handing over"),
                    Err(error) => {
                        tracing::error!(lobby_id = %id, %error, "final snapshot not written; players resume from the previous one")
                    }
                }
            }
        }
        if let Err(error) = lobbies.release(id, &config.node_id).await {
            tracing::warn!(lobby_id = %id, %error, "lease not released; another node takes over when it lapses");
        }
        tracing::info!(lobby_id = %id, phase = ?self.phase, "node draining; lobby handed over");
    }
}
