//! The matchmaking queue and parties in Redis.
//!
//! - A queue is one mode in one region. Its waiting tickets sit in `<prefix>mm:{<mode>:<region>}:pool`
//!   (a hash: ticket id → `rating:since_ms:member,member…`), each ticket's record in
//!   `<prefix>mm:{<mode>:<region>}:t:<id>`. All of a queue's keys share one hash tag, so a Lua
//!   script can move a whole group from waiting to matched only if every one of them is still
//!   waiting: two matchers racing for the same tickets can never both win one (also in cluster
//!   mode). Cancelling and expiring go through the same pool, atomically.
//! - `<prefix>mm:ticket:{<id>}` names a ticket's queue, so a ticket is found by its id alone.
//! - `<prefix>mm:player:{<user>}` holds a player's live ticket (set if absent, expiring with the
//!   ticket): a player is never in two tickets at once.
//! - Parties: `<prefix>party:{<id>}` (leader, code, ticket, created_at_ms) with its members in
//!   `<prefix>party:{<id>}:members`, and `<prefix>partycode:{<code>}` → id, set only if absent.

use crate::{KeySchema, Redis};
use redis::{AsyncCommands, RedisResult, Script};
use std::{collections::HashMap, sync::LazyLock, time::Duration};

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketStatus {
    Searching,
    Matched,
    Cancelled,
    Expired,
}

impl TicketStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Searching => "searching",
            Self::Matched => "matched",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "searching" => Self::Searching,
            "matched" => Self::Matched,
            "cancelled" => Self::Cancelled,
            "expired" => Self::Expired,
            _ => return None,
        })
    }
}

/// A matchmaking ticket: one player, or a whole party queued by its leader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: String,
    pub mode: String,
    pub region: String,
    /// Who created it (the party's leader for a party ticket).
    pub owner: String,
    /// Every player on the ticket, the owner included.
    pub members: Vec<String>,
    pub party_id: Option<String>,
    /// Elo of the player, or the party's average.
    pub rating: i32,
    pub created_at_ms: i64,
    /// Searching: when it expires unmatched. Matched: how long it keeps answering its match.
    pub expires_at_ms: i64,
    pub status: TicketStatus,
    pub lobby_id: Option<String>,
    pub edge_url: Option<String>,
    pub matched_at_ms: Option<i64>,
}

/// A waiting ticket as the matcher reads it from the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolEntry {
    pub id: String,
    pub rating: i32,
    pub since_ms: i64,
    pub members: Vec<String>,
}

/// The outcome of queueing a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued {
    Queued,
    /// This player already has a live ticket.
    AlreadyLive {
        player: String,
    },
}

/// The outcome of cancelling a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    Cancelled,
    /// No longer waiting: matched, cancelled before or expired.
    AlreadyOver(TicketStatus),
}

/// The matchmaking queues.
#[derive(Debug, Clone)]
pub struct TicketQueue {
    redis: Redis,
    keys: KeySchema,
}

impl TicketQueue {
    pub fn new(redis: Redis, keys: KeySchema) -> Self {
        Self { redis, keys }
    }

    /// Tickets waiting in the queue of `mode` and `region` (the pool is a hash of ticket id → entry).
    pub async fn depth(&self, mode: &str, region: &str) -> RedisResult<u64> {
        let mut conn = self.redis.clone();
        conn.hlen(self.keys.queue_pool(mode, region)).await
    }

