//! What a lobby is made of: the actor's state, each player's stream, what sockets and the node send
//! it ([`Command`]), and what it needs of the node that runs it ([`Host`]).

use crate::{protocol::ClientMessage, results::Results, transport::close::Close};
use axum::extract::ws::Utf8Bytes;
use serde::{Deserialize, Serialize};
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, atomic::AtomicBool},
    time::{Duration, Instant},
};
use tokio::sync::{mpsc, oneshot, watch};
use whoosh_cache::LobbyRecord;
use whoosh_core::{
    UserId,
    game::{ChatLimiter, Game, Rejection},
    room::{GameConfig, Room},
};
use whoosh_http::{AppState, config::EdgeConfig};

/// What a lobby needs of the node that runs it.
pub trait Host: Send + Sync + 'static {
    fn state(&self) -> &AppState;
    fn config(&self) -> &EdgeConfig;
    /// Where game results go (exactly once, through the outbox).
    fn results(&self) -> &Results;
    /// The lobby's task ended: the node stops handing it sockets.
    fn forget_lobby(&self, id: &str);
}

/// Events kept per player for resumption (chat, news and the game's start and end: a 30 s grace
/// window holds a handful).
pub const REPLAY_CAPACITY: usize = 32;
/// Commands queued for one lobby at most; a socket waits (only itself) when the lobby is busy.
pub const INBOX_CAPACITY: usize = 256;
/// How long a finished lobby stays to answer late reconnects before its task ends.
pub const LINGER_AFTER_GAME: Duration = Duration::from_secs(30);

/// A player entering, as the socket handler learned it from the token and the database.
#[derive(Debug, Clone)]
pub struct Entrant {
    pub user: UserId,
    pub name: String,
    pub rating: i32,
    pub games_played: u32,
}

/// The lobby's side of one socket.
#[derive(Debug)]
pub struct Conn {
    pub id: u64,
    /// Messages for the socket: shared text (one allocation serves the replay buffer and the
    /// socket's write).
    pub tx: mpsc::Sender<Utf8Bytes>,
    pub close: oneshot::Sender<Close>,
}

/// What sockets and the node ask of a lobby.
#[derive(Debug)]
pub enum Command {
    Join {
        entrant: Entrant,
        conn: Conn,
        last_seq: Option<u64>,
        reply: oneshot::Sender<Result<(), Rejection>>,
    },
    Message {
        user: UserId,
        conn: u64,
        message: ClientMessage,
    },
    Left {
        user: UserId,
        conn: u64,
    },
    /// A frame the socket could not parse: answered with `ERROR` in the player's stream.
    Reject {
        user: UserId,
        conn: u64,
        code: &'static str,
        message: &'static str,
    },
    /// The user's sessions were revoked: close their socket with 1008.
    Revoke {
        user: UserId,
    },
}

/// A running lobby's mailbox.
#[derive(Debug, Clone)]
pub struct LobbyHandle {
    pub tx: mpsc::Sender<Command>,
}

/// One player's numbered message stream and current socket.
#[derive(Debug)]
pub(super) struct Stream {
    pub(super) name: String,
    pub(super) seq: u64,
    pub(super) replay: VecDeque<(u64, Utf8Bytes)>,
    pub(super) conn: Option<Conn>,
    pub(super) dropped_at: Option<Instant>,
    pub(super) chat: ChatLimiter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Phase {
    Waiting,
    Playing,
    Over,
}

pub(super) struct Lobby {
    pub(super) edge: Arc<dyn Host>,
    pub(super) game_config: GameConfig,
    /// Ownership epoch this node runs the lobby under; snapshot writes are fenced by it.
    pub(super) epoch: u64,
    pub(super) snapshots: watch::Sender<Option<Arc<str>>>,
    /// Set by the snapshot writer when another node took the lobby over.
    pub(super) fenced: Arc<AtomicBool>,
    /// The node is shutting down and this lobby finishes its game here.
    pub(super) draining: bool,
    pub(super) record: LobbyRecord,
    pub(super) room: Room,
    pub(super) game: Option<Game>,
    pub(super) phase: Phase,
    pub(super) streams: HashMap<UserId, Stream>,
    pub(super) created: Instant,
    pub(super) started_at: Option<time::OffsetDateTime>,
    pub(super) finished: Option<Instant>,
    /// The game is over and its result is being parked in the outbox: the players are told
    /// (`GAME_OVER`) once it resolves.
    pub(super) parking: Option<oneshot::Receiver<()>>,
    /// Set when the lobby's task should end.
    pub(super) closing: bool,
}
