//! The one Redis key schema. Every key Whoosh writes is built here, under a configurable prefix
//! (tests use a unique prefix each, so they never touch each other's keys or a shared server's).
//!
//! Cluster mode: keys that a single command or script touches together share a hash tag
//! (`{...}`), so they live in one slot. Keys used alone carry their own tag so that unrelated
//! subjects spread across shards.

/// Builds every key under one prefix.
#[derive(Debug, Clone)]
pub struct KeySchema {
    prefix: String,
}

impl KeySchema {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Rate-limit state of one subject under one policy: `<prefix>rl:{<policy>:<subject>}`.
    pub fn rate_limit(&self, policy: &str, subject: &str) -> String {
        format!("{}rl:{{{policy}:{subject}}}", self.prefix)
    }

    /// Rate-limit state of one player under one policy: `<prefix>rl:{u:<user>}:<policy>`, in the
    /// player's slot so that one script reads it with the player's revocation markers.
    pub fn player_rate_limit(&self, policy: &str, user: &str) -> String {
        format!("{}rl:{{u:{user}}}:{policy}", self.prefix)
    }

    /// Marks a session revoked while its access tokens could still be alive:
    /// `<prefix>auth:{u:<user>}:revoked:<session>`.
    pub fn revoked_session(&self, user: &str, session: &str) -> String {
        format!("{}auth:{{u:{user}}}:revoked:{session}", self.prefix)
    }

    /// The sorted set of a board: `<prefix>lb:{<board>}:z`.
    pub fn board_set(&self, board: &str) -> String {
        format!("{}lb:{{{board}}}:z", self.prefix)
    }

    /// user → member map of a board (same slot as its set).
    pub fn board_members(&self, board: &str) -> String {
        format!("{}lb:{{{board}}}:m", self.prefix)
    }

    /// Present once a board's index has been built.
    pub fn board_ready(&self, board: &str) -> String {
        format!("{}lb:{{{board}}}:ready", self.prefix)
    }

    /// Per-board change counter (the SSE event id), in the board's slot.
    pub fn board_version(&self, board: &str) -> String {
        format!("{}lb:{{{board}}}:version", self.prefix)
    }

    /// Pub/sub channel on which leaderboard changes are announced (`<board> <version>`).
    pub fn board_changes_channel(&self) -> String {
        format!("{}lb:changes", self.prefix)
    }

    /// Pub/sub channel on which session revocations of users are announced.
    pub fn revocations_channel(&self) -> String {
        format!("{}auth:revocations", self.prefix)
    }

    /// A user's event counter (the last `seq` given out): `<prefix>ue:{<user>}:seq`.
    pub fn user_event_seq(&self, user: &str) -> String {
        format!("{}ue:{{{user}}}:seq", self.prefix)
    }

    /// A user's bounded event log (a stream whose ids are `<seq>-0`), in the counter's slot.
    pub fn user_event_log(&self, user: &str) -> String {
        format!("{}ue:{{{user}}}:log", self.prefix)
    }

    /// Pub/sub channel on which every user event is announced to the edge nodes.
    pub fn user_events_channel(&self) -> String {
        format!("{}ue:events", self.prefix)
    }

    /// Game results waiting for PostgreSQL (a stream): `<prefix>outbox:{results}`.
    pub fn results_outbox(&self) -> String {
        format!("{}outbox:{{results}}", self.prefix)
    }

    /// One edge node's registry entry: `<prefix>edge:node:{<id>}`.
    pub fn edge_node(&self, id: &str) -> String {
        format!("{}edge:node:{{{id}}}", self.prefix)
    }

    /// The lobbies one edge node runs, as of its last heartbeat (same slot as its entry).
    pub fn edge_node_lobbies(&self, id: &str) -> String {
        format!("{}edge:node:{{{id}}}:lobbies", self.prefix)
    }

    /// A leaderboard rebuild's progress, as the operator console started it:
    /// `<prefix>lb:{<board>}:rebuild-progress`.
    pub fn board_rebuild_progress(&self, board: &str) -> String {
        format!("{}lb:{{{board}}}:rebuild-progress", self.prefix)
    }

    /// The live edge nodes of a region, scored by heartbeat expiry: `<prefix>edge:nodes:{<region>}`.
    pub fn edge_region(&self, region: &str) -> String {
        format!("{}edge:nodes:{{{region}}}", self.prefix)
    }

    /// A lobby's directory record: `<prefix>lobby:{<id>}`.
    pub fn lobby(&self, id: &str) -> String {
        format!("{}lobby:{{{id}}}", self.prefix)
    }

    /// A lobby's members (same slot as its record).
    pub fn lobby_members(&self, id: &str) -> String {
        format!("{}lobby:{{{id}}}:members", self.prefix)
    }

    /// The owning node's lease on a lobby (same slot as its record): while it lives, no other
    /// node may take the lobby over.
    pub fn lobby_lease(&self, id: &str) -> String {
        format!("{}lobby:{{{id}}}:lease", self.prefix)
    }

    /// A lobby's latest state snapshot (same slot as its record).
    pub fn lobby_snapshot(&self, id: &str) -> String {
        format!("{}lobby:{{{id}}}:snapshot", self.prefix)
    }

    /// A private lobby's join code → lobby id: `<prefix>lobbycode:{<code>}`.
    pub fn lobby_code(&self, code: &str) -> String {
        format!("{}lobbycode:{{{code}}}", self.prefix)
    }

    /// A matchmaking queue's waiting tickets (ticket id → `rating:since_ms:members`):
    /// `<prefix>mm:{<mode>:<region>}:pool`. Every key of a queue shares its hash tag, so one
    /// script can claim a group of tickets atomically, also in cluster mode.
    pub fn queue_pool(&self, mode: &str, region: &str) -> String {
        format!("{}mm:{{{mode}:{region}}}:pool", self.prefix)
    }

    /// One ticket's record, in its queue's slot: `<prefix>mm:{<mode>:<region>}:t:<id>`.
    pub fn ticket(&self, mode: &str, region: &str, id: &str) -> String {
        format!("{}mm:{{{mode}:{region}}}:t:{id}", self.prefix)
    }

    /// What a queue's tickets wait for besides players (`edge_node`), set by the matcher.
    pub fn queue_waiting_for(&self, mode: &str, region: &str) -> String {
        format!("{}mm:{{{mode}:{region}}}:waiting_for", self.prefix)
    }

    /// Which queue a ticket is in (`<mode> <region>`): `<prefix>mm:ticket:{<id>}`.
    pub fn ticket_queue(&self, id: &str) -> String {
        format!("{}mm:ticket:{{{id}}}", self.prefix)
    }

    /// The live ticket of a player (at most one): `<prefix>mm:player:{<user>}`.
    pub fn player_ticket(&self, user: &str) -> String {
        format!("{}mm:player:{{{user}}}", self.prefix)
    }

    /// A party's record: `<prefix>party:{<id>}`.
    pub fn party(&self, id: &str) -> String {
        format!("{}party:{{{id}}}", self.prefix)
    }

    /// A party's members (same slot as its record).
    pub fn party_members(&self, id: &str) -> String {
        format!("{}party:{{{id}}}:members", self.prefix)
    }

    /// A party's join code → party id: `<prefix>partycode:{<code>}`.
    pub fn party_code(&self, code: &str) -> String {
        format!("{}partycode:{{{code}}}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_keys_carry_one_hash_tag() {
        let keys = KeySchema::new("whoosh:");
        assert_eq!(
            keys.rate_limit("login-ip", "10.0.0.1"),
            "whoosh:rl:{login-ip:10.0.0.1}"
        );
    }
}