    /// Queues `ticket` (status searching) unless one of its players has a live ticket already.
    /// The ticket waits until `ticket.expires_at_ms`; its record is kept `keep` longer so that
    /// polling clients learn it expired.
    pub async fn enqueue(&self, ticket: &Ticket, keep: Duration) -> RedisResult<Enqueued> {
        let mut conn = self.redis.clone();
        let ttl_ms = (ticket.expires_at_ms - ticket.created_at_ms).max(1);
        let record_ttl_ms = ttl_ms + keep.as_millis() as i64;
        let mut locked = Vec::with_capacity(ticket.members.len());
        for player in &ticket.members {
            if !self.lock_player(player, &ticket.id, ttl_ms).await? {
                self.release_players(&ticket.id, &locked).await?;
                return Ok(Enqueued::AlreadyLive {
                    player: player.clone(),
                });
            }
            locked.push(player.clone());
        }
        let (mode, region) = (ticket.mode.as_str(), ticket.region.as_str());
        let record = self.keys.ticket(mode, region, &ticket.id);
        let pool = self.keys.queue_pool(mode, region);
        let mut fields = vec![
            ("mode", ticket.mode.clone()),
            ("region", ticket.region.clone()),
            ("owner", ticket.owner.clone()),
            ("members", ticket.members.join(",")),
            ("rating", ticket.rating.to_string()),
            ("created_at_ms", ticket.created_at_ms.to_string()),
            ("expires_at_ms", ticket.expires_at_ms.to_string()),
            ("status", TicketStatus::Searching.as_str().to_owned()),
        ];
        if let Some(party) = &ticket.party_id {
            fields.push(("party_id", party.clone()));
        }
        let entry = format!(
            "{}:{}:{}",
            ticket.rating,
            ticket.created_at_ms,
            ticket.members.join(",")
        );
        let _: () = conn
            .set_options(
                self.keys.ticket_queue(&ticket.id),
                format!("{mode} {region}"),
                redis::SetOptions::default().with_expiration(redis::SetExpiry::PX(
                    u64::try_from(record_ttl_ms).unwrap_or(u64::MAX),
                )),
            )
            .await?;
        redis::pipe()
            .atomic()
            .hset_multiple(&record, &fields)
            .ignore()
            .pexpire(&record, record_ttl_ms)
            .ignore()
            .hset(&pool, &ticket.id, entry)
            .ignore()
            // An abandoned queue goes away by itself.
            .pexpire(&pool, record_ttl_ms)
            .ignore()
            .query_async::<()>(&mut conn)
            .await?;
        Ok(Enqueued::Queued)
    }

    /// Makes `ticket` the live ticket of `player`, unless another live ticket holds them. A
    /// marker left by a ticket that is no longer searching (its release was lost) is taken over.
    async fn lock_player(&self, player: &str, ticket: &str, ttl_ms: i64) -> RedisResult<bool> {
        let mut conn = self.redis.clone();
        let key = self.keys.player_ticket(player);
        let px = u64::try_from(ttl_ms).unwrap_or(1);
        let options = redis::SetOptions::default()
            .conditional_set(redis::ExistenceCheck::NX)
            .with_expiration(redis::SetExpiry::PX(px));
        let set: Option<String> = conn.set_options(&key, ticket, options).await?;
        if set.is_some() {
            return Ok(true);
        }
        let Some(holder) = conn.get::<_, Option<String>>(&key).await? else {
            // Expired in between: try once more.
            let options = redis::SetOptions::default()
                .conditional_set(redis::ExistenceCheck::NX)
                .with_expiration(redis::SetExpiry::PX(px));
            let set: Option<String> = conn.set_options(&key, ticket, options).await?;
            return Ok(set.is_some());
        };
        if holder == ticket {
            return Ok(true);
        }
        let live = match self.get(&holder).await? {
            Some(held) => held.status == TicketStatus::Searching,
            None => false,
        };
        if live {
            return Ok(false);
        }
        let swapped: i64 = SWAP_IF
            .key(&key)
            .arg(&holder)
            .arg(ticket)
            .arg(px)
            .invoke_async(&mut conn)
            .await?;
        Ok(swapped == 1)
    }

