//! `whoosh-bench bare-server`: the yardstick the edge is measured against. A lobby server with
//! nothing but the transport and the tick: tokio-tungstenite, one task per lobby owning its
//! seats, one `TICK` serialised per lobby per tick and shared by all its sockets (a reference
//! count, not a copy), 4 KiB read buffers, bounded outbound queues (a socket whose queue is full
//! is dropped, as the edge does). No authentication, no Redis, no snapshots, no secrets per
//! player, no metrics: what is left is what the transport costs, and the edge's figures are
//! read as a ratio of these.
//!
//! It speaks the part of the game protocol the load client uses (docs/PROTOCOL.md): a socket at
//! `/lobbies/{lobby}/{seat}` gets `WELCOME` (`you.user_id`); the first `START` of a lobby starts
//! its game (`GAME_STARTED` with `game.players[].user`, event `seq` 1); every tick sends `TICK`
//! (`seq`, `server_ms`, `remaining_secs`, each player's heat and suspicion count, the size of
//! the edge's view); `SUSPECT` points a seat's suspicion at a lobby mate, and heat grows by the
//! suspicions on a player per tick. A `SUSPECT` naming no mate is not applied (and not
//! answered); `READY` and anything else is read and ignored.

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::mpsc,
};
use tokio_tungstenite::tungstenite::{
    Message, Utf8Bytes,
    handshake::server::{Request, Response},
    protocol::WebSocketConfig,
};

/// Messages queued for one socket at most (as `EDGE_OUTBOUND_QUEUE`'s default).
pub const OUTBOUND_QUEUE: usize = 64;
/// Commands queued for one lobby at most (as the edge's `INBOX_CAPACITY`).
pub const INBOX: usize = 256;
/// Read buffer of each socket.
pub const READ_BUFFER: usize = 4 * 1024;
/// Largest frame a client may send.
pub const MAX_MESSAGE: usize = 16 * 1024;
/// Lobbies one server holds at most (each is a task and a map entry).
pub const MAX_LOBBIES: usize = 10_000;
/// A round's length on the clock; the bare game starts again at zero (it has no ending).
const ROUND_SECS: u32 = 180;

#[derive(Debug, Clone)]
pub struct Options {
    pub bind: SocketAddr,
    pub lobby_size: usize,
    pub tick: Duration,
}

/// What a socket tells its lobby.
enum Command {
    Join {
        seat: usize,
        tx: mpsc::Sender<Utf8Bytes>,
    },
    Start,
    Suspect {
        seat: usize,
        target: Option<String>,
    },
    Left {
        seat: usize,
    },
}

type Lobbies = Arc<Mutex<HashMap<u64, mpsc::Sender<Command>>>>;

/// Serves until the process is stopped.
pub async fn serve(o: Options) -> anyhow::Result<()> {
    anyhow::ensure!(
        (3..=10).contains(&o.lobby_size),
        "--lobby-size must be 3 to 10"
    );
    let listener = TcpListener::bind(o.bind)
        .await
        .with_context(|| format!("cannot listen on {}", o.bind))?;
    eprintln!("bare lobby server on ws://{}", listener.local_addr()?);
    let lobbies: Lobbies = Arc::default();
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            // Out of descriptors or similar: wait a moment rather than spin.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = tcp.set_nodelay(true);
        tokio::spawn(socket(tcp, lobbies.clone(), o.clone()));
    }
}

/// `/lobbies/{lobby}/{seat}` → (lobby, seat).
fn parse_path(path: &str, lobby_size: usize) -> Option<(u64, usize)> {
    let mut parts = path.strip_prefix("/lobbies/")?.split('/');
    let lobby = parts.next()?.parse().ok()?;
    let seat: usize = parts.next()?.parse().ok()?;
    (seat < lobby_size).then_some((lobby, seat))
}

fn lobby_of(lobbies: &Lobbies, id: u64, o: &Options) -> Option<mpsc::Sender<Command>> {
    let mut map = lobbies.lock().ok()?;
    if let Some(tx) = map.get(&id).filter(|tx| !tx.is_closed()) {
        return Some(tx.clone());
    }
    if map.len() >= MAX_LOBBIES {
        return None;
    }
    let (tx, rx) = mpsc::channel(INBOX);
    tokio::spawn(lobby(rx, o.lobby_size, o.tick));
    map.insert(id, tx.clone());
    Some(tx)
}

