//! The wire protocol of a lobby socket: JSON text frames tagged by `t`. docs/PROTOCOL.md is the
//! reference; this module is its code. Every server message carries `seq`, the number of the
//! message in this player's stream (1, 2, 3, … without gaps), which a client hands back as
//! `last_seq` when it reconnects.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use whoosh_core::UserId;

/// A message from a player.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "t", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClientMessage {
    /// Point suspicion at a player, or withdraw it with `null`.
    Suspect {
        target: Option<UserId>,
    },
    Chat {
        text: String,
    },
    /// Private lobbies: ready (or not) for the host to start.
    Ready {
        #[serde(default = "yes")]
        ready: bool,
    },
    /// Private lobbies: the host starts the game.
    Start,
    /// Answered with `PONG` (application-level latency probe; WebSocket pings run anyway).
    Ping {
        #[serde(default)]
        nonce: Option<u64>,
    },
}

fn yes() -> bool {
    true
}

/// Why a client frame was not understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Not a JSON object with a string `t`.
    Malformed,
    /// A `t` this server does not know.
    Unknown,
    /// A known `t` with fields of the wrong shape.
    Invalid,
}

impl ParseError {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Malformed => "malformed_message",
            Self::Unknown => "unknown_message",
            Self::Invalid => "invalid_message",
        }
    }

    pub const fn message(self) -> &'static str {
        match self {
            Self::Malformed => "expected a JSON object with a string field `t`",
            Self::Unknown => "unknown message type `t`",
            Self::Invalid => "the message's fields do not have the documented shape",
        }
    }
}

const KNOWN: [&str; 5] = ["SUSPECT", "CHAT", "READY", "START", "PING"];

impl ClientMessage {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let value: Value = serde_json::from_str(text).map_err(|_| ParseError::Malformed)?;
        let t = value
            .get("t")
            .and_then(Value::as_str)
            .ok_or(ParseError::Malformed)?;
        if !KNOWN.contains(&t) {
            return Err(ParseError::Unknown);
        }
        serde_json::from_value(value).map_err(|_| ParseError::Invalid)
    }
}

/// Builds one server message: `{"t": <kind>, "seq": <seq>, ...body}` (body: a struct or map).
pub fn encode(kind: &str, seq: u64, body: &impl Serialize) -> String {
    let mut out = head(kind, seq, 256);
    splice(&mut out, body);
    out.push(b'}');
    into_text(out)
}