    /// Frees `players` of `ticket` (only where `ticket` is still their live ticket).
    pub async fn release_players(&self, ticket: &str, players: &[String]) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        for player in players {
            DEL_IF
                .key(self.keys.player_ticket(player))
                .arg(ticket)
                .invoke_async::<i64>(&mut conn)
                .await?;
        }
        Ok(())
    }

    /// The ticket `id`, while its record is kept, and what its queue waits for besides players.
    pub async fn get(&self, id: &str) -> RedisResult<Option<Ticket>> {
        Ok(self.get_with_queue_state(id).await?.map(|(t, _)| t))
    }

    /// The ticket `id` and what its queue waits for besides players (e.g. `edge_node`).
    pub async fn get_with_queue_state(
        &self,
        id: &str,
    ) -> RedisResult<Option<(Ticket, Option<String>)>> {
        let mut conn = self.redis.clone();
        let Some(queue) = conn
            .get::<_, Option<String>>(self.keys.ticket_queue(id))
            .await?
        else {
            return Ok(None);
        };
        let Some((mode, region)) = queue.split_once(' ') else {
            return Ok(None);
        };
        let (fields, waiting_for): (HashMap<String, String>, Option<String>) = redis::pipe()
            .hgetall(self.keys.ticket(mode, region, id))
            .get(self.keys.queue_waiting_for(mode, region))
            .query_async(&mut conn)
            .await?;
        Ok(ticket_from(id, &fields).map(|t| (t, waiting_for)))
    }

    /// Cancels a searching ticket.
    pub async fn cancel(&self, ticket: &Ticket) -> RedisResult<Cancelled> {
        let mut conn = self.redis.clone();
        let (mode, region) = (ticket.mode.as_str(), ticket.region.as_str());
        let answer: String = CANCEL
            .key(self.keys.queue_pool(mode, region))
            .key(self.keys.ticket(mode, region, &ticket.id))
            .arg(&ticket.id)
            .invoke_async(&mut conn)
            .await?;
        if answer == "cancelled" {
            self.release_players(&ticket.id, &ticket.members).await?;
            return Ok(Cancelled::Cancelled);
        }
        Ok(Cancelled::AlreadyOver(
            TicketStatus::parse(&answer).unwrap_or(TicketStatus::Expired),
        ))
    }

    /// Every waiting ticket of a queue.
    pub async fn waiting(&self, mode: &str, region: &str) -> RedisResult<Vec<PoolEntry>> {
        let mut conn = self.redis.clone();
        let pool: HashMap<String, String> =
            conn.hgetall(self.keys.queue_pool(mode, region)).await?;
        Ok(pool
            .into_iter()
            .filter_map(|(id, entry)| {
                let mut parts = entry.splitn(3, ':');
                Some(PoolEntry {
                    rating: parts.next()?.parse().ok()?,
                    since_ms: parts.next()?.parse().ok()?,
                    members: parts
                        .next()?
                        .split(',')
                        .filter(|m| !m.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    id,
                })
            })
            .collect())
    }

    /// Moves the tickets `ids` from waiting to matched in lobby `lobby_id` — all of them, and only
    /// if every one is still waiting and unexpired at `now_ms`; false otherwise (another matcher
    /// took one, or one was cancelled). A matched ticket answers its match for `answer_for`, and
    /// its record is kept `keep` longer.
    #[allow(clippy::too_many_arguments)]
    pub async fn claim(
        &self,
        mode: &str,
        region: &str,
        ids: &[String],
        lobby_id: &str,
        edge_url: &str,
        now_ms: i64,
        answer_for: Duration,
        keep: Duration,
    ) -> RedisResult<bool> {
        let mut conn = self.redis.clone();
        let answer_ms = answer_for.as_millis() as i64;
        let mut invocation = CLAIM.prepare_invoke();
        invocation.key(self.keys.queue_pool(mode, region));
        for id in ids {
            invocation.key(self.keys.ticket(mode, region, id));
        }
        invocation
            .arg(lobby_id)
            .arg(edge_url)
            .arg(now_ms)
            .arg(now_ms + answer_ms)
            .arg(answer_ms + keep.as_millis() as i64);
        for id in ids {
            invocation.arg(id);
        }
        let claimed: i64 = invocation.invoke_async(&mut conn).await?;
        Ok(claimed == 1)
    }

    /// Marks the tickets among `ids` that are still waiting but past their expiry at `now_ms` as
    /// expired, frees their players, and returns them.
    pub async fn expire(
        &self,
        mode: &str,
        region: &str,
        ids: &[String],
        now_ms: i64,
    ) -> RedisResult<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.redis.clone();
        let mut invocation = EXPIRE.prepare_invoke();
        invocation.key(self.keys.queue_pool(mode, region));
        for id in ids {
            invocation.key(self.keys.ticket(mode, region, id));
        }
        invocation.arg(now_ms);
        for id in ids {
            invocation.arg(id);
        }
        let expired: Vec<(String, String)> = invocation.invoke_async(&mut conn).await?;
        let mut ids = Vec::with_capacity(expired.len());
        for (id, members) in expired {
            let members: Vec<String> = members.split(',').map(str::to_owned).collect();
            self.release_players(&id, &members).await?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// Records what a queue's tickets wait for besides players (`None`: nothing), for `ttl`.
    pub async fn set_waiting_for(
        &self,
        mode: &str,
        region: &str,
        what: Option<&str>,
        ttl: Duration,
    ) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        let key = self.keys.queue_waiting_for(mode, region);
        match what {
            Some(what) => conn.pset_ex(key, what, ttl.as_millis() as u64).await,
            None => conn.del(key).await,
        }
    }
}

