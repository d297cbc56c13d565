//! Game results, from the lobby to PostgreSQL, exactly once.
//!
//! A finished game becomes a [`MatchRecord`] that `whoosh_store::matches::record` writes in one
//! transaction keyed by the match id, so writing it twice changes nothing. The record is parked
//! in the durable outbox *before* the players are told the result ([`Results::submit_parked`]),
//! written, then taken out; when PostgreSQL cannot take it, it stays and a worker retries until
//! it is written:
//!
//! 1. a Redis stream (`<prefix>outbox:{results}`) — replicated (ElastiCache Multi-AZ) and shared,
//!    so if this node dies any other node's worker writes the result;
//! 2. if Redis is down too, a file per match in `EDGE_OUTBOX_DIR` (written to a temporary name,
//!    synced, then renamed), which this node's worker drains when it can.
//!
//! Workers on several nodes may pick the same entry; the match id makes that harmless. An entry
//! leaves the outbox only after PostgreSQL committed it (or had it already).

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};
use tokio::sync::{Notify, oneshot};
use uuid::Uuid;
use whoosh_cache::LobbyRecord;
use whoosh_core::game::{EndReason, Outcome};
use whoosh_http::{AppState, leaderboards};
use whoosh_store::matches::{self, MatchRecord, PlayerRecord, RecordError};

/// How often the worker retries the outbox while it is not empty.
pub const RETRY_EVERY: Duration = Duration::from_secs(2);
/// Entries taken from the outbox per pass.
pub const BATCH: usize = 32;

/// The results of a finished game, in the form PostgreSQL stores.
pub fn match_record(
    lobby: &LobbyRecord,
    started_at: time::OffsetDateTime,
    outcome: &Outcome,
) -> MatchRecord {
    let id = Uuid::parse_str(&lobby.id).unwrap_or_else(|_| Uuid::new_v4());
    record_of(
        id,
        &lobby.mode,
        started_at,
        time::OffsetDateTime::now_utc(),
        outcome,
    )
}

/// The stored form of `outcome` for match `id`.
pub fn record_of(
    id: Uuid,
    mode: &str,
    started_at: time::OffsetDateTime,
    finished_at: time::OffsetDateTime,
    outcome: &Outcome,
) -> MatchRecord {
    MatchRecord {
        id,
        mode: mode.to_owned(),
        winner: outcome
            .winner
            .as_ref()
            .map_or_else(|| "none".to_owned(), wire),
        reason: match outcome.reason {
            EndReason::Exposed { .. } => "exposed",
            EndReason::TieAtTop => "tie_at_top",
            EndReason::Forfeit { .. } => "forfeit",
            EndReason::Abandoned => "abandoned",
        }
        .to_owned(),
        started_at,
        finished_at,
        players: outcome
            .players
            .iter()
            .map(|p| PlayerRecord {
                user_id: *p.user.as_uuid(),
                role: wire(&p.role),
                won: p.won,
                heat: i64::from(p.heat),
                final_suspect: p.final_suspect.map(|u| *u.as_uuid()),
                rating_delta: p.rating_delta,
                xp: i64::from(p.xp),
                coins: p.coins,
            })
            .collect(),
    }
}

