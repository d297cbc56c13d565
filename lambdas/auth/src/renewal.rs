//! Keeping and ending sessions: refresh rotation (a reused refresh token revokes its family), logout of one
//! session or all, and a password change that ends every other session.

use crate::{
    session::{Session, issue, now},
    sign_in::hash_error,
};
use axum::{extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use whoosh_auth::refresh;
use whoosh_core::{ErrorCode, Password, UserId};
use whoosh_http::middleware::throttle;
use whoosh_http::{
    ApiError, AppState, AuthUser, ErrorBody, Json,
    auth::{Revocation, announce_revocation},
};
use whoosh_store::{
    accounts::{self},
    sessions::{self, Rotation},
};

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct RefreshRequest {
    /// The refresh token from the latest session response of this session.
    refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PasswordChange {
    current_password: String,
    /// 8–128 characters.
    new_password: String,
}

/// Exchanges a refresh token for a new access token and a new refresh token.
///
/// Reusing a spent refresh token revokes the whole session.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, description = "The same session with new tokens.", body = Session),
    (status = 400, description = "`invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_refresh_token`: unknown, expired, revoked or already spent.", body = ErrorBody),
    (status = 403, description = "`account_banned`: the account was banned (which also ended the session).", body = ErrorBody),
))]
pub(crate) async fn refresh_session(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<Json<Session>, ApiError> {
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidRefreshToken,
            "the refresh token is not valid; log in again",
        )
    };
    if body.refresh_token.is_empty() || body.refresh_token.len() > refresh::MAX_LEN {
        return Err(invalid());
    }
    let (token, new_hash) = refresh::generate();
    let expires = now() + state.config.auth.refresh_token_ttl;
    match sessions::rotate(
        &state.db,
        &refresh::hash(&body.refresh_token),
        &new_hash,
        expires,
    )
    .await?
    {
        Rotation::Rotated { user_id, family_id } => {
            let account = accounts::find(&state.db, user_id)
                .await?
                .ok_or_else(invalid)?;
            Ok(Json(
                issue(&state, account, Some((family_id, token)), "refresh").await?,
            ))
        }
        Rotation::Reused { user_id, family_id } => {
            tracing::warn!(%user_id, session = %family_id, "rotated refresh token reused; session revoked");
            let revocation = Revocation {
                user_id: UserId::from(user_id),
                sessions: &[family_id],
                all_sessions: false,
                reason: "refresh_token_reused",
            };
            announce_revocation(&state, &revocation).await;
            Err(invalid())
        }
        Rotation::Invalid => Err(invalid()),
    }
}

/// Ends the calling session.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("access_token" = [])), responses(
    (status = 204, description = "The session has ended."),
    (status = 401, description = "`invalid_token`, `token_expired`: see docs/API.md#authenticating-requests.", body = ErrorBody),
))]
pub(crate) async fn logout(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<StatusCode, ApiError> {
    sessions::revoke(&state.db, *user.user_id.as_uuid(), user.session_id).await?;
    let sessions = [user.session_id];
    let revocation = Revocation {
        user_id: user.user_id,
        sessions: &sessions,
        all_sessions: false,
        reason: "logout",
    };
    announce_revocation(&state, &revocation).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends every session of the calling user, the calling one included.
#[utoipa::path(post, path = "/api/auth/logout-all", tag = "auth", security(("access_token" = [])), responses(
    (status = 204, description = "Every session has ended."),
    (status = 401, description = "`invalid_token`, `token_expired`: see docs/API.md#authenticating-requests.", body = ErrorBody),
))]
pub(crate) async fn logout_all(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<StatusCode, ApiError> {
    let mut ended = sessions::revoke_all(&state.db, *user.user_id.as_uuid(), None).await?;
    if !ended.contains(&user.session_id) {
        ended.push(user.session_id);
    }
    let revocation = Revocation {
        user_id: user.user_id,
        sessions: &ended,
        all_sessions: true,
        reason: "logout_all",
    };
    announce_revocation(&state, &revocation).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the password of a full account; every other session ends.
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", request_body = PasswordChange, security(("access_token" = [])), responses(
    (status = 204, description = "Changed; the calling session continues."),
    (status = 400, description = "`invalid_password` (the new one); `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_credentials` (the current password is wrong); `invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`forbidden`: a guest has no password; upgrade instead.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: `LOGIN_RATE_PER_ACCOUNT` or the API-wide limit.", body = ErrorBody),
    (status = 503, description = "`service_unavailable`: password hashing is saturated, or the database is unavailable.", body = ErrorBody),
))]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    user: AuthUser,
    Json(body): Json<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let new_password = Password::parse(&body.new_password)?;
    let id = *user.user_id.as_uuid();
    throttle(
        &state,
        "login-account",
        &format!("id:{id}"),
        state.config.auth.login_rate_per_account,
    )
    .await?;
    let account = accounts::find(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidToken, "the account no longer exists"))?;
    if account.is_guest {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "guests have no password; upgrade the account instead",
        ));
    }
    let current_ok = match Password::parse(&body.current_password) {
        Ok(current) => state
            .hasher
            .verify(&current, account.password_hash.as_deref())
            .await
            .map_err(hash_error)?,
        Err(_) => false,
    };
    if !current_ok {
        return Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "the current password is wrong",
        ));
    }
    let hash = state.hasher.hash(&new_password).await.map_err(hash_error)?;
    accounts::set_password(&state.db, id, &hash).await?;
    let ended = sessions::revoke_all(&state.db, id, Some(user.session_id)).await?;
    if !ended.is_empty() {
        let revocation = Revocation {
            user_id: user.user_id,
            sessions: &ended,
            all_sessions: false,
            reason: "password_changed",
        };
        announce_revocation(&state, &revocation).await;
    }
    tracing::info!(user_id = %id, other_sessions_ended = ended.len(), "password changed");
    Ok(StatusCode::NO_CONTENT)
}