/// `{"t":"<kind>","seq":<seq>` in a buffer of `capacity` bytes.
fn head(kind: &str, seq: u64, capacity: usize) -> Vec<u8> {
    use std::io::Write as _;
    let mut out = Vec::with_capacity(capacity);
    let _ = write!(out, r#"{{"t":"{kind}","seq":{seq}"#);
    out
}

/// Appends the fields of `body` (an object) to `out` as `,"a":…,"b":…`, without the braces:
/// serialised in place, its opening brace turned into the comma and its closing one dropped.
/// A body that is no object with fields adds nothing.
fn splice(out: &mut Vec<u8>, body: &impl Serialize) {
    let mark = out.len();
    let whole = serde_json::to_writer(&mut *out, body).is_ok();
    let fields = whole && out.len() > mark + 2 && out[mark] == b'{' && out.last() == Some(&b'}');
    if fields {
        out[mark] = b',';
        out.pop();
    } else {
        out.truncate(mark);
    }
}

fn into_text(out: Vec<u8>) -> String {
    // serde_json writes UTF-8 only, as does `head`.
    String::from_utf8(out).unwrap_or_default()
}

/// The `TICK`s of one lobby at one tick. The part every player sees alike (the clock, the public
/// state of every player, the send time) is serialised once; each player's message is its
/// secret part followed by that shared text. The message holds the same fields as a whole
/// [`whoosh_core::game::PlayerView`] with `server_ms` would.
#[derive(Debug)]
pub struct TickFrame {
    /// `,"round_secs":…,…,"server_ms":…}`: the end of every player's message.
    tail: Vec<u8>,
}

impl TickFrame {
    pub fn new(shared: &impl Serialize, server_ms: i128) -> Self {
        use std::io::Write as _;
        let mut tail = Vec::with_capacity(1024);
        splice(&mut tail, shared);
        let _ = write!(tail, r#","server_ms":{server_ms}}}"#);
        TickFrame { tail }
    }

    /// `{"t":"TICK","seq":<seq>,…secret,…shared}`.
    pub fn for_player(&self, seq: u64, secret: &impl Serialize) -> String {
        let mut out = head("TICK", seq, 160 + self.tail.len());
        splice(&mut out, secret);
        out.extend_from_slice(&self.tail);
        into_text(out)
    }
}

/// `ERROR` body.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    pub code: &'a str,
    pub message: &'a str,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_client_message() {
        let id = "0190d8a4-4c1e-7000-8000-000000000001";
        assert_eq!(
            ClientMessage::parse(&format!(r#"{{"t":"SUSPECT","target":"{id}"}}"#)),
            Ok(ClientMessage::Suspect {
                target: Some(id.parse().unwrap())
            })
        );
        assert_eq!(
            ClientMessage::parse(r#"{"t":"SUSPECT","target":null}"#),
            Ok(ClientMessage::Suspect { target: None })
        );
        assert_eq!(
            ClientMessage::parse(r#"{"t":"READY"}"#),
            Ok(ClientMessage::Ready { ready: true })
        );
        assert_eq!(
            ClientMessage::parse(r#"{"t":"START"}"#),
            Ok(ClientMessage::Start)
        );
    }

    #[test]
    fn tells_malformed_unknown_and_invalid_apart() {
        assert_eq!(ClientMessage::parse("{nope"), Err(ParseError::Malformed));
        assert_eq!(ClientMessage::parse("[1]"), Err(ParseError::Malformed));
        assert_eq!(
            ClientMessage::parse(r#"{"t":"DANCE"}"#),
            Err(ParseError::Unknown)
        );
        assert_eq!(
            ClientMessage::parse(r#"{"t":"SUSPECT","target":"not-a-uuid"}"#),
            Err(ParseError::Invalid)
        );
    }

    #[test]
    fn server_messages_lead_with_type_and_seq() {
        let text = encode(
            "ERROR",
            7,
            &ErrorBody {
                code: "x",
                message: "y",
            },
        );
        assert_eq!(text, r#"{"t":"ERROR","seq":7,"code":"x","message":"y"}"#);
        assert_eq!(
            encode("PONG", 3, &serde_json::json!({})),
            r#"{"t":"PONG","seq":3}"#
        );
    }

    /// The spliced `TICK` holds exactly what serialising each whole view would, for every player
    /// of games of every size, before and after play and once over.
    #[test]
    fn a_spliced_tick_equals_the_whole_view_of_each_player() {
        use whoosh_core::game::{Game, Player};
        #[derive(Serialize)]
        struct Whole {
            #[serde(flatten)]
            view: whoosh_core::game::PlayerView,
            server_ms: i128,
        }
        for n in 3..=10 {
            let players: Vec<Player> = (0..n)
                .map(|i| Player {
                    user: UserId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1)),
                    rating: 1000,
                    games_played: 3,
                    connected: i != 1,
                })
                .collect();
            let users: Vec<UserId> = players.iter().map(|p| p.user).collect();
            let mut game = Game::new(players, 40, n as u64).unwrap();
            for (i, user) in users.iter().enumerate() {
                game.suspect(*user, Some(users[(i + 1) % n])).unwrap();
            }
            for step in 0..45 {
                if step % 20 == 0 || game.is_over() {
                    let frame = TickFrame::new(&game.shared_view(), 1_700_000_000_123);
                    for (seq, user) in users.iter().enumerate() {
                        let spliced =
                            frame.for_player(seq as u64, &game.secret_view(*user).unwrap());
                        let whole = encode(
                            "TICK",
                            seq as u64,
                            &Whole {
                                view: game.view_for(*user).unwrap(),
                                server_ms: 1_700_000_000_123,
                            },
                        );
                        let spliced: Value = serde_json::from_str(&spliced).unwrap();
                        let whole: Value = serde_json::from_str(&whole).unwrap();
                        assert_eq!(spliced, whole);
                    }
                }
                game.tick();
            }
        }
    }
}
