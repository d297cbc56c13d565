//! `/api/matchmaking/tickets`: ask for a match, poll it, cancel it.

use crate::{MODES, TICKET_KEEP, join_token, now_ms, parties, queue, region, socket_url};
use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;
use whoosh_cache::{Cancelled, Enqueued, Ticket, TicketStatus};
use whoosh_core::ErrorCode;
use whoosh_http::{ApiError, AppState, AuthUser, Json};

#[derive(Debug, Deserialize)]
pub(crate) struct NewTicket {
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    party_id: Option<String>,
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::TicketNotFound, "no such ticket")
}

pub(crate) async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Json(body): Json<NewTicket>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mode = body.mode.as_deref().unwrap_or("party");
    if !MODES.contains(&mode) {
        return Err(ApiError::new(
            ErrorCode::InvalidMode,
            format!("mode must be one of: {}", MODES.join(", ")),
        ));
    }
    let region = region(&state, body.region.as_deref())?;
    let me = user.user_id.to_string();
    let party = match &body.party_id {
        None => None,
        Some(id) => {
            let party = parties(&state)
                .get(id)
                .await?
                .filter(|p| p.members.contains(&me))
                .ok_or_else(|| ApiError::new(ErrorCode::PartyNotFound, "no such party"))?;
            if party.leader != me {
                return Err(ApiError::new(
                    ErrorCode::NotPartyLeader,
                    "only the party's leader queues the party",
                ));
            }
            Some(party)
        }
    };
    let mut members = party
        .as_ref()
        .map_or_else(|| vec![me.clone()], |p| p.members.clone());
    members.sort();
    let rating = average_rating(&state, &members).await?;
    let config = &state.config.matchmaking;
    let now = now_ms();
    let ticket = Ticket {
        id: Uuid::new_v4().to_string(),
        mode: mode.to_owned(),
        region,
        owner: me.clone(),
        members,
        party_id: party.as_ref().map(|p| p.id.clone()),
        rating,
        created_at_ms: now,
        expires_at_ms: now + config.ticket_ttl.as_millis() as i64,
        status: TicketStatus::Searching,
        lobby_id: None,
        edge_url: None,
        matched_at_ms: None,
    };
    match queue(&state).enqueue(&ticket, TICKET_KEEP).await? {
        Enqueued::Queued => {}
        Enqueued::AlreadyLive { player } => {
            let whom = if player == me {
                "you already have a live ticket; cancel it or wait for it".to_owned()
            } else {
                format!("party member {player} already has a live ticket")
            };
            return Err(ApiError::new(ErrorCode::TicketAlreadyLive, whom));
        }
    }
    if let Some(party) = &party {
        parties(&state)
            .set_ticket(party, &ticket.id, config.lobby_ttl)
            .await?;
    }
    tracing::info!(ticket = %ticket.id, players = ticket.members.len(), rating, "ticket queued");
    let view = view(&state, &ticket, None, &me, now)?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The rating of a ticket: the player's Elo, or the party's average (rounded).
async fn average_rating(state: &AppState, members: &[String]) -> Result<i32, ApiError> {
    let ids: Vec<Uuid> = members.iter().filter_map(|m| m.parse().ok()).collect();
    let ratings = whoosh_store::profiles::ratings(&state.db, &ids).await?;
    if ratings.is_empty() {
        return Err(ApiError::new(ErrorCode::NotFound, "no such player"));
    }
    let sum: i64 = ratings.iter().map(|(_, elo)| i64::from(*elo)).sum();
    let n = ratings.len() as i64;
    Ok(i32::try_from((sum + n / 2).div_euclid(n)).unwrap_or(i32::MAX))
}

/// The ticket `id` if `viewer` is on it (others get 404, as if it did not exist).
pub(crate) async fn visible(
    state: &AppState,
    id: &str,
    viewer: &str,
) -> Result<(Ticket, Option<String>), ApiError> {
    queue(state)
        .get_with_queue_state(id)
        .await?
        .filter(|(t, _)| t.members.iter().any(|m| m == viewer))
        .ok_or_else(not_found)
}

pub(crate) async fn show(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let me = user.user_id.to_string();
    let (ticket, waiting_for) = visible(&state, &id, &me).await?;
    Ok(Json(view(&state, &ticket, waiting_for, &me, now_ms())?))
}

/// Cancels a searching ticket; any player on it may (a party leaves the queue together).
pub(crate) async fn cancel(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let me = user.user_id.to_string();
    let (mut ticket, _) = visible(&state, &id, &me).await?;
    match queue(&state).cancel(&ticket).await? {
        Cancelled::Cancelled => ticket.status = TicketStatus::Cancelled,
        Cancelled::AlreadyOver(TicketStatus::Matched) => {
            return Err(ApiError::new(
                ErrorCode::TicketMatched,
                "the ticket was already matched; join its lobby",
            ));
        }
        Cancelled::AlreadyOver(status) => ticket.status = status,
    }
    Ok(Json(view(&state, &ticket, None, &me, now_ms())?))
}

/// What a player on the ticket sees at `now`. A searching ticket past its expiry reads as
/// expired even before the matcher sweeps it; a matched one answers its lobby, with a join token
/// of the viewer's own, until it expires.
pub(crate) fn view(
    state: &AppState,
    ticket: &Ticket,
    waiting_for: Option<String>,
    viewer: &str,
    now: i64,
) -> Result<Value, ApiError> {
    let status = match ticket.status {
        TicketStatus::Searching | TicketStatus::Matched if now >= ticket.expires_at_ms => {
            TicketStatus::Expired
        }
        status => status,
    };
    let mut view = json!({
        "ticket_id": ticket.id,
        "status": status.as_str(),
        "mode": ticket.mode,
        "region": ticket.region,
        "party_id": ticket.party_id,
        "players": ticket.members,
        "rating": ticket.rating,
        "created_at_ms": ticket.created_at_ms,
        "expires_at_ms": ticket.expires_at_ms,
    });
    match status {
        TicketStatus::Searching => {
            let waited = (now - ticket.created_at_ms).max(0);
            let half = i64::from(state.config.matchmaking.rules().window(waited));
            let rating = i64::from(ticket.rating);
            view["waited_ms"] = json!(waited);
            view["window"] = json!({"min": rating - half, "max": rating + half});
            view["waiting_for"] = json!(waiting_for.as_deref().unwrap_or("players"));
        }
        TicketStatus::Matched => {
            let (Some(lobby), Some(edge)) = (&ticket.lobby_id, &ticket.edge_url) else {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "matched ticket {} without a lobby",
                    ticket.id
                )));
            };
            view["lobby_id"] = json!(lobby);
            view["edge_url"] = json!(edge);
            view["ws_url"] = json!(socket_url(edge, lobby));
            view["join_token"] = json!(join_token(state, viewer, lobby)?);
            view["matched_at_ms"] = json!(ticket.matched_at_ms);
        }
        TicketStatus::Cancelled | TicketStatus::Expired => {}
    }
    Ok(view)
}