static SWAP_IF: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('GET', KEYS[1]) == ARGV[1] then
            redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end
          return 0",
    )
});

static DEL_IF: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
          return 0",
    )
});

static CANCEL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
            redis.call('HSET', KEYS[2], 'status', 'cancelled') return 'cancelled' end
          return redis.call('HGET', KEYS[2], 'status') or 'expired'",
    )
});

// KEYS: pool, then one record per id. ARGV: lobby, url, now, answer until, record ttl, ids...
static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local now = tonumber(ARGV[3])
          for i = 6, #ARGV do
            if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then return 0 end
            local expires = tonumber(redis.call('HGET', KEYS[i - 4], 'expires_at_ms'))
            if expires == nil or expires <= now then return 0 end
          end
          for i = 6, #ARGV do
            redis.call('HDEL', KEYS[1], ARGV[i])
            redis.call('HSET', KEYS[i - 4], 'status', 'matched', 'lobby_id', ARGV[1],
              'edge_url', ARGV[2], 'matched_at_ms', ARGV[3], 'expires_at_ms', ARGV[4])
            redis.call('PEXPIRE', KEYS[i - 4], ARGV[5])
          end
          return 1",
    )
});

// KEYS: pool, then one record per id. ARGV: now, ids... Returns {id, members} of each expired.
static EXPIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local now = tonumber(ARGV[1])
          local out = {}
          for i = 2, #ARGV do
            local record = KEYS[i]
            local expires = tonumber(redis.call('HGET', record, 'expires_at_ms'))
            if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 and (expires == nil or expires <= now) then
              redis.call('HDEL', KEYS[1], ARGV[i])
              if redis.call('EXISTS', record) == 1 then
                redis.call('HSET', record, 'status', 'expired')
              end
              table.insert(out, {ARGV[i], redis.call('HGET', record, 'members') or ''})
            end
          end
          return out",
    )
});

fn ticket_from(id: &str, f: &HashMap<String, String>) -> Option<Ticket> {
    let number = |name: &str| f.get(name).and_then(|v| v.parse::<i64>().ok());
    Some(Ticket {
        id: id.to_owned(),
        mode: f.get("mode")?.clone(),
        region: f.get("region")?.clone(),
        owner: f.get("owner")?.clone(),
        members: f
            .get("members")?
            .split(',')
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect(),
        party_id: f.get("party_id").cloned(),
        rating: f.get("rating")?.parse().ok()?,
        created_at_ms: number("created_at_ms")?,
        expires_at_ms: number("expires_at_ms")?,
        status: TicketStatus::parse(f.get("status")?)?,
        lobby_id: f.get("lobby_id").cloned(),
        edge_url: f.get("edge_url").cloned(),
        matched_at_ms: number("matched_at_ms"),
    })
}

/// A party: friends who queue together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub id: String,
    pub leader: String,
    pub code: String,
    pub members: Vec<String>,
    /// The party's latest ticket.
    pub ticket: Option<String>,
    pub created_at_ms: i64,
}

/// The outcome of joining a party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyJoin {
    Added,
    AlreadyMember,
    Full,
    NoSuchParty,
}

/// Live parties.
#[derive(Debug, Clone)]
pub struct PartyDirectory {
    redis: Redis,
    keys: KeySchema,
}

impl PartyDirectory {
    pub fn new(redis: Redis, keys: KeySchema) -> Self {
        Self { redis, keys }
    }

