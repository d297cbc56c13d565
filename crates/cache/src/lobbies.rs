//! The edge node registry and the lobby directory: what the matchmaker reads to place a lobby on a
//! live node, and what an edge node reads to learn which lobby a player is entering.
//!
//! - Node registry: each edge node keeps `<prefix>edge:node:{<id>}` (a hash: url, region, capacity,
//!   load, accepting) alive with a heartbeat and a TTL, and lists itself in its region's sorted set
//!   `<prefix>edge:nodes:{<region>}` scored by the heartbeat's expiry (unix ms). A node that stops
//!   heartbeating disappears when its hash expires; readers drop stale entries from the set.
//! - Lobby directory: `<prefix>lobby:{<id>}` (a hash: kind, mode, region, node, url, epoch, host,
//!   code, round_secs, max_players, created_at_ms, state) and `<prefix>lobby:{<id>}:members` (a set
//!   of user ids), in one slot; private lobbies also hold `<prefix>lobbycode:{<code>}` → id, set
//!   only if absent, so a join code is unique among live lobbies.

use crate::{KeySchema, Redis};
use redis::{AsyncCommands, RedisResult, Script};
use std::{collections::HashMap, sync::LazyLock, time::Duration};

/// One edge node as the registry knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeNode {
    pub id: String,
    /// Where players reach this node (`ws://` or `wss://` origin, no path).
    pub url: String,
    /// Where other edge nodes reach this one (to forward a player's socket to the lobby's owner).
    pub internal_url: String,
    pub region: String,
    /// Players the node accepts at most.
    pub capacity: u32,
    /// Players the node holds now (plus seats reserved since its last heartbeat).
    pub load: u32,
    /// False while the node drains: it keeps its lobbies but takes no new ones.
    pub accepting: bool,
}

impl EdgeNode {
    /// Share of the capacity in use (1.0 = full).
    pub fn utilisation(&self) -> f64 {
        if self.capacity == 0 {
            return 1.0;
        }
        f64::from(self.load) / f64::from(self.capacity)
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The registry of live edge nodes.
#[derive(Debug, Clone)]
pub struct NodeRegistry {
    redis: Redis,
    keys: KeySchema,
}

impl NodeRegistry {
    pub fn new(redis: Redis, keys: KeySchema) -> Self {
        Self { redis, keys }
    }

    /// Publishes `node` as alive for `ttl` (call every ttl/3 or so).
    pub async fn heartbeat(&self, node: &EdgeNode, ttl: Duration) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        let key = self.keys.edge_node(&node.id);
        let ttl_ms = ttl.as_millis() as i64;
        let _: () = redis::pipe()
            .hset_multiple(
                &key,
                &[
                    ("url", node.url.clone()),
                    ("internal", node.internal_url.clone()),
                    ("region", node.region.clone()),
                    ("capacity", node.capacity.to_string()),
                    ("load", node.load.to_string()),
                    ("accepting", u8::from(node.accepting).to_string()),
                ],
            )
            .ignore()
            .pexpire(&key, ttl_ms)
            .ignore()
            .query_async(&mut conn)
            .await?;
        conn.zadd::<_, _, _, ()>(
            self.keys.edge_region(&node.region),
            &node.id,
            now_ms() + ttl_ms,
        )
        .await
    }

    /// Takes `node` out of the registry at once (graceful shutdown).
    pub async fn remove(&self, id: &str, region: &str) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        conn.del::<_, ()>(self.keys.edge_node(id)).await?;
        conn.zrem(self.keys.edge_region(region), id).await
    }

    /// The live node `id`, if it heartbeats.
    pub async fn get(&self, id: &str) -> RedisResult<Option<EdgeNode>> {
        let mut conn = self.redis.clone();
        let fields: HashMap<String, String> = conn.hgetall(self.keys.edge_node(id)).await?;
        Ok(node_from(id.to_owned(), &fields))
    }

    /// Every live node of `region`.
    pub async fn live(&self, region: &str) -> RedisResult<Vec<EdgeNode>> {
        let mut conn = self.redis.clone();
        let set = self.keys.edge_region(region);
        let now = now_ms();
        conn.zrembyscore::<_, _, _, ()>(&set, "-inf", now).await?;
        let ids: Vec<String> = conn.zrangebyscore(&set, now, "+inf").await?;
        let mut nodes = Vec::with_capacity(ids.len());
        for id in ids {
            let fields: HashMap<String, String> = conn.hgetall(self.keys.edge_node(&id)).await?;
            if let Some(node) = node_from(id, &fields) {
                nodes.push(node);
            }
        }
        Ok(nodes)
    }

