//! Live leaderboards over Server-Sent Events: `GET /sse/leaderboards/{board}`.
//!
//! Each event is the whole top N (`event: top`, JSON `{board, version, entries}`), so the latest
//! event supersedes every earlier one. Its id is the board's version, a counter in Redis shared by
//! every node, so a client that reconnects anywhere with `Last-Event-ID` is told nothing when it
//! is current and gets the latest snapshot when it is not — it can never miss a state.
//!
//! Fan-out: writers publish `<board> <version>` on one Redis channel; each node runs one
//! subscriber task that marks boards dirty, and one coalescing task per watched board that reads
//! the top N at once on the first change (then at most once per `COALESCE` during a burst) and
//! broadcasts it to that board's local clients over a bounded channel. A slow client lags and skips to the newest snapshot; it never holds
//! up the others or the writer.

use axum::{
    extract::{Path, State},
    http::HeaderMap,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures_util::StreamExt;
use serde_json::json;
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};
use tokio::sync::{OnceCell, broadcast};
use whoosh_http::{ApiError, AppState, leaderboards};

/// At most one snapshot per board this often, however many changes arrive.
pub const COALESCE: Duration = Duration::from_millis(250);
/// Snapshots a client may fall behind before it skips to the newest.
pub const CLIENT_BUFFER: usize = 8;
/// Keep-alive comment interval (well under the ALB's 300 s idle timeout).
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// One board's latest snapshot and its local subscribers.
struct BoardFeed {
    tx: broadcast::Sender<Arc<Snapshot>>,
    latest: Mutex<Option<Arc<Snapshot>>>,
    dirty: AtomicBool,
    wake: tokio::sync::Notify,
}

impl BoardFeed {
    fn touch(&self) {
        self.dirty.store(true, Ordering::Relaxed);
        self.wake.notify_one();
    }
}

#[derive(Debug)]
struct Snapshot {
    version: u64,
    data: String,
}

/// Every feed of this node. Started on first use; its tasks live as long as the process.
#[derive(Default)]
pub struct Feeds {
    boards: Mutex<HashMap<String, Arc<BoardFeed>>>,
    listener: OnceCell<()>,
}

impl std::fmt::Debug for Feeds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feeds").finish_non_exhaustive()
    }
}

impl Feeds {
    /// The feed of `board`, created (with its coalescing task) on first use.
    fn board(self: &Arc<Self>, state: &AppState, board: &str) -> Arc<BoardFeed> {
        let mut boards = self
            .boards
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(feed) = boards.get(board) {
            return feed.clone();
        }
        let (tx, _) = broadcast::channel(CLIENT_BUFFER);
        let feed = Arc::new(BoardFeed {
            tx,
            latest: Mutex::new(None),
            dirty: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
        });
        feed.touch();
        boards.insert(board.to_owned(), feed.clone());
        tokio::spawn(coalesce(state.clone(), board.to_owned(), feed.clone()));
        feed
    }

    /// Starts the node's subscriber to the changes channel, once.
    async fn listen(self: &Arc<Self>, state: &AppState) {
        let feeds = self.clone();
        let state = state.clone();
        self.listener
            .get_or_init(|| async move {
                tokio::spawn(subscribe(feeds, state));
            })
            .await;
    }

    fn mark_dirty(&self, board: &str) {
        let boards = self
            .boards
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(feed) = boards.get(board) {
            feed.touch();
        }
    }
}

/// Follows the changes channel, reconnecting after failures.
async fn subscribe(feeds: Arc<Feeds>, state: AppState) {
    let channel = state.keys.board_changes_channel();
    crate::node::tasks::follow_channel(
        &state.redis_url,
        &channel,
        "leaderboard changes",
        // Anything may have changed while we were not listening.
        || {
            for feed in feeds
                .boards
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .values()
            {
                feed.touch();
            }
        },
        |payload| {
            if let Some(board) = payload.split(' ').next() {
                feeds.mark_dirty(board);
            }
        },
    )
    .await;
}

/// Reads and broadcasts the board's top N as soon as it changes, then rests `COALESCE` so that a
/// burst of changes costs one more read, not one per change. Feeds live as long as the node.
async fn coalesce(state: AppState, board: String, feed: Arc<BoardFeed>) {
    loop {
        feed.wake.notified().await;
        if !feed.dirty.swap(false, Ordering::Relaxed) {
            continue;
        }
        let top_n = i64::from(state.config.leaderboards.top_n);
        let snapshot = async {
            let version = leaderboards::version(&state, &board).await.unwrap_or(0);
            let entries = leaderboards::top(&state, &board, 0, top_n).await?;
            let data =
                json!({ "board": board, "version": version, "entries": entries }).to_string();
            Ok::<_, ApiError>(Arc::new(Snapshot { version, data }))
        }
        .await;
        match snapshot {
            Ok(snapshot) => {
                *feed
                    .latest
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(snapshot.clone());
                let _ = feed.tx.send(snapshot);
            }
            Err(error) => {
                tracing::warn!(board, %error, "live leaderboard refresh failed; will retry");
                feed.touch();
            }
        }
        tokio::time::sleep(COALESCE).await;
    }
}

fn event(snapshot: &Snapshot) -> Event {
    Event::default()
        .event("top")
        .id(snapshot.version.to_string())
        .data(snapshot.data.clone())
}

/// `GET /sse/leaderboards/{board}`.
pub async fn leaderboard_feed(
    State(state): State<AppState>,
    axum::Extension(feeds): axum::Extension<Arc<Feeds>>,
    Path(board): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    whoosh_store::leaderboards::board(&state.db, &board)
        .await?
        .ok_or_else(ApiError::not_found)?;
    feeds.listen(&state).await;
    let feed = feeds.board(&state, &board);
    let rx = feed.tx.subscribe();
    let last_seen: Option<u64> = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let latest = feed
        .latest
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    // Send the latest snapshot at once unless the client already has it.
    let first = latest.filter(|s| Some(s.version) != last_seen || s.version == 0);
    let mut sent_version = first.as_ref().map(|s| s.version).or(last_seen);
    let initial =
        futures_util::stream::iter(first.map(|s| Ok::<_, std::convert::Infallible>(event(&s))));
    let updates = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(mut snapshot) => {
                    // Skip to the newest snapshot already waiting: it supersedes the others.
                    while let Ok(newer) = rx.try_recv() {
                        snapshot = newer;
                    }
                    return Some((snapshot, rx));
                }
                // Fell behind: skip to what is retained; the newest snapshot supersedes.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
    .filter_map(move |snapshot| {
        let fresh = Some(snapshot.version) != sent_version || snapshot.version == 0;
        if fresh {
            sent_version = Some(snapshot.version);
        }
        async move { fresh.then(|| Ok(event(&snapshot))) }
    });
    let open = crate::metrics::Open::new("sse");
    let stream = initial
        .chain(updates)
        .take_until(whoosh_http::serve::shutting_down())
        .map(move |event| {
            let _counted = &open;
            event
        });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response())
}
