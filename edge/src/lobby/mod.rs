//! One lobby, one task. The actor owns the room, the game and every player's message stream;
//! sockets talk to it through a bounded channel and it applies their messages in order. A tick
//! every game second drives the clock. Broadcasting never waits: each socket has a bounded
//! outbound queue, and a socket whose queue is full is dropped (its player may resume).
//!
//! Each player has a stream of numbered events (`seq` 1, 2, 3, … without gaps: `GAME_STARTED`,
//! `NEWS`, `CHAT`, `GAME_OVER`, `ERROR`, `PONG`). State messages (`WELCOME`, `LOBBY`, `TICK`)
//! carry the number of the latest event and are not numbered themselves: each supersedes the
//! previous one. The last [`REPLAY_CAPACITY`] events are kept, so a player who drops and returns
//! within the grace window with `last_seq` is sent exactly the events after it, then a fresh
//! `WELCOME` holding the whole current state. Keeping only events (not the state messages that a
//! `WELCOME` replaces) keeps the buffer to a few hundred bytes per player.
//!
//! - [`state`]: what a lobby is made of, and what it needs of the node ([`Host`]);
//! - this module: the actor's state machine (commands, joins, the tick, the game's start and end);
//! - [`views`]: the messages built from the lobby's state (`LOBBY`, `TICK`);
//! - [`streams`]: each player's numbered stream, and queueing to their socket;
//! - [`snapshot`]: snapshots, resume and hand-over;
//! - [`directory`]: the lobby's state and join code in the directory;
//! - [`socket`]: a player's socket once admitted: frames in, queued messages written out.

mod directory;
pub mod snapshot;
pub mod socket;
pub mod state;
pub mod streams;
pub mod views;

pub use snapshot::{LobbySnapshot, RESUME_SEQ_GAP, SNAPSHOT_TTL};
pub use state::{
    Command, Conn, Entrant, Host, INBOX_CAPACITY, LINGER_AFTER_GAME, LobbyHandle, REPLAY_CAPACITY,
};

use crate::{protocol::ClientMessage, results, transport::close::Close};
use axum::extract::ws::Utf8Bytes;
use serde_json::json;
use state::{Lobby, Phase, Stream};
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, atomic::Ordering},
    time::Instant,
};
use tokio::sync::mpsc;
use whoosh_cache::{LobbyKind, LobbyRecord};
use whoosh_core::{
    UserId,
    game::{ChatLimiter, ChatText, Game, GameEvent, Rejection},
    room::{GameConfig, Room, RoomSettings, Seat},
};

/// Starts the actor of `record` under ownership `epoch`, carrying on from `resume` when another
/// node (or an earlier run of this one) left a snapshot, and returns its mailbox.
pub fn spawn(
    edge: Arc<dyn Host>,
    record: LobbyRecord,
    epoch: u64,
    resume: Option<LobbySnapshot>,
) -> LobbyHandle {
    let (tx, rx) = mpsc::channel(INBOX_CAPACITY);
    let settings = RoomSettings::new(
        record
            .round_secs
            .clamp(RoomSettings::MIN_ROUND_SECS, RoomSettings::MAX_ROUND_SECS),
        record.max_players.clamp(3, 10),
    )
    .or_else(|_| RoomSettings::quick_match(10))
    .expect("clamped settings are valid");
    let host: Option<UserId> = record.host.as_deref().and_then(|h| h.parse().ok());
    let room = match host {
        // The host's seat exists from the start (so only they can start the game); it fills in
        // with their name when they connect.
        Some(host) => Room::private(
            Seat {
                user: host,
                display_name: "host".to_owned(),
                rating: 0,
                games_played: 0,
                ready: false,
                connected: false,
            },
            settings,
        ),
        None => Room::quick_match(settings),
    };
    let game_config = GameConfig {
        round_secs_override: edge.config().round_secs_override,
        tick_hz: edge.config().tick_hz,
    };
    let (snapshots, fenced) = snapshot::spawn_writer(&edge, &record.id, epoch);
    let mut lobby = Lobby {
        room,
        game_config,
        epoch,
        snapshots,
        fenced,
        draining: false,
        edge,
        record,
        game: None,
        phase: Phase::Waiting,
        streams: HashMap::new(),
        created: Instant::now(),
        started_at: None,
        finished: None,
        parking: None,
        closing: false,
    };
    if let Some(snapshot) = resume {
        lobby.resume(snapshot);
    }
    tokio::spawn(lobby.run(rx));
    LobbyHandle { tx }
}