    /// The least utilised live node of `region` that accepts lobbies and has room for `seats`.
    pub async fn least_loaded(&self, region: &str, seats: u32) -> RedisResult<Option<EdgeNode>> {
        Ok(self
            .live(region)
            .await?
            .into_iter()
            .filter(|n| n.accepting && n.load.saturating_add(seats) <= n.capacity)
            .min_by(|a, b| {
                a.utilisation()
                    .total_cmp(&b.utilisation())
                    .then_with(|| a.id.cmp(&b.id))
            }))
    }

    /// Publishes the lobbies node `id` runs, alive for `ttl` like its entry (the operator
    /// console's live view reads them; nothing routes by them).
    pub async fn publish_lobbies(
        &self,
        id: &str,
        lobbies: &[String],
        ttl: Duration,
    ) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        let key = self.keys.edge_node_lobbies(id);
        let mut pipe = redis::pipe();
        pipe.atomic().del(&key).ignore();
        if !lobbies.is_empty() {
            pipe.sadd(&key, lobbies)
                .ignore()
                .pexpire(&key, ttl.as_millis() as i64)
                .ignore();
        }
        pipe.query_async(&mut conn).await
    }

    /// The lobbies node `id` ran at its last heartbeat.
    pub async fn lobbies_of(&self, id: &str) -> RedisResult<Vec<String>> {
        let mut conn = self.redis.clone();
        let mut ids: Vec<String> = conn.smembers(self.keys.edge_node_lobbies(id)).await?;
        ids.sort();
        Ok(ids)
    }

    /// Counts `seats` against `node` until its next heartbeat reports its real load, so that
    /// allocations between two heartbeats spread over nodes instead of piling onto one.
    pub async fn reserve(&self, node: &str, seats: u32) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        let key = self.keys.edge_node(node);
        // HINCRBY on an expired node would recreate it without a TTL; only touch a live one.
        RESERVE
            .key(key)
            .arg(seats)
            .invoke_async::<()>(&mut conn)
            .await
    }
}

static RESERVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HINCRBY', KEYS[1], 'load', ARGV[1]) end
          return 0",
    )
});

fn node_from(id: String, fields: &HashMap<String, String>) -> Option<EdgeNode> {
    let url = fields.get("url")?.clone();
    Some(EdgeNode {
        internal_url: fields
            .get("internal")
            .cloned()
            .unwrap_or_else(|| url.clone()),
        url,
        region: fields.get("region")?.clone(),
        capacity: fields.get("capacity")?.parse().ok()?,
        load: fields.get("load")?.parse().ok()?,
        accepting: fields.get("accepting")? == "1",
        id,
    })
}

/// How a lobby came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LobbyKind {
    /// Formed by the matchmaker; the members are fixed.
    Match,
    /// Created by a host; players join by code; the host starts the game.
    Private,
}

impl LobbyKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Match => "match",
            Self::Private => "private",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "match" => Some(Self::Match),
            "private" => Some(Self::Private),
            _ => None,
        }
    }
}

/// A lobby's directory record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LobbyRecord {
    pub id: String,
    pub kind: LobbyKind,
    pub mode: String,
    pub region: String,
    /// The owning edge node and where players reach it.
    pub node: String,
    pub url: String,
    /// Fencing epoch of the ownership: raised each time another node takes the lobby over.
    pub epoch: u64,
    pub host: Option<String>,
    pub code: Option<String>,
    pub round_secs: u32,
    pub max_players: u8,
    pub created_at_ms: i64,
    /// `waiting`, `playing` or `over`.
    pub state: String,
    pub members: Vec<String>,
}

/// Who runs a lobby, as [`LobbyDirectory::claim`] settled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ownership {
    /// The caller owns the lobby under `epoch`; `took_over` when it just took it from a node
    /// whose lease had lapsed (resume from the snapshot).
    Mine {
        epoch: u64,
        took_over: bool,
    },
    /// Another node holds a live lease on the lobby.
    Theirs {
        node: String,
    },
    NoSuchLobby,
}

/// Result of adding a player to a lobby.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Added,
    AlreadyMember,
    Full,
    NoSuchLobby,
}

/// The directory of live lobbies.
#[derive(Debug, Clone)]
pub struct LobbyDirectory {
    redis: Redis,
    keys: KeySchema,
}

impl LobbyDirectory {
    pub fn new(redis: Redis, keys: KeySchema) -> Self {
        Self { redis, keys }
    }

