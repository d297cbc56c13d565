//! Events for one user (a battle invitation, a battle's start and end, a new rank): numbered per
//! user, kept in a bounded log, and announced on pub/sub, all in one script so that the order of
//! the numbers is the order of the announcements.
//!
//! - `<prefix>ue:{<user>}:seq`: the last number given out (`INCR`), so numbers rise by one;
//! - `<prefix>ue:{<user>}:log`: a stream of the latest [`LOG_LEN`] events, entry ids `<seq>-0`,
//!   fields `t` (kind) and `d` (the JSON body), so a reconnecting client's `last_seq` maps
//!   straight to a range read;
//! - `<prefix>ue:events`: one channel for every user (each edge node subscribes once and hands
//!   events to its own sockets); a message is `<user>\n<seq>\n<kind>\n<json>`.
//!
//! Both keys expire [`LOG_TTL`] after the user's latest event. A log that expired (or was lost)
//! starts again from 1; clients learn it from a `WELCOME` with `resumed: false`.

use crate::{KeySchema, Redis};
use redis::{RedisResult, Script};
use std::{sync::LazyLock, time::Duration};

/// Events kept per user.
pub const LOG_LEN: usize = 100;
/// How long a user's log outlives the user's latest event.
pub const LOG_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// One event of a user's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEvent {
    pub user: String,
    pub seq: u64,
    pub kind: String,
    /// A JSON object.
    pub data: String,
}

impl UserEvent {
    /// Parses a pub/sub message of the events channel.
    pub fn from_message(message: &str) -> Option<Self> {
        let mut parts = message.splitn(4, '\n');
        Some(Self {
            user: parts.next()?.to_owned(),
            seq: parts.next()?.parse().ok()?,
            kind: parts.next()?.to_owned(),
            data: parts.next()?.to_owned(),
        })
    }
}

/// What a user's log holds after a `last_seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catchup {
    /// The latest number given out (0 for a log that never held an event, or expired).
    pub head: u64,
    /// Every event after `last_seq`, in order — or `None` when the log no longer holds them all
    /// (trimmed past them, or restarted below `last_seq`).
    pub events: Option<Vec<UserEvent>>,
}

/// The per-user event logs and their announcements.
#[derive(Debug, Clone)]
pub struct UserEvents {
    redis: Redis,
    keys: KeySchema,
}

impl UserEvents {
    pub fn new(redis: Redis, keys: KeySchema) -> Self {
        Self { redis, keys }
    }

    /// Appends an event for `user` and announces it; returns its `seq`. `data` is a JSON object
    /// (compact: no raw line breaks).
    pub async fn publish(&self, user: &str, kind: &str, data: &str) -> RedisResult<u64> {
        let mut conn = self.redis.clone();
        APPEND
            .key(self.keys.user_event_seq(user))
            .key(self.keys.user_event_log(user))
            .arg(self.keys.user_events_channel())
            .arg(user)
            .arg(kind)
            .arg(data)
            .arg(LOG_LEN)
            .arg(LOG_TTL.as_millis() as u64)
            .invoke_async(&mut conn)
            .await
    }

    /// The latest `seq` given out to `user` (0 when none, or the log expired).
    pub async fn head(&self, user: &str) -> RedisResult<u64> {
        let mut conn = self.redis.clone();
        let head: Option<u64> = redis::cmd("GET")
            .arg(self.keys.user_event_seq(user))
            .query_async(&mut conn)
            .await?;
        Ok(head.unwrap_or(0))
    }

    /// The events of `user` after `last_seq`, at most up to `upto` when given.
    pub async fn since(
        &self,
        user: &str,
        last_seq: u64,
        upto: Option<u64>,
    ) -> RedisResult<Catchup> {
        let mut conn = self.redis.clone();
        let (head, first, range): (Option<u64>, Vec<Entry>, Vec<Entry>) = redis::pipe()
            .get(self.keys.user_event_seq(user))
            .cmd("XRANGE")
            .arg(self.keys.user_event_log(user))
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(1)
            .cmd("XRANGE")
            .arg(self.keys.user_event_log(user))
            .arg(format!("({last_seq}-0"))
            .arg(upto.map_or_else(|| "+".to_owned(), |u| format!("{u}-0")))
            .query_async(&mut conn)
            .await?;
        let head = head.unwrap_or(0);
        if last_seq >= head {
            // Nothing missed — or the log restarted below what the client saw.
            let events = (last_seq == head).then(Vec::new);
            return Ok(Catchup { head, events });
        }
        let oldest = first
            .first()
            .and_then(|(id, _)| seq_of(id))
            .unwrap_or(head + 1);
        if oldest > last_seq + 1 {
            return Ok(Catchup { head, events: None });
        }
        let field = |fields: &[(String, String)], name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let events = range
            .iter()
            .filter_map(|(id, fields)| {
                Some(UserEvent {
                    user: user.to_owned(),
                    seq: seq_of(id)?,
                    kind: field(fields, "t")?,
                    data: field(fields, "d")?,
                })
            })
            .collect();
        Ok(Catchup {
            head,
            events: Some(events),
        })
    }
}

/// A stream entry: its id and its field/value pairs.
type Entry = (String, Vec<(String, String)>);

fn seq_of(id: &str) -> Option<u64> {
    id.split_once('-')?.0.parse().ok()
}

// KEYS: counter, log. ARGV: channel, user, kind, data, max length, ttl ms. Returns the seq.
static APPEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local seq = redis.call('INCR', KEYS[1])
          redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[5], seq .. '-0', 't', ARGV[3], 'd', ARGV[4])
          redis.call('PEXPIRE', KEYS[1], ARGV[6])
          redis.call('PEXPIRE', KEYS[2], ARGV[6])
          redis.call('PUBLISH', ARGV[1], ARGV[2] .. '\n' .. seq .. '\n' .. ARGV[3] .. '\n' .. ARGV[4])
          return seq",
    )
});