    /// Records a new party for `ttl` under its code; false (and nothing written) if a live party
    /// holds the code already.
    pub async fn create(&self, party: &Party, ttl: Duration) -> RedisResult<bool> {
        let mut conn = self.redis.clone();
        let ttl_ms = ttl.as_millis() as i64;
        let options = redis::SetOptions::default()
            .conditional_set(redis::ExistenceCheck::NX)
            .with_expiration(redis::SetExpiry::PX(u64::try_from(ttl_ms).unwrap_or(1)));
        let set: Option<String> = conn
            .set_options(self.keys.party_code(&party.code), &party.id, options)
            .await?;
        if set.is_none() {
            return Ok(false);
        }
        let key = self.keys.party(&party.id);
        let members = self.keys.party_members(&party.id);
        redis::pipe()
            .atomic()
            .hset_multiple(
                &key,
                &[
                    ("leader", party.leader.clone()),
                    ("code", party.code.clone()),
                    ("created_at_ms", party.created_at_ms.to_string()),
                ],
            )
            .ignore()
            .pexpire(&key, ttl_ms)
            .ignore()
            .sadd(&members, &party.members)
            .ignore()
            .pexpire(&members, ttl_ms)
            .ignore()
            .query_async::<()>(&mut conn)
            .await?;
        Ok(true)
    }

    /// The party `id`, if live.
    pub async fn get(&self, id: &str) -> RedisResult<Option<Party>> {
        let mut conn = self.redis.clone();
        let (fields, members): (HashMap<String, String>, Vec<String>) = redis::pipe()
            .hgetall(self.keys.party(id))
            .smembers(self.keys.party_members(id))
            .query_async(&mut conn)
            .await?;
        Ok(party_from(id, &fields, members))
    }

    /// The party a code opens, if live.
    pub async fn resolve_code(&self, code: &str) -> RedisResult<Option<String>> {
        let mut conn = self.redis.clone();
        conn.get(self.keys.party_code(code)).await
    }

    /// Adds `user` unless the party holds `max` members (atomic against concurrent joins).
    pub async fn join(&self, id: &str, user: &str, max: u8) -> RedisResult<PartyJoin> {
        let mut conn = self.redis.clone();
        let answer: i64 = JOIN_PARTY
            .key(self.keys.party(id))
            .key(self.keys.party_members(id))
            .arg(user)
            .arg(max)
            .invoke_async(&mut conn)
            .await?;
        Ok(match answer {
            1 => PartyJoin::Added,
            2 => PartyJoin::AlreadyMember,
            3 => PartyJoin::Full,
            _ => PartyJoin::NoSuchParty,
        })
    }

    /// Removes `user` from the party; when the leader leaves, the party is disbanded.
    pub async fn leave(&self, party: &Party, user: &str) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        if party.leader == user {
            redis::pipe()
                .del(self.keys.party(&party.id))
                .ignore()
                .del(self.keys.party_members(&party.id))
                .ignore()
                .query_async::<()>(&mut conn)
                .await?;
            DEL_IF
                .key(self.keys.party_code(&party.code))
                .arg(&party.id)
                .invoke_async::<i64>(&mut conn)
                .await?;
            return Ok(());
        }
        conn.srem(self.keys.party_members(&party.id), user).await
    }

    /// Records the party's latest ticket and keeps the party (and its code) alive for another
    /// `ttl`.
    pub async fn set_ticket(&self, party: &Party, ticket: &str, ttl: Duration) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        let ttl_ms = ttl.as_millis() as i64;
        let live: i64 = SET_TICKET
            .key(self.keys.party(&party.id))
            .key(self.keys.party_members(&party.id))
            .arg(ticket)
            .arg(ttl_ms)
            .invoke_async(&mut conn)
            .await?;
        if live == 1 {
            conn.pexpire::<_, ()>(self.keys.party_code(&party.code), ttl_ms)
                .await?;
        }
        Ok(())
    }
}

fn party_from(id: &str, f: &HashMap<String, String>, members: Vec<String>) -> Option<Party> {
    Some(Party {
        id: id.to_owned(),
        leader: f.get("leader")?.clone(),
        code: f.get("code")?.clone(),
        ticket: f.get("ticket").cloned(),
        created_at_ms: f.get("created_at_ms")?.parse().ok()?,
        members,
    })
}

static JOIN_PARTY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
          if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 2 end
          if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 3 end
          redis.call('SADD', KEYS[2], ARGV[1])
          redis.call('PEXPIRE', KEYS[2], redis.call('PTTL', KEYS[1]))
          return 1",
    )
});

static SET_TICKET: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
          redis.call('HSET', KEYS[1], 'ticket', ARGV[1])
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          redis.call('PEXPIRE', KEYS[2], ARGV[2])
          return 1",
    )
});