    /// Records a new lobby, alive for `ttl`.
    pub async fn create(&self, lobby: &LobbyRecord, ttl: Duration) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        let key = self.keys.lobby(&lobby.id);
        let members = self.keys.lobby_members(&lobby.id);
        let ttl_ms = ttl.as_millis() as i64;
        let mut fields = vec![
            ("kind", lobby.kind.as_str().to_owned()),
            ("mode", lobby.mode.clone()),
            ("region", lobby.region.clone()),
            ("node", lobby.node.clone()),
            ("url", lobby.url.clone()),
            ("epoch", lobby.epoch.to_string()),
            ("round_secs", lobby.round_secs.to_string()),
            ("max_players", lobby.max_players.to_string()),
            ("created_at_ms", lobby.created_at_ms.to_string()),
            ("state", lobby.state.clone()),
        ];
        if let Some(host) = &lobby.host {
            fields.push(("host", host.clone()));
        }
        if let Some(code) = &lobby.code {
            fields.push(("code", code.clone()));
        }
        let mut pipe = redis::pipe();
        pipe.atomic()
            .del(&members)
            .ignore()
            .hset_multiple(&key, &fields)
            .ignore()
            .pexpire(&key, ttl_ms)
            .ignore();
        if !lobby.members.is_empty() {
            pipe.sadd(&members, &lobby.members)
                .ignore()
                .pexpire(&members, ttl_ms)
                .ignore();
        }
        pipe.query_async(&mut conn).await
    }

    /// The lobby `id`, if it is live.
    pub async fn get(&self, id: &str) -> RedisResult<Option<LobbyRecord>> {
        let mut conn = self.redis.clone();
        let (fields, members): (HashMap<String, String>, Vec<String>) = redis::pipe()
            .hgetall(self.keys.lobby(id))
            .smembers(self.keys.lobby_members(id))
            .query_async(&mut conn)
            .await?;
        Ok(lobby_from(id, &fields, members))
    }

    /// Adds `user` to the lobby unless it is full (atomic against concurrent joins).
    pub async fn add_member(&self, id: &str, user: &str) -> RedisResult<Membership> {
        let mut conn = self.redis.clone();
        let answer: i64 = ADD_MEMBER
            .key(self.keys.lobby(id))
            .key(self.keys.lobby_members(id))
            .arg(user)
            .invoke_async(&mut conn)
            .await?;
        Ok(match answer {
            1 => Membership::Added,
            2 => Membership::AlreadyMember,
            3 => Membership::Full,
            _ => Membership::NoSuchLobby,
        })
    }

    /// Sets the lobby's state (`waiting`, `playing`, `over`) if the lobby is live.
    pub async fn set_state(&self, id: &str, state: &str) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        SET_IF_LIVE
            .key(self.keys.lobby(id))
            .arg("state")
            .arg(state)
            .invoke_async::<()>(&mut conn)
            .await
    }

    /// Keeps a lobby (and its members) alive for another `ttl`.
    pub async fn touch(&self, id: &str, ttl: Duration) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        let ttl_ms = ttl.as_millis() as i64;
        redis::pipe()
            .pexpire(self.keys.lobby(id), ttl_ms)
            .ignore()
            .pexpire(self.keys.lobby_members(id), ttl_ms)
            .ignore()
            .query_async(&mut conn)
            .await
    }

    /// Removes a lobby's record and members (a lobby that never opened, e.g. its matchmaking
    /// claim was lost to another matcher).
    pub async fn remove(&self, id: &str) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        redis::pipe()
            .del(self.keys.lobby(id))
            .ignore()
            .del(self.keys.lobby_members(id))
            .ignore()
            .query_async(&mut conn)
            .await
    }

    /// Settles who runs lobby `id`: the recorded owner while its lease lives; otherwise `node`,
    /// which then takes the lease (and, if the lobby was another node's, a higher epoch — the
    /// fencing token every later snapshot write of the old owner fails against).
    pub async fn claim(
        &self,
        id: &str,
        node: &str,
        url: &str,
        lease: Duration,
    ) -> RedisResult<Ownership> {
        let mut conn = self.redis.clone();
        let (verdict, epoch, holder): (i64, u64, String) = CLAIM
            .key(self.keys.lobby(id))
            .key(self.keys.lobby_lease(id))
            .arg(node)
            .arg(url)
            .arg(lease.as_millis() as u64)
            .invoke_async(&mut conn)
            .await?;
        Ok(match verdict {
            1 => Ownership::Mine {
                epoch,
                took_over: false,
            },
            2 => Ownership::Mine {
                epoch,
                took_over: true,
            },
            3 => Ownership::Theirs { node: holder },
            _ => Ownership::NoSuchLobby,
        })
    }

    /// Stores the lobby's latest state and renews the owner's lease — only while `node` still
    /// owns the lobby under `epoch`. False when fenced off (another node took the lobby over).
    pub async fn save_snapshot(
        &self,
        id: &str,
        node: &str,
        epoch: u64,
        snapshot: &str,
        lease: Duration,
        ttl: Duration,
    ) -> RedisResult<bool> {
        let mut conn = self.redis.clone();
        let saved: i64 = SAVE_SNAPSHOT
            .key(self.keys.lobby(id))
            .key(self.keys.lobby_lease(id))
            .key(self.keys.lobby_snapshot(id))
            .arg(node)
            .arg(epoch)
            .arg(snapshot)
            .arg(lease.as_millis() as u64)
            .arg(ttl.as_millis() as u64)
            .invoke_async(&mut conn)
            .await?;
        Ok(saved == 1)
    }

    /// The lobby's latest snapshot, if any.
    pub async fn snapshot(&self, id: &str) -> RedisResult<Option<String>> {
        let mut conn = self.redis.clone();
        conn.get(self.keys.lobby_snapshot(id)).await
    }

    /// Gives up `node`'s lease on the lobby (a draining node hands it over): the next node a
    /// player reaches takes it over at once instead of after the lease runs out.
    pub async fn release(&self, id: &str, node: &str) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        RELEASE
            .key(self.keys.lobby_lease(id))
            .arg(node)
            .invoke_async::<()>(&mut conn)
            .await
    }

    /// Reserves join `code` for lobby `id` for `ttl`; false if a live lobby holds it already.
    pub async fn reserve_code(&self, code: &str, id: &str, ttl: Duration) -> RedisResult<bool> {
        let mut conn = self.redis.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(self.keys.lobby_code(code))
            .arg(id)
            .arg("NX")
            .arg("PX")
            .arg(ttl.as_millis() as u64)
            .query_async(&mut conn)
            .await?;
        Ok(set.is_some())
    }

    /// The lobby a join code opens, if live.
    pub async fn resolve_code(&self, code: &str) -> RedisResult<Option<String>> {
        let mut conn = self.redis.clone();
        conn.get(self.keys.lobby_code(code)).await
    }

    /// Frees a join code (the lobby started or ended).
    pub async fn release_code(&self, code: &str) -> RedisResult<()> {
        let mut conn = self.redis.clone();
        conn.del(self.keys.lobby_code(code)).await
    }
}