/// The serde string form of a unit enum (`"agents"`, `"mole"`).
fn wire(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// One outbox stream entry: its id and its field/value pairs.
type StreamEntry = (String, Vec<(String, String)>);

/// Writes results and keeps the outbox.
#[derive(Debug, Clone)]
pub struct Results {
    state: AppState,
    dir: Arc<PathBuf>,
    wake: Arc<Notify>,
}

impl Results {
    pub fn new(state: AppState, dir: PathBuf) -> Self {
        Self {
            state,
            dir: Arc::new(dir),
            wake: Arc::new(Notify::new()),
        }
    }

    /// Writes `record` now, or parks it in the outbox; never loses it. For a result written again
    /// (a lobby resumed after its game ended), which its players already saw.
    pub fn submit(&self, record: MatchRecord) {
        let this = self.clone();
        tokio::spawn(async move {
            match this.write(&record).await {
                Ok(()) => {}
                Err(error) => {
                    tracing::warn!(match_id = %record.id, %error, "result not written; parking it in the outbox");
                    if this.park(&record).await.is_some() {
                        this.waiting();
                    }
                }
            }
        });
    }

    /// Parks `record` in the outbox first, then writes it to PostgreSQL and takes it out again.
    /// The answer resolves once the record is parked: the lobby tells its players the result only
    /// then, so a node killed after announcing a result cannot lose it (any node's worker writes
    /// what a dead node parked in the Redis stream).
    pub fn submit_parked(&self, record: MatchRecord) -> oneshot::Receiver<()> {
        let (parked, answer) = oneshot::channel();
        let this = self.clone();
        tokio::spawn(async move {
            let at = this.park(&record).await;
            let _ = parked.send(());
            match this.write(&record).await {
                Ok(()) => {
                    if let Some(at) = at {
                        this.unpark(at).await;
                    }
                }
                Err(error) => {
                    tracing::warn!(match_id = %record.id, %error, "result not written; it waits in the outbox");
                    if at.is_some() {
                        this.waiting();
                    }
                }
            }
        });
        answer
    }

    /// A parked record waits for the worker.
    fn waiting(&self) {
        metrics::counter!("whoosh_edge_outbox_parked_total").increment(1);
        self.wake.notify_one();
    }

    /// Stores `record` in the Redis stream, or failing that in a file; `None` (logged) when
    /// neither can take it.
    async fn park(&self, record: &MatchRecord) -> Option<Parked> {
        let json = serde_json::to_string(record).ok()?;
        match self.park_in_redis(&json).await {
            Ok(entry) => return Some(Parked::Stream(entry)),
            Err(error) => {
                tracing::warn!(match_id = %record.id, %error, "Redis outbox unavailable; writing the result to a file");
            }
        }
        match park_in_file(&self.dir, record.id, &json).await {
            Ok(path) => Some(Parked::File(path)),
            Err(error) => {
                tracing::error!(match_id = %record.id, %error, result = %json, "RESULT NOT PARKED: Redis and the outbox directory both failed; only this process holds it");
                None
            }
        }
    }

    /// Takes a written record out of the outbox (a worker that got there first did already).
    async fn unpark(&self, at: Parked) {
        match at {
            Parked::Stream(entry) => {
                let mut conn = self.state.redis.clone();
                let _ = redis::cmd("XDEL")
                    .arg(self.state.keys.results_outbox())
                    .arg(&entry)
                    .query_async::<i64>(&mut conn)
                    .await;
            }
            Parked::File(path) => {
                let _ = tokio::fs::remove_file(&path).await;
            }
        }
    }

    /// Writes `record` to PostgreSQL (once), then updates the board index and live feed.
    pub async fn write(&self, record: &MatchRecord) -> Result<(), RecordError> {
        if let Some(recorded) = matches::record(&self.state.db, record).await? {
            leaderboards::write_through(&self.state, &recorded.changed).await;
            tracing::info!(match_id = %record.id, players = record.players.len(), "match result recorded");
            if let Some(battle) = recorded.battle {
                whoosh_http::events::battle::finished(&self.state, &battle).await;
            }
        }
        Ok(())
    }

    /// Appends the record to the outbox stream; answers the entry's id.
    async fn park_in_redis(&self, json: &str) -> redis::RedisResult<String> {
        let mut conn = self.state.redis.clone();
        redis::cmd("XADD")
            .arg(self.state.keys.results_outbox())
            .arg("*")
            .arg("record")
            .arg(json)
            .query_async::<String>(&mut conn)
            .await
    }

    /// Retries the outbox until shutdown.
    pub async fn run_worker(self) {
        loop {
            tokio::select! {
                () = tokio::time::sleep(RETRY_EVERY) => {}
                () = self.wake.notified() => tokio::time::sleep(Duration::from_millis(200)).await,
                () = whoosh_http::shutting_down() => return,
            }
            let depth = self.drain().await;
            metrics::gauge!("whoosh_edge_outbox_depth").set(depth as f64);
        }
    }

    /// One pass over the outbox; returns the entries still waiting.
    pub async fn drain(&self) -> usize {
        self.drain_redis().await + self.drain_files().await
    }

    async fn drain_redis(&self) -> usize {
        let key = self.state.keys.results_outbox();
        let mut conn = self.state.redis.clone();
        let entries: redis::RedisResult<Vec<StreamEntry>> = redis::cmd("XRANGE")
            .arg(&key)
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(BATCH)
            .query_async(&mut conn)
            .await;
        let Ok(entries) = entries else { return 0 };
        for (id, fields) in entries {
            let Some(record) = fields
                .iter()
                .find(|(k, _)| k == "record")
                .and_then(|(_, v)| serde_json::from_str::<MatchRecord>(v).ok())
            else {
                tracing::error!(entry = %id, "unreadable outbox entry left in place");
                continue;
            };
            if self.write(&record).await.is_err() {
                break;
            }
            let _ = redis::cmd("XDEL")
                .arg(&key)
                .arg(&id)
                .query_async::<i64>(&mut conn)
                .await;
        }
        redis::cmd("XLEN")
            .arg(&key)
            .query_async::<usize>(&mut conn)
            .await
            .unwrap_or(0)
    }

    async fn drain_files(&self) -> usize {
        let Ok(mut dir) = tokio::fs::read_dir(&*self.dir).await else {
            return 0;
        };
        let mut left = 0;
        while let Ok(Some(entry)) = dir.next_entry().await {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let parsed = tokio::fs::read_to_string(&path)
                .await
                .ok()
                .and_then(|text| serde_json::from_str::<MatchRecord>(&text).ok());
            match parsed {
                Some(record) if self.write(&record).await.is_ok() => {
                    let _ = tokio::fs::remove_file(&path).await;
                }
                _ => left += 1,
            }
        }
        left
    }
}

/// Where a parked record waits: an entry of the outbox stream, or a file.
enum Parked {
    Stream(String),
    File(PathBuf),
}

async fn park_in_file(dir: &Path, id: Uuid, json: &str) -> std::io::Result<PathBuf> {
    use tokio::io::AsyncWriteExt;
    tokio::fs::create_dir_all(dir).await?;
    let temporary = dir.join(format!("{id}.tmp"));
    let mut file = tokio::fs::File::create(&temporary).await?;
    file.write_all(json.as_bytes()).await?;
    file.sync_all().await?;
    let path = dir.join(format!("{id}.json"));
    tokio::fs::rename(&temporary, &path).await?;
    Ok(path)
}