impl Lobby {
    async fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        let id = self.record.id.clone();
        metrics::gauge!("whoosh_edge_lobbies").increment(1.0);
        // A game resumed from another node keeps the rate it was dealt at.
        let hz = self
            .game
            .as_ref()
            .map_or(self.game_config.tick_hz, Game::tick_hz);
        let mut tick = tokio::time::interval(self.edge.config().tick / hz.max(1));
        // Snapshots go out once a game second whatever the rate: a node that dies loses less
        // than a second of play, as at 1 Hz, and Redis sees one write per lobby per second.
        let mut ticks_run = 0u64;
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        let mut ending = Close::normal("lobby closed");
        while !self.closing {
            tokio::select! {
                command = rx.recv() => match command {
                    Some(command) => self.handle(command),
                    None => break,
                },
                () = async {
                    match self.parking.as_mut() {
                        Some(parked) => drop(parked.await),
                        None => std::future::pending().await,
                    }
                } => {
                    self.parking = None;
                    self.announce_over();
                }
                scheduled = tick.tick() => {
                    crate::metrics::tick_lag(scheduled.elapsed());
                    self.on_tick();
                    if self.fenced.load(Ordering::Relaxed) {
                        ending = Close::going_away();
                        break;
                    }
                    ticks_run += 1;
                    if ticks_run % u64::from(hz.max(1)) == 0 {
                        self.snapshot();
                    }
                }
                () = whoosh_http::shutting_down(), if !self.draining => {
                    if self.finishes_before_deadline() {
                        tracing::info!(lobby_id = %id, "node draining; the game finishes here");
                        self.draining = true;
                    } else {
                        self.hand_over().await;
                        ending = Close::going_away();
                        break;
                    }
                }
            }
        }
        for stream in self.streams.values_mut() {
            if let Some(conn) = stream.conn.take() {
                let _ = conn.close.send(ending);
            }
        }
        rx.close();
        self.edge.forget_lobby(&id);
        metrics::gauge!("whoosh_edge_lobbies").decrement(1.0);
        tracing::info!(lobby_id = %id, phase = ?self.phase, "lobby ended");
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Join {
                entrant,
                conn,
                last_seq,
                reply,
            } => {
                let outcome = self.join(entrant, conn, last_seq);
                let _ = reply.send(outcome);
            }
            Command::Message {
                user,
                conn,
                message,
            } => {
                if self.is_current(user, conn) {
                    self.on_message(user, message);
                }
            }
            Command::Reject {
                user,
                conn,
                code,
                message,
            } => {
                if self.is_current(user, conn) {
                    self.send_error(user, code, message);
                }
            }
            Command::Left { user, conn } => {
                if self.is_current(user, conn) {
                    self.disconnect(user, None);
                }
            }
            Command::Revoke { user } => {
                if self.streams.get(&user).is_some_and(|s| s.conn.is_some()) {
                    self.disconnect(user, Some(Close::policy("session revoked")));
                }
            }
        }
    }

    fn is_current(&self, user: UserId, conn: u64) -> bool {
        self.streams
            .get(&user)
            .and_then(|s| s.conn.as_ref())
            .is_some_and(|c| c.id == conn)
    }

    fn join(
        &mut self,
        entrant: Entrant,
        conn: Conn,
        last_seq: Option<u64>,
    ) -> Result<(), Rejection> {
        let user = entrant.user;
        if self.phase != Phase::Waiting && !self.streams.contains_key(&user) {
            return Err(Rejection::GameAlreadyStarted);
        }
        if self.phase == Phase::Waiting {
            self.room.join(Seat {
                user,
                display_name: entrant.name.clone(),
                rating: entrant.rating,
                games_played: entrant.games_played,
                ready: false,
                connected: true,
            })?;
        }
        if let Some(game) = &mut self.game {
            game.set_connected(user, true);
        }
        let stream = self.streams.entry(user).or_insert_with(|| Stream {
            name: entrant.name,
            seq: 0,
            replay: VecDeque::new(),
            conn: None,
            dropped_at: None,
            chat: ChatLimiter::new(),
        });
        if let Some(old) = stream.conn.take() {
            let _ = old.close.send(Close::replaced());
        }
        stream.dropped_at = None;
        // Resume: the messages after `last_seq`, if the buffer still holds all of them.
        let missed: Vec<Utf8Bytes> = match last_seq {
            Some(last) if last <= stream.seq => {
                let first_kept = stream.replay.front().map_or(stream.seq + 1, |(s, _)| *s);
                if last + 1 >= first_kept {
                    stream
                        .replay
                        .iter()
                        .filter(|(s, _)| *s > last)
                        .map(|(_, m)| m.clone())
                        .collect()
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        };
        // The replay and the WELCOME must fit the fresh socket's queue; a longer gap gets the
        // snapshot alone (resumed: false), never a partial replay.
        let missed = if missed.len() < conn.tx.capacity() {
            missed
        } else {
            Vec::new()
        };
        let resumed = last_seq.is_some_and(|last| last == stream.seq || !missed.is_empty());
        for message in &missed {
            let _ = conn.tx.try_send(message.clone());
        }
        stream.conn = Some(conn);
        let welcome = json!({
            "lobby": self.lobby_view(),
            "you": { "user_id": user },
            "game": self.game.as_ref().and_then(|g| g.view_for(user)),
            "resumed": resumed,
            "replayed": missed.len(),
        });
        self.send_state(user, "WELCOME", &welcome);
        self.broadcast_lobby();
        Ok(())
    }

    fn on_message(&mut self, user: UserId, message: ClientMessage) {
        let outcome = match message {
            ClientMessage::Suspect { target } => match &mut self.game {
                Some(game) => game.suspect(user, target),
                None => Err(Rejection::GameNotStarted),
            },
            ClientMessage::Chat { text } => self.chat(user, &text),
            ClientMessage::Ready { ready } => {
                if self.phase != Phase::Waiting {
                    Err(Rejection::GameAlreadyStarted)
                } else {
                    self.room
                        .set_ready(user, ready)
                        .map(|()| self.broadcast_lobby())
                }
            }
            ClientMessage::Start => self.start_private(user),
            ClientMessage::Ping { nonce } => {
                self.send(user, "PONG", &json!({ "nonce": nonce }));
                Ok(())
            }
        };
        if let Err(rejection) = outcome {
            self.send_error(user, rejection.code(), &rejection.to_string());
        }
    }

    fn chat(&mut self, user: UserId, text: &str) -> Result<(), Rejection> {
        let text = ChatText::parse(text)?;
        let now_ms = self.created.elapsed().as_millis() as u64;
        let stream = self.streams.get_mut(&user).ok_or(Rejection::NotInGame)?;
        stream.chat.admit(now_ms)?;
        let body = json!({ "from": user, "name": stream.name, "text": text.as_str() });
        self.broadcast("CHAT", &body);
        Ok(())
    }

    fn start_private(&mut self, user: UserId) -> Result<(), Rejection> {
        if self.phase != Phase::Waiting {
            return Err(Rejection::GameAlreadyStarted);
        }
        let game = self.room.start(user, rand::random(), &self.game_config)?;
        self.begin(game);
        Ok(())
    }

    fn begin(&mut self, game: Game) {
        self.game = Some(game);
        self.phase = Phase::Playing;
        self.started_at = Some(time::OffsetDateTime::now_utc());
        let edge = self.edge.clone();
        let id = self.record.id.clone();
        tokio::spawn(async move { directory::set_state(edge.state(), &id, "playing").await });
        if let (LobbyKind::Private, Some(code)) = (self.record.kind, self.record.code.clone()) {
            let edge = self.edge.clone();
            tokio::spawn(async move { directory::release_code(edge.state(), &code).await });
        }
        tracing::info!(lobby_id = %self.record.id, players = self.streams.len(), "game started");
        self.record_match_started();
        self.broadcast_lobby();
        for user in self.users() {
            let view = self.game.as_ref().and_then(|g| g.view_for(user));
            if let Some(view) = view {
                self.send(user, "GAME_STARTED", &json!({ "game": view }));
            }
        }
    }

    fn on_tick(&mut self) {
        let now = Instant::now();
        let grace = self.edge.config().reconnect_grace;
        let expired: Vec<UserId> = self
            .streams
            .iter()
            .filter(|(_, s)| {
                s.dropped_at
                    .is_some_and(|at| now.duration_since(at) >= grace)
            })
            .map(|(u, _)| *u)
            .collect();
        match self.phase {
            Phase::Waiting => {
                let changed = !expired.is_empty();
                for user in expired {
                    self.streams.remove(&user);
                    let _ = self.room.leave(user);
                }
                if changed {
                    self.broadcast_lobby();
                }
                self.maybe_quick_start();
                let idle = self.streams.values().all(|s| s.conn.is_none());
                if idle
                    && self.created.elapsed() >= grace.max(self.edge.config().quick_start_wait * 3)
                {
                    self.abandon();
                }
            }
            Phase::Playing => {
                // A seat counts as gone for the game (forfeits) only once its grace window ran out.
                for user in expired {
                    if let Some(stream) = self.streams.get_mut(&user) {
                        stream.dropped_at = None;
                    }
                    if let Some(game) = &mut self.game {
                        game.set_connected(user, false);
                    }
                }
                self.play_tick();
            }
            Phase::Over => {
                let gone = self.streams.values().all(|s| s.conn.is_none());
                if gone
                    || self
                        .finished
                        .is_some_and(|f| f.elapsed() >= LINGER_AFTER_GAME)
                {
                    self.closing = true;
                }
            }
        }
    }

    fn maybe_quick_start(&mut self) {
        if self.record.kind != LobbyKind::Match {
            return;
        }
        let connected = self.streams.values().filter(|s| s.conn.is_some()).count();
        let everyone = !self.record.members.is_empty() && connected >= self.record.members.len();
        let waited = self.created.elapsed() >= self.edge.config().quick_start_wait;
        if connected >= 3 && (everyone || waited) {
            match self.room.start_now(rand::random(), &self.game_config) {
                Ok(game) => self.begin(game),
                Err(rejection) => {
                    tracing::warn!(lobby_id = %self.record.id, code = rejection.code(), "quick match could not start");
                }
            }
        }
    }

    fn abandon(&mut self) {
        tracing::info!(lobby_id = %self.record.id, "lobby abandoned before its game started");
        let edge = self.edge.clone();
        let id = self.record.id.clone();
        tokio::spawn(async move { directory::set_state(edge.state(), &id, "abandoned").await });
        self.closing = true;
    }

    fn play_tick(&mut self) {
        let Some(game) = &mut self.game else { return };
        let events = game.tick();
        self.send_ticks();
        for event in events {
            match event {
                GameEvent::News(headline) => {
                    let text = headline.text(|id| self.name_of(id));
                    self.broadcast("NEWS", &json!({ "headline": headline, "text": text }));
                }
                GameEvent::Over(outcome) => {
                    self.phase = Phase::Over;
                    self.finished = Some(Instant::now());
                    let record = results::match_record(
                        &self.record,
                        self.started_at
                            .unwrap_or_else(time::OffsetDateTime::now_utc),
                        &outcome,
                    );
                    tracing::info!(lobby_id = %self.record.id, winner = %record.winner, reason = %record.reason, "game over");
                    // Parked first, announced after (`announce_over`): a result the players saw
                    // survives this node being killed the next moment.
                    self.parking = Some(self.edge.results().submit_parked(record));
                }
            }
        }
    }

    /// Tells every player the result, once it is parked in the outbox.
    fn announce_over(&mut self) {
        let Some(outcome) = self.game.as_ref().and_then(|g| g.outcome()).cloned() else {
            return;
        };
        for user in self.users() {
            let you = outcome.players.iter().find(|p| p.user == user);
            self.send(
                user,
                "GAME_OVER",
                &json!({ "outcome": outcome, "you": you }),
            );
        }
        self.broadcast_lobby();
        let edge = self.edge.clone();
        let id = self.record.id.clone();
        tokio::spawn(async move { directory::set_state(edge.state(), &id, "over").await });
    }

    /// One `match_started` analytics event per player, written off the lobby's task (a game
    /// never waits for analytics). Keyed by match and player, so a retry counts once; lost only
    /// if PostgreSQL is down at that moment (the `match_finished` events are exact: they are
    /// written with the result).
    fn record_match_started(&self) {
        use whoosh_store::analytics::{self, Event};
        let Ok(match_id) = uuid::Uuid::parse_str(&self.record.id) else {
            return;
        };
        let db = self.edge.state().db.clone();
        let mode = self.record.mode.clone();
        let users = self.users();
        tokio::spawn(async move {
            let players = u32::try_from(users.len()).unwrap_or(u32::MAX);
            for user in users {
                let user_id = *user.as_uuid();
                let started = Event::MatchStarted {
                    user_id,
                    match_id,
                    mode: mode.clone(),
                    players,
                };
                let key = format!("match_started:{match_id}:{user_id}");
                if let Err(error) = analytics::record_once(&db, &started, Some(&key)).await {
                    tracing::warn!(%error, %match_id, "match_started event not recorded");
                    return;
                }
            }
        });
    }

    fn submit_results(&self, outcome: &whoosh_core::game::Outcome) {
        let record = results::match_record(
            &self.record,
            self.started_at
                .unwrap_or_else(time::OffsetDateTime::now_utc),
            outcome,
        );
        tracing::info!(lobby_id = %self.record.id, winner = %record.winner, reason = %record.reason, "game over");
        self.edge.results().submit(record);
    }
}
