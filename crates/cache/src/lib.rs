//! Redis: the index, queues and pub/sub of Whoosh (PostgreSQL stays the truth).
//!
//! One client type works against a single node and against ElastiCache in cluster mode; one key
//! schema names every key; the rate limiter lives here because every service uses it.

pub mod client;
pub mod discovery;
pub mod keys;
pub mod leaderboard;
pub mod lobbies;
pub mod matchmaking;
pub mod rate_limit;
pub mod user_events;

pub use client::{Redis, RedisMode};
pub use keys::KeySchema;
pub use leaderboard::LeaderboardIndex;
pub use lobbies::{
    EdgeNode, LobbyDirectory, LobbyKind, LobbyRecord, Membership, NodeRegistry, Ownership,
};
pub use matchmaking::{
    Cancelled, Enqueued, Party, PartyDirectory, PartyJoin, PoolEntry, Ticket, TicketQueue,
    TicketStatus,
};
pub use rate_limit::{Decision, Rate, RateLimiter};
pub use user_events::{Catchup, UserEvent, UserEvents};
