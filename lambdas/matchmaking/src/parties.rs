//! `/api/lobbies/parties`: friends gather under a join code, then the leader queues them all with
//! one ticket. A party holds up to five players (the leader included).

use crate::{
    join_code::{JoinByCode, draw_code},
    records::{now_ms, party_directory, ticket_queue},
    ticket_view::{self, TicketView},
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use whoosh_cache::{Party, PartyJoin, TicketStatus};
use whoosh_core::{ErrorCode, LobbyCode, matchmaking::MAX_PARTY_PLAYERS};
use whoosh_http::{ApiError, AppState, AuthUser, ClientIp, ErrorBody, Json};

/// A party as a member sees it, with its latest ticket when the member is on it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Party)]
pub(crate) struct PartyView {
    party_id: String,
    /// The join code to share.
    #[schema(example = "K7QX2M")]
    code: String,
    leader: String,
    /// User ids, sorted.
    members: Vec<String>,
    max_players: u8,
    created_at_ms: i64,
    ticket: Option<TicketView>,
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::PartyNotFound, "no such party")
}

/// Opens a party led by the caller, under a fresh join code.
#[utoipa::path(post, path = "/api/lobbies/parties", tag = "lobbies", security(("access_token" = [])), responses(
    (status = 201, description = "The party.", body = PartyView),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
))]
pub(crate) async fn create(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<(StatusCode, Json<PartyView>), ApiError> {
    let me = user.user_id.to_string();
    let directory = party_directory(&state);
    let ttl = state.config.matchmaking.lobby_ttl;
    let id = Uuid::new_v4().to_string();
    let mut party = Party {
        id: id.clone(),
        leader: me.clone(),
        code: String::new(),
        members: vec![me.clone()],
        ticket: None,
        created_at_ms: now_ms(),
    };
    let code = draw_code(|code: LobbyCode| {
        party.code = code.to_string();
        let attempt = party.clone();
        let directory = directory.clone();
        async move { directory.create(&attempt, ttl).await }
    })
    .await?;
    party.code = code.to_string();
    Ok((StatusCode::CREATED, Json(view(&state, &party, &me).await?)))
}

/// Joins a party by its code.
#[utoipa::path(post, path = "/api/lobbies/parties/join", tag = "lobbies", request_body = JoinByCode, security(("access_token" = [])), responses(
    (status = 200, description = "The party.", body = PartyView),
    (status = 400, description = "`invalid_join_code`; `invalid_json`; `invalid_request` (the client address cannot be determined).", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`party_not_found`.", body = ErrorBody),
    (status = 409, description = "`party_full`; `ticket_already_live` (the party is searching).", body = ErrorBody),
    (status = 429, description = "`rate_limited`: `LOBBY_JOIN_RATE`, `LOBBY_JOIN_RATE_PER_IP` or the API-wide limit.", body = ErrorBody),
))]
pub(crate) async fn join(
    State(state): State<AppState>,
    user: AuthUser,
    ip: ClientIp,
    Json(body): Json<JoinByCode>,
) -> Result<Json<PartyView>, ApiError> {
    let code = body.attempt(&state, &user, ip).await?;
    let me = user.user_id.to_string();
    let directory = party_directory(&state);
    let id = directory
        .resolve_code(code.as_str())
        .await?
        .ok_or_else(not_found)?;
    let party = directory.get(&id).await?.ok_or_else(not_found)?;
    if !party.members.contains(&me) && searching(&state, &party).await? {
        return Err(ApiError::new(
            ErrorCode::TicketAlreadyLive,
            "the party is searching for a match; join when it is back",
        ));
    }
    match directory.join(&id, &me, MAX_PARTY_PLAYERS).await? {
        PartyJoin::Added | PartyJoin::AlreadyMember => {}
        PartyJoin::Full => {
            return Err(ApiError::new(
                ErrorCode::PartyFull,
                format!("a party holds at most {MAX_PARTY_PLAYERS} players"),
            ));
        }
        PartyJoin::NoSuchParty => return Err(not_found()),
    }
    let party = directory.get(&id).await?.ok_or_else(not_found)?;
    Ok(Json(view(&state, &party, &me).await?))
}

/// The party as a member sees it (poll it to find the party's match).
#[utoipa::path(get, path = "/api/lobbies/parties/{id}", tag = "lobbies", params(("id" = String, Path, description = "The party id.")), security(("access_token" = [])), responses(
    (status = 200, description = "The party.", body = PartyView),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`party_not_found`: no such party, or the caller is not a member.", body = ErrorBody),
))]
pub(crate) async fn show(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<PartyView>, ApiError> {
    let me = user.user_id.to_string();
    let party = member_of(&state, &id, &me).await?;
    Ok(Json(view(&state, &party, &me).await?))
}

/// Leaves the party; when the leader leaves, the party is disbanded. Not while it searches.
#[utoipa::path(post, path = "/api/lobbies/parties/{id}/leave", tag = "lobbies", params(("id" = String, Path, description = "The party id.")), security(("access_token" = [])), responses(
    (status = 204, description = "Left."),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`party_not_found`.", body = ErrorBody),
    (status = 409, description = "`ticket_already_live`: cancel the party's ticket first.", body = ErrorBody),
))]
pub(crate) async fn leave(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let me = user.user_id.to_string();
    let party = member_of(&state, &id, &me).await?;
    if searching(&state, &party).await? {
        return Err(ApiError::new(
            ErrorCode::TicketAlreadyLive,
            "the party is searching for a match; cancel its ticket first",
        ));
    }
    party_directory(&state).leave(&party, &me).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn member_of(state: &AppState, id: &str, user: &str) -> Result<Party, ApiError> {
    party_directory(state)
        .get(id)
        .await?
        .filter(|p| p.members.iter().any(|m| m == user))
        .ok_or_else(not_found)
}

/// Whether the party's latest ticket is still searching.
async fn searching(state: &AppState, party: &Party) -> Result<bool, ApiError> {
    let Some(ticket) = &party.ticket else {
        return Ok(false);
    };
    Ok(ticket_queue(state)
        .get(ticket)
        .await?
        .is_some_and(|t| t.status == TicketStatus::Searching && now_ms() < t.expires_at_ms))
}

/// The party as a member sees it, with its latest ticket when the viewer is on it (so every
/// member finds the match by polling the party).
async fn view(state: &AppState, party: &Party, viewer: &str) -> Result<PartyView, ApiError> {
    let mut members = party.members.clone();
    members.sort();
    let ticket = match &party.ticket {
        Some(id) => match ticket_view::visible(state, id, viewer).await {
            Ok((ticket, waiting_for)) => Some(ticket_view::view(
                state,
                &ticket,
                waiting_for,
                viewer,
                now_ms(),
            )?),
            Err(e) if e.code() == ErrorCode::TicketNotFound => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    Ok(PartyView {
        party_id: party.id.clone(),
        code: party.code.clone(),
        leader: party.leader.clone(),
        members,
        max_players: MAX_PARTY_PLAYERS,
        created_at_ms: party.created_at_ms,
        ticket,
    })
}
