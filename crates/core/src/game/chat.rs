//! Lobby chat: a validated message text and a per-player token bucket. Time is passed in as
//! milliseconds on any monotonic clock the caller keeps (the edge uses its lobby clock).

use super::Rejection;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A chat message: trimmed of surrounding whitespace, 1–200 characters, no control characters
/// (so no line breaks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChatText(String);

impl ChatText {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, Rejection> {
        let text = raw.trim();
        // Byte length first: an oversized message is refused without walking its characters.
        if text.is_empty()
            || text.len() > Self::MAX_CHARS * 4
            || text.chars().count() > Self::MAX_CHARS
            || text.chars().any(char::is_control)
        {
            return Err(Rejection::ChatInvalid);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ChatText {
    type Error = Rejection;
    fn try_from(raw: String) -> Result<Self, Rejection> {
        Self::parse(&raw)
    }
}

impl From<ChatText> for String {
    fn from(text: ChatText) -> Self {
        text.0
    }
}

impl fmt::Display for ChatText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One player's chat allowance: a bucket of [`BURST`](Self::BURST) messages that refills one
/// message every [`REFILL_MS`](Self::REFILL_MS) — 5 messages per 10 s sustained, 5 at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatLimiter {
    tokens: u32,
    /// When the next token started accruing; a full bucket accrues nothing.
    refilled_at_ms: u64,
}

impl ChatLimiter {
    pub const BURST: u32 = 5;
    pub const REFILL_MS: u64 = 2_000;

    /// A full bucket.
    pub const fn new() -> Self {
        Self {
            tokens: Self::BURST,
            refilled_at_ms: 0,
        }
    }

    /// Spends one message at `now_ms`, or refuses with `chat_rate_limited`. A clock that goes
    /// backwards refills nothing.
    pub fn admit(&mut self, now_ms: u64) -> Result<(), Rejection> {
        if self.tokens >= Self::BURST {
            self.refilled_at_ms = now_ms;
        } else {
            let earned = now_ms.saturating_sub(self.refilled_at_ms) / Self::REFILL_MS;
            if earned > 0 {
                let room = u64::from(Self::BURST - self.tokens);
                self.tokens += earned.min(room) as u32;
                self.refilled_at_ms = if self.tokens >= Self::BURST {
                    now_ms
                } else {
                    self.refilled_at_ms + earned * Self::REFILL_MS
                };
            }
        }
        if self.tokens == 0 {
            return Err(Rejection::ChatRateLimited);
        }
        self.tokens -= 1;
        Ok(())
    }
}

impl Default for ChatLimiter {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_text_is_trimmed_and_bounded() {
        assert_eq!(
            ChatText::parse("  hi there ").map(String::from),
            Ok("hi there".into())
        );
        assert_eq!(ChatText::parse("   "), Err(Rejection::ChatInvalid));
        assert_eq!(ChatText::parse("a\nb"), Err(Rejection::ChatInvalid));
        assert_eq!(ChatText::parse("bell\u{7}"), Err(Rejection::ChatInvalid));
        assert!(ChatText::parse(&"é".repeat(200)).is_ok());
        assert_eq!(
            ChatText::parse(&"é".repeat(201)),
            Err(Rejection::ChatInvalid)
        );
        let parsed: Result<ChatText, _> = serde_json::from_str("\"\\u0000\"");
        assert!(parsed.is_err(), "deserializing validates too");
    }

    #[test]
    fn five_at_once_then_one_every_two_seconds() {
        let mut limiter = ChatLimiter::new();
        let t0 = 1_000_000;
        for _ in 0..5 {
            assert_eq!(limiter.admit(t0), Ok(()));
        }
        assert_eq!(limiter.admit(t0 + 1_999), Err(Rejection::ChatRateLimited));
        assert_eq!(limiter.admit(t0 + 2_000), Ok(()));
        assert_eq!(limiter.admit(t0 + 2_000), Err(Rejection::ChatRateLimited));
        // A long silence refills the bucket but never beyond the burst.
        for _ in 0..5 {
            assert_eq!(limiter.admit(t0 + 60_000), Ok(()));
        }
        assert_eq!(limiter.admit(t0 + 60_000), Err(Rejection::ChatRateLimited));
        assert_eq!(
            limiter.admit(t0),
            Err(Rejection::ChatRateLimited),
            "clock went back"
        );
    }
}
