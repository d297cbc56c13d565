//! `/api/matchmaking/tickets`: ask for a match, poll it, cancel it.

use crate::{
    placement::region,
    records::{MODES, TICKET_KEEP, now_ms, party_directory, ticket_queue},
    ticket_view::{TicketView, view, visible},
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use whoosh_cache::{Cancelled, Enqueued, Ticket, TicketStatus};
use whoosh_core::ErrorCode;
use whoosh_http::{ApiError, AppState, AuthUser, ErrorBody, Json};

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct NewTicket {
    /// The game mode; only `party` (the default) exists.
    #[serde(default)]
    #[schema(example = "party")]
    mode: Option<String>,
    /// A served region; `DEFAULT_REGION` when omitted.
    #[serde(default)]
    #[schema(example = "local")]
    region: Option<String>,
    /// Queue this party (the caller must be its leader).
    #[serde(default)]
    party_id: Option<String>,
}

/// Asks for a quick match, for the caller or (its leader) a whole party.
#[utoipa::path(post, path = "/api/matchmaking/tickets", tag = "matchmaking", request_body = NewTicket, security(("access_token" = [])), responses(
    (status = 201, description = "The ticket, `searching`.", body = TicketView),
    (status = 400, description = "`invalid_mode`; `invalid_region`; `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`not_party_leader`.", body = ErrorBody),
    (status = 404, description = "`party_not_found`; `not_found` (the player has no profile).", body = ErrorBody),
    (status = 409, description = "`ticket_already_live`: the caller or a party member has a searching ticket.", body = ErrorBody),
))]
pub(crate) async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Json(body): Json<NewTicket>,
) -> Result<(StatusCode, Json<TicketView>), ApiError> {
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
            let party = party_directory(&state)
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
    match ticket_queue(&state).enqueue(&ticket, TICKET_KEEP).await? {
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
        party_directory(&state)
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

/// The ticket as the calling player sees it; poll it about once a second.
#[utoipa::path(get, path = "/api/matchmaking/tickets/{id}", tag = "matchmaking", params(("id" = String, Path, description = "The ticket id.")), security(("access_token" = [])), responses(
    (status = 200, description = "The ticket.", body = TicketView),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`ticket_not_found`: no such ticket, or the caller is not on it.", body = ErrorBody),
))]
pub(crate) async fn show(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, ApiError> {
    let me = user.user_id.to_string();
    let (ticket, waiting_for) = visible(&state, &id, &me).await?;
    Ok(Json(view(&state, &ticket, waiting_for, &me, now_ms())?))
}

/// Cancels a searching ticket; any player on it may (a party leaves the queue together).
#[utoipa::path(delete, path = "/api/matchmaking/tickets/{id}", tag = "matchmaking", params(("id" = String, Path, description = "The ticket id.")), security(("access_token" = [])), responses(
    (status = 200, description = "The ticket, `cancelled` (or `expired`).", body = TicketView),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`ticket_not_found`.", body = ErrorBody),
    (status = 409, description = "`ticket_matched`: join its lobby instead.", body = ErrorBody),
))]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, ApiError> {
    let me = user.user_id.to_string();
    let (mut ticket, _) = visible(&state, &id, &me).await?;
    match ticket_queue(&state).cancel(&ticket).await? {
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
