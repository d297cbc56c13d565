//! `/api/battles`: challenges between two players or two groups, played as one match.
//!
//! A player challenges another player, or an owner or admin challenges another group for their
//! own; the challenged player accepts by joining, and members of the two groups join their
//! group's side. A player battle's sides invite players of their own (a duel needs company: the
//! game takes at least three), who join the side that invited them. Any player of the battle begins it once both sides are present with at least
//! three players in all: a lobby is opened on a live edge node (as for a formed quick match, it
//! starts when every player is in) and every player hears `battle:begin` on `/ws/me`. The edge
//! finishes the battle when it records the match (see `whoosh_store::battles`).

use crate::{
    placement::{node_with_room, region, socket_url},
    records::now_ms,
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use whoosh_core::ErrorCode;
use whoosh_http::{ApiError, AppState, AuthUser, ErrorBody, Json, events};
use whoosh_store::battles::{self as store, Battle, BattleError, Challenge};

fn answer(e: BattleError) -> ApiError {
    match e {
        BattleError::Rejected(code, message) => ApiError::new(code, message),
        BattleError::Db(e) => e.into(),
    }
}

fn battle_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::new(ErrorCode::BattleNotFound, "no such battle"))
}

fn invalid(message: &'static str) -> ApiError {
    ApiError::new(ErrorCode::InvalidBattle, message)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewBattle {
    /// Challenge this player (a user id); or
    #[serde(default)]
    opponent_id: Option<String>,
    /// challenge this group (a group id), for `group_id`: the caller must own or administer it.
    #[serde(default)]
    opponent_group: Option<String>,
    /// The caller's group, with `opponent_group`.
    #[serde(default)]
    group_id: Option<String>,
}

/// Opens a battle with the caller on the challenger side, and invites the other side.
#[utoipa::path(post, path = "/api/battles", tag = "battles", request_body = NewBattle, security(("access_token" = [])), responses(
    (status = 201, description = "The battle.", body = Battle),
    (status = 400, description = "`invalid_battle`: neither or both of `opponent_id` and `opponent_group`, an id that is not a UUID, or a challenge to oneself or one's own group; `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`not_group_admin`: only the owner or an admin challenges for a group.", body = ErrorBody),
    (status = 404, description = "`not_found` (no such player); `group_not_found`.", body = ErrorBody),
))]
pub(crate) async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Json(body): Json<NewBattle>,
) -> Result<(StatusCode, Json<Battle>), ApiError> {
    let id =
        |raw: &str| -> Result<Uuid, ApiError> { raw.parse().map_err(|_| invalid("ids are UUIDs")) };
    let challenge = match (&body.opponent_id, &body.opponent_group, &body.group_id) {
        (Some(opponent), None, None) => Challenge::Player {
            opponent: id(opponent.as_str())?,
        },
        (None, Some(theirs), Some(mine)) => Challenge::Group {
            mine: id(mine.as_str())?,
            theirs: id(theirs.as_str())?,
        },
        _ => {
            return Err(invalid(
                "send opponent_id, or opponent_group with group_id (your group)",
            ));
        }
    };
    let created = store::create(
        &state.db,
        Uuid::now_v7(),
        *user.user_id.as_uuid(),
        challenge,
    )
    .await
    .map_err(answer)?;
    events::battle::invited(&state, &created.battle, &created.invited, "opponent").await;
    tracing::info!(battle_id = %created.battle.id, user_id = %user.user_id, "battle opened");
    Ok((StatusCode::CREATED, Json(created.battle)))
}