static ADD_MEMBER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
          if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 2 end
          local max = tonumber(redis.call('HGET', KEYS[1], 'max_players'))
          if redis.call('SCARD', KEYS[2]) >= max then return 3 end
          redis.call('SADD', KEYS[2], ARGV[1])
          redis.call('PEXPIRE', KEYS[2], redis.call('PTTL', KEYS[1]))
          return 1",
    )
});

// KEYS: record, lease. ARGV: node, url, lease ms. Returns {verdict, epoch, holder}:
// 1 ours, 2 just taken over, 3 another node's live lease, 0 no such lobby.
static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, ''} end
          local owner = redis.call('HGET', KEYS[1], 'node')
          local holder = redis.call('GET', KEYS[2])
          if holder and holder ~= ARGV[1] then return {3, 0, holder} end
          if owner == ARGV[1] then
            redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
            return {1, tonumber(redis.call('HGET', KEYS[1], 'epoch')), ARGV[1]}
          end
          local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
          redis.call('HSET', KEYS[1], 'node', ARGV[1], 'url', ARGV[2])
          redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
          return {2, epoch, ARGV[1]}",
    )
});

// KEYS: record, lease, snapshot. ARGV: node, epoch, snapshot, lease ms, ttl ms.
static SAVE_SNAPSHOT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1]
             or redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[2] then return 0 end
          redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[5])
          redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
          return 1",
    )
});

static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
          return 0",
    )
});

static SET_IF_LIVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
          return 0",
    )
});

fn lobby_from(id: &str, f: &HashMap<String, String>, members: Vec<String>) -> Option<LobbyRecord> {
    Some(LobbyRecord {
        id: id.to_owned(),
        kind: LobbyKind::parse(f.get("kind")?)?,
        mode: f.get("mode")?.clone(),
        region: f.get("region")?.clone(),
        node: f.get("node")?.clone(),
        url: f.get("url")?.clone(),
        epoch: f.get("epoch")?.parse().ok()?,
        host: f.get("host").cloned(),
        code: f.get("code").cloned(),
        round_secs: f.get("round_secs")?.parse().ok()?,
        max_players: f.get("max_players")?.parse().ok()?,
        created_at_ms: f.get("created_at_ms")?.parse().ok()?,
        state: f.get("state")?.clone(),
        members,
    })
}
