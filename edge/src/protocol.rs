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
    let fields = serde_json::to_string(body).unwrap_or_default();
    let rest = fields
        .strip_prefix('{')
        .filter(|rest| rest.ends_with('}'))
        .unwrap_or("}");
    let sep = if rest == "}" { "" } else { "," };
    format!(r#"{{"t":"{kind}","seq":{seq}{sep}{rest}"#)
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
    }
}
