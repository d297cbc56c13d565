//! `/api/actions` and `/api/scores`: a service registers an action and hands its player a token;
//! the player submits the score with it, once.

use crate::action_token;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;
use whoosh_core::{ErrorCode, UserId};
use whoosh_http::{
    ApiError, AppState, AuthUser, ErrorBody, Json,
    auth::ServiceCaller,
    leaderboards::{self as boards},
};
use whoosh_store::leaderboards::{self as pg};

/// A registered action and the token its player submits a score with.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ActionIssued {
    action_id: Uuid,
    action_token: String,
    /// Unix seconds.
    expires_at: i64,
}

/// What a score submission counted (stored with the action and replayed as it was).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ScoreCounted {
    action_id: Uuid,
    delta: i64,
    boards: Vec<BoardValue>,
}

/// A board's new value for the player.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BoardValue {
    board: String,
    value: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ActionRequest {
    /// The player who completed the action.
    user_id: Uuid,
    /// The largest score the action allows: a whole number from 1 to 1 000 000 000.
    #[schema(value_type = i64, minimum = 1, maximum = 1_000_000_000)]
    max_score: Value,
}

/// Largest cap one action may carry.
pub const MAX_ACTION_SCORE: i64 = 1_000_000_000;

/// A trusted game service registers a completed action and gets the token the player submits.
#[utoipa::path(post, path = "/api/actions", tag = "scores", request_body = ActionRequest, security(("service_token" = [])), responses(
    (status = 201, description = "The action and its token.", body = ActionIssued),
    (status = 400, description = "`invalid_score` (max_score); `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`: no valid service token.", body = ErrorBody),
    (status = 404, description = "`not_found`: no such user.", body = ErrorBody),
))]
pub(crate) async fn register_action(
    State(state): State<AppState>,
    caller: ServiceCaller,
    Json(body): Json<ActionRequest>,
) -> Result<Response, ApiError> {
    let max_score = body
        .max_score
        .as_i64()
        .filter(|n| (1..=MAX_ACTION_SCORE).contains(n))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidScore,
                format!("max_score must be a whole number from 1 to {MAX_ACTION_SCORE}"),
            )
        })?;
    if whoosh_store::accounts::find(&state.db, body.user_id)
        .await?
        .is_none()
    {
        return Err(ApiError::new(ErrorCode::NotFound, "no such user"));
    }
    let key = state.action_key().await?;
    let expires = OffsetDateTime::now_utc() + state.config.auth.action_token_ttl;
    let action_id =
        whoosh_store::actions::register(&state.db, body.user_id, &caller.name, max_score, expires)
            .await?;
    let claim = action_token::ActionClaim {
        action_id,
        user_id: body.user_id,
        max_score,
        expires_at: expires.unix_timestamp(),
    };
    let token = action_token::sign(&key, &claim);
    let issued = ActionIssued {
        action_id,
        action_token: token,
        expires_at: claim.expires_at,
    };
    Ok((StatusCode::CREATED, Json(issued)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ScoreRequest {
    /// The token from `POST /api/actions`, for the caller.
    action_token: String,
    /// A whole number from 1 to the action's cap.
    #[schema(value_type = i64, minimum = 1)]
    delta: Value,
}

fn reject(code: ErrorCode, message: &'static str) -> ApiError {
    ApiError::new(code, message)
}

/// A player turns an action token into score. Counted once: a replay gets the first answer.
#[utoipa::path(post, path = "/api/scores", tag = "scores", request_body = ScoreRequest, security(("access_token" = [])), responses(
    (status = 200, description = "The new values (also the replay of an earlier submission).", body = ScoreCounted),
    (status = 400, description = "`invalid_score` (delta); `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_action_token`; `action_token_expired`; `invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`action_token_wrong_user`.", body = ErrorBody),
    (status = 422, description = "`score_over_cap`; `score_overflow`.", body = ErrorBody),
))]
pub(crate) async fn submit_score(
    State(state): State<AppState>,
    user: AuthUser,
    Json(body): Json<ScoreRequest>,
) -> Result<Response, ApiError> {
    let delta = body.delta.as_i64().filter(|d| *d >= 1).ok_or_else(|| {
        reject(
            ErrorCode::InvalidScore,
            "delta must be a whole number of at least 1",
        )
    })?;
    let key = state.action_key().await?;
    let claim = action_token::verify(&key, &body.action_token).map_err(|_| {
        reject(
            ErrorCode::InvalidActionToken,
            "the action token is not valid",
        )
    })?;
    if claim.user_id != *user.user_id.as_uuid() {
        return Err(reject(
            ErrorCode::ActionTokenWrongUser,
            "the action token belongs to another player",
        ));
    }
    let mut tx = state.db.begin().await?;
    let action = whoosh_store::actions::lock(&mut tx, claim.action_id)
        .await?
        .ok_or_else(|| {
            reject(
                ErrorCode::InvalidActionToken,
                "the action token is not valid",
            )
        })?;
    if action.user_id != Some(claim.user_id) {
        return Err(reject(
            ErrorCode::InvalidActionToken,
            "the action token is not valid",
        ));
    }
    if let Some(first) = action.response {
        // Replay: the first answer again; nothing is counted twice.
        return Ok((StatusCode::OK, Json(first)).into_response());
    }
    if action.expires_at < OffsetDateTime::now_utc()
        || claim.expires_at < OffsetDateTime::now_utc().unix_timestamp()
    {
        return Err(reject(
            ErrorCode::ActionTokenExpired,
            "the action token has expired",
        ));
    }
    if delta > action.max_score.min(claim.max_score) {
        return Err(reject(
            ErrorCode::ScoreOverCap,
            "the score is above what this action allows",
        ));
    }
    let changed = match pg::add(
        &mut tx,
        "score",
        action.user_id.unwrap_or_default(),
        delta,
        Some(action.id),
    )
    .await
    {
        Ok(changed) => changed,
        Err(pg::ScoreError::Overflow) => {
            return Err(reject(
                ErrorCode::ScoreOverflow,
                "the score would exceed the largest value a board holds",
            ));
        }
        Err(pg::ScoreError::Db(e)) => return Err(e.into()),
    };
    let counted = ScoreCounted {
        action_id: action.id,
        delta,
        boards: changed
            .iter()
            .map(|(board, s)| BoardValue {
                board: board.clone(),
                value: s.value,
            })
            .collect(),
    };
    let answer = serde_json::to_value(&counted).map_err(ApiError::internal)?;
    whoosh_store::actions::consume(&mut tx, action.id, &answer).await?;
    tx.commit().await?;
    boards::write_through(&state, &changed).await;
    tracing::info!(user_id = %UserId::from(claim.user_id), delta, "score");
    Ok((StatusCode::OK, Json(answer)).into_response())
}
