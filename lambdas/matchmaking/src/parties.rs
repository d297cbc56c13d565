//! `/api/lobbies/parties`: friends gather under a join code, then the leader queues them all with
//! one ticket. A party holds up to five players (the leader included).

use crate::{JoinByCode, draw_code, now_ms, parties, tickets};
use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use serde_json::{Value, json};
use uuid::Uuid;
use whoosh_cache::{Party, PartyJoin, TicketStatus};
use whoosh_core::{ErrorCode, LobbyCode, matchmaking::MAX_PARTY_PLAYERS};
use whoosh_http::{ApiError, AppState, AuthUser, ClientIp, Json};

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::PartyNotFound, "no such party")
}

pub(crate) async fn create(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let me = user.user_id.to_string();
    let directory = parties(&state);
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

pub(crate) async fn join(
    State(state): State<AppState>,
    user: AuthUser,
    ip: ClientIp,
    Json(body): Json<JoinByCode>,
) -> Result<Json<Value>, ApiError> {
    let code = body.attempt(&state, &user, ip).await?;
    let me = user.user_id.to_string();
    let directory = parties(&state);
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

pub(crate) async fn show(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let me = user.user_id.to_string();
    let party = member_of(&state, &id, &me).await?;
    Ok(Json(view(&state, &party, &me).await?))
}

/// Leaves the party; when the leader leaves, the party is disbanded. Not while it searches.
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
    parties(&state).leave(&party, &me).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn member_of(state: &AppState, id: &str, user: &str) -> Result<Party, ApiError> {
    parties(state)
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
    Ok(crate::queue(state)
        .get(ticket)
        .await?
        .is_some_and(|t| t.status == TicketStatus::Searching && now_ms() < t.expires_at_ms))
}

/// The party as a member sees it, with its latest ticket when the viewer is on it (so every
/// member finds the match by polling the party).
async fn view(state: &AppState, party: &Party, viewer: &str) -> Result<Value, ApiError> {
    let mut members = party.members.clone();
    members.sort();
    let ticket = match &party.ticket {
        Some(id) => match tickets::visible(state, id, viewer).await {
            Ok((ticket, waiting_for)) => Some(tickets::view(
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
    Ok(json!({
        "party_id": party.id,
        "code": party.code,
        "leader": party.leader,
        "members": members,
        "max_players": MAX_PARTY_PLAYERS,
        "created_at_ms": party.created_at_ms,
        "ticket": ticket,
    }))
}
