//! The leaderboard index: one sorted set per board, ordered exactly as PostgreSQL orders it:
//! `value DESC, first_reached_at ASC, user_id ASC`.
//!
//! Encoding: the sorted-set score is the value (exact for 0..=2^53−1, the range PostgreSQL
//! enforces). Ties on score are ordered by member, and a descending read returns members in
//! descending byte order, so the member encodes the tie-breaks inverted:
//! `<10^17−1 − first_reached_at in µs, 17 digits>:<user id hex with every digit d as f−d>`.
//! An earlier time gives a larger member, a smaller user id gives a larger member, so a
//! descending read yields earliest-first, then smallest-id-first. Times are microseconds since the
//! epoch, exact for dates before the year 5138.
//!
//! Keys of one board share a hash tag (`{<board>}`, as in `<prefix>lb:{<board>}:z`) so scripts touching the set and its member
//! map work in cluster mode.

use crate::{KeySchema, Redis};
use uuid::Uuid;

/// Largest value a board can hold (exact as a Redis score).
pub const MAX_VALUE: i64 = (1 << 53) - 1;
const TIME_CAP_US: i64 = 99_999_999_999_999_999;

/// One user's standing on a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub user_id: Uuid,
    pub value: i64,
    /// Microseconds since the Unix epoch.
    pub first_reached_us: i64,
}

fn invert_hex(hex: &str) -> String {
    hex.chars()
        .map(|c| {
            c.to_digit(16)
                .and_then(|d| char::from_digit(15 - d, 16))
                .unwrap_or('0')
        })
        .collect()
}

/// The member string of an entry.
pub fn member(entry: &Entry) -> String {
    format!(
        "{:017}:{}",
        TIME_CAP_US - entry.first_reached_us.clamp(0, TIME_CAP_US),
        invert_hex(&entry.user_id.simple().to_string())
    )
}

/// Decodes a member and its score back into an entry.
pub fn decode(member: &str, score: f64) -> Option<Entry> {
    let (time, user) = member.split_once(':')?;
    let first_reached_us = TIME_CAP_US - time.parse::<i64>().ok()?;
    let user_id = Uuid::from_u128(u128::from_str_radix(&invert_hex(user), 16).ok()?);
    Some(Entry {
        user_id,
        value: score as i64,
        first_reached_us,
    })
}

const UPSERT: &str = r"
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old then redis.call('ZREM', KEYS[1], old) end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
";

const REMOVE: &str = r"
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old then redis.call('ZREM', KEYS[1], old) end
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
";

/// A ranked entry: 1-based rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranked {
    pub rank: u64,
    pub entry: Entry,
}

/// The index of every board.
/// Entries written to Redis per round trip of a rebuild (and per progress update).
pub const REBUILD_CHUNK: usize = 1000;
/// How long a rebuild's progress is kept after it was last touched.
const PROGRESS_KEEP_SECS: i64 = 86_400;

/// How far the latest rebuild of a board got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildProgress {
    pub done: bool,
    pub written: i64,
    pub total: i64,
    pub started_at_ms: i64,
    pub updated_at_ms: i64,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[derive(Debug, Clone)]
pub struct LeaderboardIndex {
    redis: Redis,
    keys: KeySchema,
}

impl LeaderboardIndex {
    pub fn new(redis: Redis, keys: KeySchema) -> Self {
        Self { redis, keys }
    }

    fn conn(&self) -> Redis {
        self.redis.clone()
    }

    /// Whether the board's index has been built (otherwise read PostgreSQL and rebuild).
    pub async fn is_ready(&self, board: &str) -> redis::RedisResult<bool> {
        redis::cmd("EXISTS")
            .arg(self.keys.board_ready(board))
            .query_async(&mut self.conn())
            .await
    }

    pub async fn upsert(&self, board: &str, entry: &Entry) -> redis::RedisResult<()> {
        redis::Script::new(UPSERT)
            .key(self.keys.board_set(board))
            .key(self.keys.board_members(board))
            .arg(entry.user_id.simple().to_string())
            .arg(entry.value)
            .arg(member(entry))
            .invoke_async::<i64>(&mut self.conn())
            .await
            .map(|_| ())
    }

