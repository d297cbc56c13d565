//! `/api/matchmaking/tickets`: ask for a match, poll it, cancel it.

use crate::{MODES, TICKET_KEEP, join_token, now_ms, parties, queue, region, socket_url};
use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
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

/// A ticket as a player on it sees it. The searching-only and matched-only fields are present
/// only in that status.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Ticket)]
pub(crate) struct TicketView {
    ticket_id: String,
    /// `searching`, `matched`, `cancelled` or `expired`.
    #[schema(example = "searching")]
    status: &'static str,
    mode: String,
    region: String,
    party_id: Option<String>,
    /// Every player on the ticket (user ids).
    players: Vec<String>,
    /// The player's Elo or the party's average.
    rating: i32,
    created_at_ms: i64,
    /// Searching: when it expires unmatched. Matched: until when it answers its match.
    expires_at_ms: i64,
    /// Searching only.
    #[serde(skip_serializing_if = "Option::is_none")]
    waited_ms: Option<i64>,
    /// Searching only: the ratings it accepts now.
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<RatingWindow>,
    /// Searching only: `players`, or `edge_node` when no game node with room is live.
    #[serde(skip_serializing_if = "Option::is_none")]
    waiting_for: Option<String>,
    /// Matched only.
    #[serde(skip_serializing_if = "Option::is_none")]
    lobby_id: Option<String>,
    /// Matched only.
    #[serde(skip_serializing_if = "Option::is_none")]
    edge_url: Option<String>,
    /// Matched only: `{edge_url}/ws/lobbies/{lobby_id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    ws_url: Option<String>,
    /// Matched only: a join token (JWT of kind `join`) for the calling player, fresh on each read.
    #[serde(skip_serializing_if = "Option::is_none")]
    join_token: Option<String>,
    /// Matched only.
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_at_ms: Option<i64>,
}

/// The ratings a searching ticket accepts.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RatingWindow {
    min: i64,
    max: i64,
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::TicketNotFound, "no such ticket")
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
) -> Result<TicketView, ApiError> {
    let status = match ticket.status {
        TicketStatus::Searching | TicketStatus::Matched if now >= ticket.expires_at_ms => {
            TicketStatus::Expired
        }
        status => status,
    };
    let mut view = TicketView {
        ticket_id: ticket.id.clone(),
        status: status.as_str(),
        mode: ticket.mode.clone(),
        region: ticket.region.clone(),
        party_id: ticket.party_id.clone(),
        players: ticket.members.clone(),
        rating: ticket.rating,
        created_at_ms: ticket.created_at_ms,
        expires_at_ms: ticket.expires_at_ms,
        waited_ms: None,
        window: None,
        waiting_for: None,
        lobby_id: None,
        edge_url: None,
        ws_url: None,
        join_token: None,
        matched_at_ms: None,
    };
    match status {
        TicketStatus::Searching => {
            let waited = (now - ticket.created_at_ms).max(0);
            let half = i64::from(state.config.matchmaking.rules().window(waited));
            let rating = i64::from(ticket.rating);
            view.waited_ms = Some(waited);
            view.window = Some(RatingWindow {
                min: rating - half,
                max: rating + half,
            });
            view.waiting_for = Some(waiting_for.unwrap_or_else(|| "players".to_owned()));
        }
        TicketStatus::Matched => {
            let (Some(lobby), Some(edge)) = (&ticket.lobby_id, &ticket.edge_url) else {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "matched ticket {} without a lobby",
                    ticket.id
                )));
            };
            view.lobby_id = Some(lobby.clone());
            view.edge_url = Some(edge.clone());
            view.ws_url = Some(socket_url(edge, lobby));
            view.join_token = Some(join_token(state, viewer, lobby)?);
            view.matched_at_ms = ticket.matched_at_ms;
        }
        TicketStatus::Cancelled | TicketStatus::Expired => {}
    }
    Ok(view)
}
