//! A ticket as a player on it sees it: what `/api/matchmaking/tickets/{id}` answers, and what a
//! party shows of its latest ticket to its members.

use crate::{
    placement::{join_token, socket_url},
    records::ticket_queue,
};
use serde::Serialize;
use utoipa::ToSchema;
use whoosh_cache::{Ticket, TicketStatus};
use whoosh_core::ErrorCode;
use whoosh_http::{ApiError, AppState};

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

/// The ticket `id` if `viewer` is on it (others get 404, as if it did not exist).
pub(crate) async fn visible(
    state: &AppState,
    id: &str,
    viewer: &str,
) -> Result<(Ticket, Option<String>), ApiError> {
    ticket_queue(state)
        .get_with_queue_state(id)
        .await?
        .filter(|(t, _)| t.members.iter().any(|m| m == viewer))
        .ok_or_else(not_found)
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
