//! The node's background tasks: its entry in the registry, and the subscriptions that reach its
//! sockets (revoked sessions, user events). Each ends on shutdown.

use super::shared::EdgeShared;
use crate::{lobby::Command, me::Delivery};
use futures_util::StreamExt;
use std::{sync::Arc, time::Duration};
use whoosh_cache::UserEvent;
use whoosh_core::UserId;

/// Keeps this node in the registry every third of the TTL; leaves it on shutdown.
pub(super) async fn heartbeat(edge: Arc<EdgeShared>) {
    let ttl = edge.config.heartbeat_ttl;
    let mut every = tokio::time::interval(ttl / 3);
    loop {
        tokio::select! {
            _ = every.tick() => {
                let node = edge.node();
                // Readiness follows the load: a full node takes no new players from the ALB.
                whoosh_http::health::set_at_capacity(node.load >= node.capacity);
                if let Err(error) = edge.state.nodes.heartbeat(&node, ttl).await {
                    tracing::warn!(%error, node = %edge.config.node_id, "registry heartbeat failed");
                }
                let lobbies = edge.lobby_ids();
                if let Err(error) = edge.state.nodes.publish_lobbies(&edge.config.node_id, &lobbies, ttl).await {
                    tracing::warn!(%error, node = %edge.config.node_id, "lobby list not published");
                }
            }
            () = whoosh_http::shutting_down() => break,
        }
    }
    if let Err(error) = edge
        .state
        .nodes
        .remove(&edge.config.node_id, &edge.config.region)
        .await
    {
        tracing::warn!(%error, "could not leave the registry");
    }
}

/// Closes the sockets of users whose sessions were revoked (logout everywhere, password change,
/// account deletion), as the auth and profiles services announce on Redis.
pub(super) async fn revocations(edge: Arc<EdgeShared>) {
    #[derive(serde::Deserialize)]
    struct Revocation {
        user_id: UserId,
        #[serde(default)]
        sessions: Vec<uuid::Uuid>,
        #[serde(default)]
        all_sessions: bool,
    }
    let channel = edge.state.keys.revocations_channel();
    follow_channel(
        &edge.state.redis_url,
        &channel,
        "revocations",
        || {},
        |payload| {
            if let Ok(r) = serde_json::from_str::<Revocation>(payload) {
                for lobby in edge.all_lobbies() {
                    let _ = lobby.tx.try_send(Command::Revoke { user: r.user_id });
                }
                edge.me.revoke(r.user_id, &r.sessions, r.all_sessions);
            }
        },
    )
    .await;
}

/// The node's subscription to the events channel: every event goes to its user's local sockets.
/// After a (re)subscription every socket reads the log, in case events went by meanwhile.
pub(super) async fn user_events(edge: Arc<EdgeShared>) {
    let channel = edge.state.keys.user_events_channel();
    follow_channel(
        &edge.state.redis_url,
        &channel,
        "user events",
        || edge.me.deliver(None, &Delivery::CatchUp),
        |payload| {
            let Some(event) = UserEvent::from_message(payload) else {
                return;
            };
            if let Ok(user) = event.user.parse::<UserId>() {
                edge.me
                    .deliver(Some(user), &Delivery::Event(Arc::new(event)));
            }
        },
    )
    .await;
}

/// Follows a Redis pub/sub `channel` until shutdown: `on_message` gets each payload, and
/// `on_subscribed` runs after every (re)subscription (messages published while the node was not
/// listening are gone, so a caller may need to catch up then). A failed subscription is retried,
/// and a dropped one renewed, a second later; both are logged as `what`.
pub(crate) async fn follow_channel(
    redis_url: &str,
    channel: &str,
    what: &str,
    mut on_subscribed: impl FnMut(),
    mut on_message: impl FnMut(&str),
) {
    loop {
        let subscribed = async {
            let client = redis::Client::open(redis_url)?;
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        }
        .await;
        match subscribed {
            Ok(pubsub) => {
                on_subscribed();
                let mut messages = pubsub.into_on_message();
                loop {
                    tokio::select! {
                        message = messages.next() => {
                            let Some(message) = message else { break };
                            let payload: String = message.get_payload().unwrap_or_default();
                            on_message(&payload);
                        }
                        () = whoosh_http::shutting_down() => return,
                    }
                }
                tracing::warn!("{what} subscription ended; reconnecting");
            }
            Err(error) => tracing::warn!(%error, "cannot subscribe to {what}; retrying"),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            () = whoosh_http::shutting_down() => return,
        }
    }
}