/// A battle, for its players, the challenged player and members of its groups.
#[utoipa::path(get, path = "/api/battles/{id}", tag = "battles", params(("id" = String, Path, description = "The battle id.")), security(("access_token" = [])), responses(
    (status = 200, description = "The battle.", body = Battle),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`battle_not_found`: no such battle, or not one the caller may see.", body = ErrorBody),
))]
pub(crate) async fn show(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Battle>, ApiError> {
    let battle = store::view(&state.db, battle_id(&id)?, *user.user_id.as_uuid())
        .await
        .map_err(answer)?;
    Ok(Json(battle))
}

/// Joins the caller's side: the challenged player and invited players accept; group members join
/// their group's side.
/// Joining again changes nothing.
#[utoipa::path(post, path = "/api/battles/{id}/join", tag = "battles", params(("id" = String, Path, description = "The battle id.")), security(("access_token" = [])), responses(
    (status = 200, description = "The battle with the caller on it.", body = Battle),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`battle_not_found`: no such battle, or the caller has no side in it (not challenged, invited or a member of its groups).", body = ErrorBody),
    (status = 409, description = "`battle_closed` (it began); `battle_side_full` (5 players).", body = ErrorBody),
))]
pub(crate) async fn join(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Battle>, ApiError> {
    let me = *user.user_id.as_uuid();
    let joined = store::join(&state.db, battle_id(&id)?, me)
        .await
        .map_err(answer)?;
    if joined.added {
        events::battle::joined(&state, &joined.battle, me, joined.side).await;
    }
    Ok(Json(joined.battle))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BattleInvite {
    /// The player to invite (a user id).
    user_id: String,
}

/// Invites a player to the caller's side of an open player battle: the party game takes at least
/// 3 players, so a duel's sides bring players of their own. The invited player gets a
/// `battle:invite` event (and a notification), may see the battle and joins it with
/// `POST /api/battles/{id}/join`. Inviting someone already invited or playing changes nothing.
#[utoipa::path(post, path = "/api/battles/{id}/invite", tag = "battles", params(("id" = String, Path, description = "The battle id.")), request_body = BattleInvite, security(("access_token" = [])), responses(
    (status = 200, description = "The battle, the player among `invited` (or already playing).", body = Battle),
    (status = 400, description = "`invalid_battle`: a user id that is not a UUID, or a group battle (its groups' members join without invitations); `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`battle_not_found`: no such battle, or the caller is not one of its players; `not_found`: no such player.", body = ErrorBody),
    (status = 409, description = "`battle_closed`: the battle began.", body = ErrorBody),
))]
pub(crate) async fn invite(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<BattleInvite>,
) -> Result<Json<Battle>, ApiError> {
    let id = battle_id(&id)?;
    let invitee: Uuid = body.user_id.parse().map_err(|_| invalid("ids are UUIDs"))?;
    let invited = store::invite(&state.db, id, *user.user_id.as_uuid(), invitee)
        .await
        .map_err(answer)?;
    if invited.added {
        events::battle::invited(&state, &invited.battle, &[invitee], invited.side).await;
        tracing::info!(battle_id = %id, user_id = %user.user_id, invitee = %invitee, "battle invitation");
    }
    Ok(Json(invited.battle))
}

/// Where a begun battle is played.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BattleBegun {
    #[serde(flatten)]
    battle: Battle,
    edge_url: String,
    /// `{edge_url}/ws/lobbies/{lobby_id}`; the join token comes from `GET /api/lobbies/{lobby_id}`.
    ws_url: String,
}

/// Begins the battle (any of its players): opens its lobby on a live edge node.
#[utoipa::path(post, path = "/api/battles/{id}/begin", tag = "battles", params(("id" = String, Path, description = "The battle id.")), security(("access_token" = [])), responses(
    (status = 200, description = "The battle, playing, and where.", body = BattleBegun),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`battle_not_found`: no such battle, or the caller is not one of its players.", body = ErrorBody),
    (status = 409, description = "`battle_closed` (it began already); `battle_not_ready` (a side is empty, or fewer than 3 players: a player battle's sides invite more).", body = ErrorBody),
    (status = 503, description = "`service_unavailable`: no live edge node has room.", body = ErrorBody),
))]
pub(crate) async fn begin(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<BattleBegun>, ApiError> {
    let id = battle_id(&id)?;
    let me = *user.user_id.as_uuid();
    let ready = store::ready(&state.db, id, me).await.map_err(answer)?;
    let region = region(&state, None)?;
    let members: Vec<String> = ready
        .players
        .iter()
        .map(|p| p.user_id.to_string())
        .collect();
    let seats = members.len() as u32;
    let node = node_with_room(&state, &region, seats).await?;
    let lobby_id = Uuid::now_v7();
    let config = &state.config.matchmaking;
    let lobby =
        crate::matcher::match_lobby(lobby_id, "party", &region, &node, members, config, now_ms());
    // The lobby exists before the battle names it; if another begin won, it is removed again.
    state.lobbies.create(&lobby, config.lobby_ttl).await?;
    let begun = store::begin(&state.db, id, me, lobby_id, &ready.players).await;
    let battle = match begun {
        Ok(Some(battle)) => battle,
        other => {
            state.lobbies.remove(&lobby.id).await?;
            return Err(match other {
                Err(e) => answer(e),
                _ => ApiError::new(
                    ErrorCode::BattleClosed,
                    "the battle began or changed meanwhile; read it again",
                ),
            });
        }
    };
    state.nodes.reserve(&node.id, seats).await?;
    let ws_url = socket_url(&node.url, &lobby.id);
    events::battle::began(&state, &battle, &node.url, &ws_url).await;
    tracing::info!(battle_id = %battle.id, lobby = %lobby.id, node = %node.id, "battle began");
    Ok(Json(BattleBegun {
        battle,
        edge_url: node.url,
        ws_url,
    }))
}
