//! Events for players' own channels (`/ws/me` on the edge): each is appended to the player's
//! bounded log with the next `seq` and announced to every edge node (see
//! `whoosh_cache::user_events`). Publishing never fails the caller: the change that caused the
//! event is already committed in PostgreSQL, which clients can always read back; a Redis failure
//! is logged and the event is lost from the live channel only.

use crate::AppState;
use serde::Serialize;
use uuid::Uuid;

/// The kinds of user events (the `t` of their frames; docs/PROTOCOL.md lists their fields).
pub mod kind {
    /// A player or group challenged the player (or the player's group).
    pub const BATTLE_INVITE: &str = "battle:invite";
    /// Someone joined a battle the player is in.
    pub const BATTLE_JOIN: &str = "battle:join";
    /// A battle the player is in began: its lobby is open.
    pub const BATTLE_BEGIN: &str = "battle:begin";
    /// A battle the player is in finished, with its winner.
    pub const BATTLE_FINISHED: &str = "battle:finished";
    /// The player's value and rank on a board changed.
    pub const LEADERBOARD: &str = "leaderboard";
}

/// Appends `data` (a JSON object) as a `kind` event to each user's log and announces it.
pub async fn notify(state: &AppState, users: &[Uuid], kind: &str, data: &impl Serialize) {
    let Ok(json) = serde_json::to_string(data) else {
        tracing::error!(kind, "user event not serialisable");
        return;
    };
    for user in users {
        if let Err(error) = state
            .user_events
            .publish(&user.to_string(), kind, &json)
            .await
        {
            tracing::warn!(%error, user_id = %user, kind, "user event not published");
        }
    }
}

/// The battle flow's events: one function per step, called once per step by the service that
/// made the change (matchmaking for invitations, joins and starts; the edge's results writer for
/// the finish, after the match and the battle were committed together).
///
/// These are also the hook points for what else a step triggers: a push notification of an
/// invitation belongs in [`battle::invited`], analytics of a battle's start and end in
/// [`battle::began`] and [`battle::finished`].
pub mod battle {
    use super::{kind, notify};
    use crate::AppState;
    use serde_json::json;
    use uuid::Uuid;
    use whoosh_store::battles::{Battle, Finished};

    /// Players were invited to `side` of a battle: the challenged player (or the opponent
    /// group's owner and admins) when it opens, a player a side of a player battle invited later.
    pub async fn invited(state: &AppState, battle: &Battle, invited: &[Uuid], side: &str) {
        let data = json!({
            "battle_id": battle.id,
            "kind": battle.kind,
            "side": side,
            "challenger_id": battle.challenger_id,
            "challenger_group": battle.challenger_group,
            "opponent_group": battle.opponent_group,
        });
        notify(state, invited, kind::BATTLE_INVITE, &data).await;
    }

    /// `user` joined `side`: every player of the battle hears it.
    pub async fn joined(state: &AppState, battle: &Battle, user: Uuid, side: &str) {
        let data = json!({ "battle_id": battle.id, "user_id": user, "side": side });
        notify(state, &battle.user_ids(), kind::BATTLE_JOIN, &data).await;
    }

    /// The battle began in a lobby: every player hears where (each reads a join token of their
    /// own from `GET /api/lobbies/{lobby_id}`).
    pub async fn began(state: &AppState, battle: &Battle, edge_url: &str, ws_url: &str) {
        let data = json!({
            "battle_id": battle.id,
            "lobby_id": battle.lobby_id,
            "edge_url": edge_url,
            "ws_url": ws_url,
        });
        notify(state, &battle.user_ids(), kind::BATTLE_BEGIN, &data).await;
    }

    /// The battle's match was recorded: every player hears the winner.
    pub async fn finished(state: &AppState, finished: &Finished) {
        let data = json!({
            "battle_id": finished.battle_id,
            "match_id": finished.match_id,
            "winner": finished.winner,
        });
        notify(state, &finished.players, kind::BATTLE_FINISHED, &data).await;
        tracing::info!(battle_id = %finished.battle_id, winner = %finished.winner, "battle finished");
    }
}
