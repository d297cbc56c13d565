//! The matcher: a loop that, every `MATCHMAKING_INTERVAL`, reads each queue's waiting tickets,
//! groups them (the pure pass, `whoosh_core::matchmaking::form_groups`), and turns each group into
//! a lobby on a live edge node.
//!
//! Several matchers may run at once (two replicas of `whoosh matchmaker`, plus `whoosh dev`); none
//! needs to know of the others. For each group a matcher records the lobby, then claims the
//! group's tickets with one Lua script on the queue's hash tag, which moves them from waiting to
//! matched only if every one is still waiting. A matcher that loses a claim removes the lobby it
//! had recorded; its tickets stay with whoever won. So no ticket is ever matched twice, and a
//! matched ticket never names a lobby that does not exist.
//!
//! The clock is an argument (`now_ms`): tests widen windows and expire tickets without sleeping.
//!
//! Each player of a formed lobby gets a `match_found` notification (Telegram, through
//! `whoosh notifier`), enqueued in PostgreSQL once the lobby's tickets are claimed.

use crate::records::{MODES, TICKET_KEEP, ticket_queue};
use std::{future::Future, time::Duration};
use whoosh_cache::{LobbyKind, LobbyRecord, PoolEntry};
use whoosh_core::matchmaking::{MIN_LOBBY_PLAYERS, Waiting, form_groups};
use whoosh_http::AppState;

/// The least time the "waiting for an edge node" marker lives: it outlasts a few passes, so a
/// slow pass does not make it flicker, and clears soon after the last matcher stops setting it.
const WAITING_FOR_MARK_MIN: Duration = Duration::from_secs(2);

/// A lobby formed by one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormedLobby {
    pub lobby_id: String,
    pub region: String,
    pub node: String,
    pub tickets: Vec<String>,
    pub players: Vec<String>,
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub lobbies: Vec<FormedLobby>,
    /// Tickets this pass marked expired.
    pub expired: usize,
    /// Groups another matcher (or a cancel) got to first.
    pub lost_claims: usize,
    /// Queues whose tickets wait for an edge node.
    pub waiting_for_node: usize,
}

/// Runs a pass every `interval` until `shutdown` resolves (a pass in progress finishes first).
/// Failures of one pass (Redis unreachable) are logged; the next pass tries again.
pub async fn run_matcher(
    state: AppState,
    interval: Duration,
    shutdown: impl Future<Output = ()> + Send,
) {
    let mut every = tokio::time::interval(interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    tracing::info!(?interval, "matcher started");
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = every.tick() => {}
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        match match_pass(&state, now).await {
            Ok(report) => {
                if !report.lobbies.is_empty() || report.expired > 0 || report.lost_claims > 0 {
                    tracing::info!(
                        lobbies = report.lobbies.len(),
                        expired = report.expired,
                        lost_claims = report.lost_claims,
                        waiting_for_node = report.waiting_for_node,
                        "matcher pass"
                    );
                }
            }
            Err(error) => tracing::warn!(%error, "matcher pass failed; retrying next interval"),
        }
    }
    tracing::info!("matcher stopped");
}

/// One pass over every queue (each mode in each served region) at time `now_ms`.
pub async fn match_pass(state: &AppState, now_ms: i64) -> redis::RedisResult<PassReport> {
    let mut report = PassReport::default();
    for region in &state.config.matchmaking.regions {
        for mode in MODES {
            queue_pass(state, mode, region, now_ms, &mut report).await?;
        }
    }
    Ok(report)
}