    pub async fn remove(&self, board: &str, user: Uuid) -> redis::RedisResult<()> {
        redis::Script::new(REMOVE)
            .key(self.keys.board_set(board))
            .key(self.keys.board_members(board))
            .arg(user.simple().to_string())
            .invoke_async::<i64>(&mut self.conn())
            .await
            .map(|_| ())
    }

    fn ranked(start_rank: u64, raw: Vec<(String, f64)>) -> Vec<Ranked> {
        raw.into_iter()
            .enumerate()
            .filter_map(|(i, (m, s))| {
                decode(&m, s).map(|entry| Ranked {
                    rank: start_rank + i as u64,
                    entry,
                })
            })
            .collect()
    }

    /// `limit` entries from 0-based position `offset`.
    pub async fn range(
        &self,
        board: &str,
        offset: u64,
        limit: u64,
    ) -> redis::RedisResult<Vec<Ranked>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let raw: Vec<(String, f64)> = redis::cmd("ZREVRANGE")
            .arg(self.keys.board_set(board))
            .arg(offset)
            .arg(offset + limit - 1)
            .arg("WITHSCORES")
            .query_async(&mut self.conn())
            .await?;
        Ok(Self::ranked(offset + 1, raw))
    }

    /// A user's standing, if on the board.
    pub async fn standing(&self, board: &str, user: Uuid) -> redis::RedisResult<Option<Ranked>> {
        let mut conn = self.conn();
        let member: Option<String> = redis::cmd("HGET")
            .arg(self.keys.board_members(board))
            .arg(user.simple().to_string())
            .query_async(&mut conn)
            .await?;
        let Some(member) = member else {
            return Ok(None);
        };
        let (rank, score): (Option<u64>, Option<f64>) = redis::pipe()
            .cmd("ZREVRANK")
            .arg(self.keys.board_set(board))
            .arg(&member)
            .cmd("ZSCORE")
            .arg(self.keys.board_set(board))
            .arg(&member)
            .query_async(&mut conn)
            .await?;
        Ok(rank
            .zip(score)
            .and_then(|(r, s)| decode(&member, s).map(|entry| Ranked { rank: r + 1, entry })))
    }

    /// Marks the board's index as built, so readers use it.
    pub async fn mark_ready(&self, board: &str) -> redis::RedisResult<()> {
        redis::cmd("SET")
            .arg(self.keys.board_ready(board))
            .arg(1)
            .query_async(&mut self.conn())
            .await
    }

    /// Replaces the board's index with `entries` atomically (built aside, then renamed over). The
    /// caller marks it ready (`mark_ready`) once it has re-applied what changed meanwhile. Its
    /// progress is kept for a day beside the board (see [`Self::rebuild_progress`]).
    pub async fn rebuild(&self, board: &str, entries: &[Entry]) -> redis::RedisResult<()> {
        let (set, members) = (self.keys.board_set(board), self.keys.board_members(board));
        let (tmp_set, tmp_members) = (format!("{set}:building"), format!("{members}:building"));
        let progress = self.keys.board_rebuild_progress(board);
        let total = entries.len().to_string();
        let started = now_ms().to_string();
        let mut conn = self.conn();
        redis::pipe()
            .del(&tmp_set)
            .del(&tmp_members)
            .del(&progress)
            .hset_multiple(
                &progress,
                &[
                    ("state", "writing"),
                    ("written", "0"),
                    ("total", total.as_str()),
                    ("started_at_ms", started.as_str()),
                    ("updated_at_ms", started.as_str()),
                ],
            )
            .expire(&progress, PROGRESS_KEEP_SECS)
            .query_async::<()>(&mut conn)
            .await?;
        let mut written = 0;
        for chunk in entries.chunks(REBUILD_CHUNK) {
            written += chunk.len();
            let mut pipe = redis::pipe();
            for e in chunk {
                let m = member(e);
                pipe.zadd(&tmp_set, &m, e.value).ignore();
                pipe.hset(&tmp_members, e.user_id.simple().to_string(), &m)
                    .ignore();
            }
            pipe.hset_multiple(
                &progress,
                &[
                    ("written", written.to_string()),
                    ("updated_at_ms", now_ms().to_string()),
                ],
            )
            .ignore();
            pipe.query_async::<()>(&mut conn).await?;
        }
        let mut swap = redis::pipe();
        swap.atomic();
        if entries.is_empty() {
            swap.del(&set).del(&members);
        } else {
            swap.rename(&tmp_set, &set).rename(&tmp_members, &members);
        }
        let finished = now_ms().to_string();
        swap.hset_multiple(
            &progress,
            &[("state", "done"), ("updated_at_ms", finished.as_str())],
        );
        swap.query_async::<()>(&mut conn).await
    }

    /// The latest rebuild of the board: running (`writing`, with entries written of the total) or
    /// `done`; `None` when none ran within a day.
    pub async fn rebuild_progress(
        &self,
        board: &str,
    ) -> redis::RedisResult<Option<RebuildProgress>> {
        let fields: std::collections::HashMap<String, String> = redis::cmd("HGETALL")
            .arg(self.keys.board_rebuild_progress(board))
            .query_async(&mut self.conn())
            .await?;
        let number = |name: &str| fields.get(name).and_then(|v| v.parse::<i64>().ok());
        Ok(fields.get("state").map(|state| RebuildProgress {
            done: state == "done",
            written: number("written").unwrap_or(0),
            total: number("total").unwrap_or(0),
            started_at_ms: number("started_at_ms").unwrap_or(0),
            updated_at_ms: number("updated_at_ms").unwrap_or(0),
        }))
    }

    /// Forgets the index (tests and operators; readers then fall back and rebuild).
    pub async fn drop_board(&self, board: &str) -> redis::RedisResult<()> {
        redis::pipe()
            .del(self.keys.board_set(board))
            .del(self.keys.board_members(board))
            .del(self.keys.board_ready(board))
            .query_async(&mut self.conn())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sql_order(a: &Entry, b: &Entry) -> std::cmp::Ordering {
        b.value
            .cmp(&a.value)
            .then(a.first_reached_us.cmp(&b.first_reached_us))
            .then(a.user_id.cmp(&b.user_id))
    }

    fn redis_order(a: &Entry, b: &Entry) -> std::cmp::Ordering {
        // ZREVRANGE: score descending, then member descending (byte order).
        (b.value as f64)
            .total_cmp(&(a.value as f64))
            .then(member(b).cmp(&member(a)))
    }

    proptest! {
        #[test]
        fn redis_order_equals_sql_order(
            entries in prop::collection::vec((0i64..=MAX_VALUE, 0i64..4_000_000_000_000_000, any::<u128>()), 2..40),
            ties in 0usize..3,
        ) {
            let mut entries: Vec<Entry> = entries.into_iter().map(|(value, t, id)| Entry { user_id: Uuid::from_u128(id), value, first_reached_us: t }).collect();
            // Force exact ties on value and time to exercise the tie-breaks.
            for i in 1..entries.len().min(ties + 2) {
                entries[i].value = entries[0].value;
                if ties > 1 { entries[i].first_reached_us = entries[0].first_reached_us; }
            }
            let mut by_sql = entries.clone();
            by_sql.sort_by(sql_order);
            let mut by_redis = entries.clone();
            by_redis.sort_by(redis_order);
            prop_assert_eq!(by_sql, by_redis);
        }

        #[test]
        fn members_round_trip(value in 0i64..=MAX_VALUE, t in 0i64..4_000_000_000_000_000, id in any::<u128>()) {
            let e = Entry { user_id: Uuid::from_u128(id), value, first_reached_us: t };
            prop_assert_eq!(decode(&member(&e), value as f64), Some(e));
        }
    }
}