async fn socket(tcp: TcpStream, lobbies: Lobbies, o: Options) {
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let mut path = String::new();
    // The shape of the callback (and its large error type) is tungstenite's.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, response: Response| {
        path = request.uri().path().to_owned();
        Ok(response)
    };
    let Ok(ws) = tokio_tungstenite::accept_hdr_async_with_config(tcp, callback, Some(config)).await
    else {
        return;
    };
    let Some((id, seat)) = parse_path(&path, o.lobby_size) else {
        return;
    };
    let Some(lobby) = lobby_of(&lobbies, id, &o) else {
        return;
    };
    let (tx, mut outbound) = mpsc::channel(OUTBOUND_QUEUE);
    if lobby.send(Command::Join { seat, tx }).await.is_err() {
        return;
    }
    let (mut sink, mut stream) = ws.split();
    loop {
        tokio::select! {
            message = outbound.recv() => {
                let Some(text) = message else { break };
                if sink.send(Message::Text(text)).await.is_err() {
                    break;
                }
            }
            frame = stream.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                let command = match serde_json::from_str::<ClientMessage>(text.as_str()) {
                    Ok(ClientMessage { t: "SUSPECT", target }) => Command::Suspect { seat, target },
                    Ok(ClientMessage { t: "START", .. }) => Command::Start,
                    _ => continue,
                };
                if lobby.send(command).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = lobby.send(Command::Left { seat }).await;
}

#[derive(Deserialize)]
struct ClientMessage<'a> {
    #[serde(borrow)]
    t: &'a str,
    #[serde(default)]
    target: Option<String>,
}

struct Seat {
    user: String,
    tx: Option<mpsc::Sender<Utf8Bytes>>,
    target: Option<usize>,
    heat: u32,
}

#[derive(Serialize)]
struct Status<'a> {
    user: &'a str,
    heat: u32,
    suspected_by: u32,
    connected: bool,
    cleared: bool,
}

#[derive(Serialize)]
struct Tick<'a> {
    t: &'static str,
    seq: u64,
    server_ms: i64,
    round_secs: u32,
    remaining_secs: u32,
    players: Vec<Status<'a>>,
}

/// One lobby's task: seats, the game, the tick.
async fn lobby(mut rx: mpsc::Receiver<Command>, size: usize, tick: Duration) {
    let mut seats: Vec<Seat> = (0..size)
        .map(|_| Seat {
            user: uuid::Uuid::new_v4().to_string(),
            tx: None,
            target: None,
            heat: 0,
        })
        .collect();
    // Lobby-wide event numbers: the only event is GAME_STARTED, sent to every seat.
    let mut seq = 0u64;
    let mut playing = false;
    let mut remaining = ROUND_SECS;
    let mut every = tokio::time::interval(tick);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            command = rx.recv() => match command {
                None => break,
                Some(Command::Join { seat, tx }) => {
                    let welcome = format!(
                        r#"{{"t":"WELCOME","seq":{seq},"you":{{"user_id":"{}"}}}}"#,
                        seats[seat].user
                    );
                    let _ = tx.try_send(welcome.into());
                    seats[seat].tx = Some(tx);
                }
                Some(Command::Start) if !playing => {
                    playing = true;
                    seq += 1;
                    let players: Vec<_> = seats
                        .iter()
                        .map(|s| serde_json::json!({ "user": s.user }))
                        .collect();
                    let started = serde_json::json!({
                        "t": "GAME_STARTED", "seq": seq, "game": { "players": players },
                    });
                    broadcast(&mut seats, started.to_string().into());
                }
                Some(Command::Start) => {}
                Some(Command::Suspect { seat, target }) => {
                    let target = match target {
                        None => Some(None),
                        Some(user) => seats
                            .iter()
                            .position(|s| s.user == user)
                            .filter(|&t| t != seat)
                            .map(Some),
                    };
                    if let Some(target) = target {
                        seats[seat].target = target;
                    }
                }
                Some(Command::Left { seat }) => {
                    seats[seat].tx = None;
                    if seats.iter().all(|s| s.tx.is_none()) {
                        break;
                    }
                }
            },
            _ = every.tick(), if playing => {
                remaining = if remaining <= 1 { ROUND_SECS } else { remaining - 1 };
                let mut counts = vec![0u32; seats.len()];
                for seat in seats.iter().filter(|s| s.tx.is_some()) {
                    if let Some(t) = seat.target {
                        counts[t] += 1;
                    }
                }
                for (seat, n) in seats.iter_mut().zip(&counts) {
                    seat.heat = seat.heat.saturating_add(*n);
                }
                let tick = Tick {
                    t: "TICK",
                    seq,
                    server_ms: crate::client::unix_us() / 1000,
                    round_secs: ROUND_SECS,
                    remaining_secs: remaining,
                    players: seats
                        .iter()
                        .zip(&counts)
                        .map(|(s, &n)| Status {
                            user: &s.user,
                            heat: s.heat,
                            suspected_by: n,
                            connected: s.tx.is_some(),
                            cleared: false,
                        })
                        .collect(),
                };
                let Ok(text) = serde_json::to_string(&tick) else { continue };
                broadcast(&mut seats, text.into());
            }
        }
    }
}

/// Hands one message to every seat's socket without waiting; a full queue drops the socket.
fn broadcast(seats: &mut [Seat], text: Utf8Bytes) {
    for seat in seats {
        let full = seat
            .tx
            .as_ref()
            .is_some_and(|tx| tx.try_send(text.clone()).is_err());
        if full {
            seat.tx = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_path;

    #[test]
    fn paths_name_a_lobby_and_a_seat_within_its_size() {
        assert_eq!(parse_path("/lobbies/7/3", 10), Some((7, 3)));
        assert_eq!(parse_path("/lobbies/7/10", 10), None);
        assert_eq!(parse_path("/lobbies/x/1", 10), None);
        assert_eq!(parse_path("/other/7/1", 10), None);
    }
}