async fn queue_pass(
    state: &AppState,
    mode: &str,
    region: &str,
    now_ms: i64,
    report: &mut PassReport,
) -> redis::RedisResult<()> {
    let config = &state.config.matchmaking;
    let tickets = ticket_queue(state);
    let pool = tickets.waiting(mode, region).await?;
    if pool.is_empty() {
        return Ok(());
    }
    let ttl_ms = config.ticket_ttl.as_millis() as i64;
    let (stale, live): (Vec<PoolEntry>, Vec<PoolEntry>) = pool
        .into_iter()
        .partition(|t| t.since_ms.saturating_add(ttl_ms) <= now_ms);
    if !stale.is_empty() {
        let ids: Vec<String> = stale.into_iter().map(|t| t.id).collect();
        report.expired += tickets.expire(mode, region, &ids, now_ms).await?.len();
    }
    if live.is_empty() {
        return Ok(());
    }
    let mark_ttl = (config.interval * 4).max(WAITING_FOR_MARK_MIN);
    if state
        .nodes
        .least_loaded(region, u32::from(MIN_LOBBY_PLAYERS))
        .await?
        .is_none()
    {
        report.waiting_for_node += 1;
        return tickets
            .set_waiting_for(mode, region, Some("edge_node"), mark_ttl)
            .await;
    }
    tickets
        .set_waiting_for(mode, region, None, mark_ttl)
        .await?;

    let waiting: Vec<Waiting> = live.iter().map(waiting_of).collect();
    for group in form_groups(&waiting, now_ms, &config.rules()) {
        let members: Vec<&PoolEntry> = group.iter().map(|&i| &live[i]).collect();
        let players: Vec<String> = members
            .iter()
            .flat_map(|t| t.members.iter().cloned())
            .collect();
        let seats = players.len() as u32;
        let Some(node) = state.nodes.least_loaded(region, seats).await? else {
            report.waiting_for_node += 1;
            return tickets
                .set_waiting_for(mode, region, Some("edge_node"), mark_ttl)
                .await;
        };
        let lobby = match_lobby(
            uuid::Uuid::now_v7(),
            mode,
            region,
            &node,
            players.clone(),
            config,
            now_ms,
        );
        // The lobby exists before any ticket names it.
        state.lobbies.create(&lobby, config.lobby_ttl).await?;
        let ids: Vec<String> = members.iter().map(|t| t.id.clone()).collect();
        let claimed = tickets
            .claim(
                mode,
                region,
                &ids,
                &lobby.id,
                &node.url,
                now_ms,
                config.ticket_ttl,
                TICKET_KEEP,
            )
            .await?;
        if !claimed {
            state.lobbies.remove(&lobby.id).await?;
            report.lost_claims += 1;
            continue;
        }
        state.nodes.reserve(&node.id, seats).await?;
        for ticket in &members {
            tickets.release_players(&ticket.id, &ticket.members).await?;
        }
        tracing::info!(lobby = %lobby.id, node = %node.id, players = seats, "match formed");
        notify_match_found(state, &lobby, &players).await;
        report.lobbies.push(FormedLobby {
            lobby_id: lobby.id,
            region: region.to_owned(),
            node: node.id,
            tickets: ids,
            players,
        });
    }
    Ok(())
}

/// Enqueues a `match_found` notification for each player of a formed lobby (keyed by lobby and
/// player, so a pass that runs twice enqueues once). The match stands whether or not this
/// succeeds: a failure is logged, and the players still see the match on their tickets.
async fn notify_match_found(state: &AppState, lobby: &LobbyRecord, players: &[String]) {
    use whoosh_store::notifications::{self, Kind, NewNotification};
    for player in players {
        let Ok(user_id) = uuid::Uuid::parse_str(player) else {
            continue;
        };
        let found = NewNotification {
            user_id,
            kind: Kind::MatchFound,
            payload: serde_json::json!({
                "lobby_id": lobby.id,
                "mode": lobby.mode,
                "region": lobby.region,
                "players": players.len(),
            }),
            idempotency_key: format!("match_found:{}:{user_id}", lobby.id),
        };
        if let Err(error) = notifications::enqueue(&state.db, &found).await {
            tracing::warn!(%error, lobby = %lobby.id, %user_id, "match_found notification not enqueued");
        }
    }
}

fn waiting_of(entry: &PoolEntry) -> Waiting {
    Waiting {
        rating: entry.rating,
        players: u8::try_from(entry.members.len()).unwrap_or(u8::MAX),
        since_ms: entry.since_ms,
    }
}

/// A new lobby of kind `match` for exactly `members` on `node`: it starts once every member is in
/// (a formed quick match, a begun battle).
pub(crate) fn match_lobby(
    id: uuid::Uuid,
    mode: &str,
    region: &str,
    node: &whoosh_cache::EdgeNode,
    members: Vec<String>,
    config: &whoosh_http::MatchmakingConfig,
    now_ms: i64,
) -> LobbyRecord {
    LobbyRecord {
        id: id.to_string(),
        kind: LobbyKind::Match,
        mode: mode.to_owned(),
        region: region.to_owned(),
        node: node.id.clone(),
        url: node.url.clone(),
        epoch: 1,
        host: None,
        code: None,
        round_secs: u32::try_from(config.round.as_secs()).unwrap_or(u32::MAX),
        max_players: u8::try_from(members.len()).unwrap_or(u8::MAX),
        created_at_ms: now_ms,
        state: "waiting".to_owned(),
        members,
    }
}
