//! Accounts: registering, signing in (credentials checked in constant shape, throttled per
//! account and per address), guests by device and their upgrade, and `GET /api/auth/me`.

use crate::session::{Session, UserView, issue};
use axum::{extract::State, http::StatusCode, response::IntoResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use whoosh_auth::password::HashError;
use whoosh_core::{DeviceId, DisplayName, ErrorCode, Password, Username};
use whoosh_http::middleware::throttle;
use whoosh_http::{ApiError, AppState, AuthUser, ClientIp, ErrorBody, Json};
use whoosh_store::accounts::{self, AccountError};

/// A username and password (register, login, upgrade).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct Credentials {
    /// 3–24 characters of `a–z A–Z 0–9 _ - .`, starting with a letter or digit; matched
    /// case-insensitively.
    #[schema(example = "MoleHunter")]
    username: String,
    /// 8–128 characters.
    #[schema(example = "correct horse battery")]
    password: String,
    /// 1–32 characters after trimming, no control characters (register, upgrade; ignored by
    /// login).
    #[serde(default)]
    #[schema(example = "Mole Hunter")]
    display_name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct GuestRequest {
    /// 16–128 characters of `A–Z a–z 0–9 - _` (a UUID fits). The guest's only credential.
    #[schema(example = "0b0f6a9e-8c1d-4f7e-9a3b-2f1c5d6e7a8b")]
    device_id: String,
}

fn account_error(e: AccountError) -> ApiError {
    match e {
        AccountError::UsernameTaken => {
            ApiError::new(ErrorCode::UsernameTaken, "that username is taken")
        }
        AccountError::NotAGuest => {
            ApiError::new(ErrorCode::NotAGuest, "only guest accounts can be upgraded")
        }
        AccountError::NotFound => {
            ApiError::new(ErrorCode::InvalidToken, "the account no longer exists")
        }
        AccountError::Db(e) => e.into(),
    }
}

pub(crate) fn hash_error(e: HashError) -> ApiError {
    match e {
        HashError::Busy => ApiError::unavailable("password checking", e),
        HashError::Failed(_) => ApiError::internal(e),
    }
}

pub(crate) fn invalid_credentials() -> ApiError {
    ApiError::new(ErrorCode::InvalidCredentials, "wrong username or password")
}

/// Creates a full account and starts a session.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = Credentials, responses(
    (status = 201, description = "The new account's session.", body = Session),
    (status = 400, description = "`invalid_username`, `invalid_password`, `invalid_display_name` (a field fails its rule); `invalid_json`; `invalid_request` (the client address cannot be determined).", body = ErrorBody),
    (status = 409, description = "`username_taken`: registered already, in any case.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: `REGISTER_RATE_PER_IP` or the API-wide limit.", body = ErrorBody),
    (status = 503, description = "`service_unavailable`: password hashing is saturated, or the database is unavailable.", body = ErrorBody),
))]
pub(crate) async fn register(
    State(state): State<AppState>,
    ip: ClientIp,
    Json(body): Json<Credentials>,
) -> Result<impl IntoResponse, ApiError> {
    let username = Username::parse(&body.username)?;
    let password = Password::parse(&body.password)?;
    let display_name = match body.display_name.as_deref() {
        Some(raw) => DisplayName::parse(raw)?,
        None => DisplayName::from(&username),
    };
    throttle(
        &state,
        "register-ip",
        &ip.0.to_string(),
        state.config.auth.register_rate_per_ip,
    )
    .await?;
    if accounts::find_by_username(&state.db, &username)
        .await?
        .is_some()
    {
        return Err(account_error(AccountError::UsernameTaken));
    }
    let hash = state.hasher.hash(&password).await.map_err(hash_error)?;
    let account = accounts::create_full(&state.db, &username, &hash, &display_name)
        .await
        .map_err(account_error)?;
    tracing::info!(user_id = %account.id, "account registered");
    Ok((
        StatusCode::CREATED,
        Json(issue(&state, account, None, "register").await?),
    ))
}

/// Checks a username and password and starts a new session.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = Credentials, responses(
    (status = 200, description = "A new session.", body = Session),
    (status = 400, description = "`invalid_json`; `invalid_request` (the client address cannot be determined).", body = ErrorBody),
    (status = 401, description = "`invalid_credentials`: wrong password, unknown username or invalid input, all alike.", body = ErrorBody),
    (status = 403, description = "`account_banned`: the password is right but the account is banned.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: `LOGIN_RATE_PER_IP`, `LOGIN_RATE_PER_ACCOUNT` or the API-wide limit.", body = ErrorBody),
    (status = 503, description = "`service_unavailable`: password hashing is saturated, or the database is unavailable.", body = ErrorBody),
))]
pub(crate) async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    Json(body): Json<Credentials>,
) -> Result<Json<Session>, ApiError> {
    // Malformed input cannot match any account: answer exactly as for a wrong password.
    let (Ok(username), Ok(password)) = (
        Username::parse(&body.username),
        Password::parse(&body.password),
    ) else {
        throttle(
            &state,
            "login-ip",
            &ip.0.to_string(),
            state.config.auth.login_rate_per_ip,
        )
        .await?;
        return Err(invalid_credentials());
    };
    let auth = &state.config.auth;
    throttle(
        &state,
        "login-ip",
        &ip.0.to_string(),
        auth.login_rate_per_ip,
    )
    .await?;
    throttle(
        &state,
        "login-account",
        &username.key(),
        auth.login_rate_per_account,
    )
    .await?;
    let account = accounts::find_by_username(&state.db, &username).await?;
    let stored = account.as_ref().and_then(|a| a.password_hash.as_deref());
    if !state
        .hasher
        .verify(&password, stored)
        .await
        .map_err(hash_error)?
    {
        return Err(invalid_credentials());
    }
    let account = account.ok_or_else(invalid_credentials)?;
    let _ = state.limiter.reset("login-account", &username.key()).await;
    Ok(Json(issue(&state, account, None, "login").await?))
}

/// Logs in as the guest account of a device, creating it on the device's first call.
#[utoipa::path(post, path = "/api/auth/guest", tag = "auth", request_body = GuestRequest, responses(
    (status = 200, description = "A session of the device's existing guest.", body = Session),
    (status = 201, description = "A session of a new guest.", body = Session),
    (status = 400, description = "`invalid_device_id`; `invalid_json`; `invalid_request` (the client address cannot be determined).", body = ErrorBody),
    (status = 403, description = "`account_banned`: the device's guest account is banned.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: `LOGIN_RATE_PER_IP` (policy `guest-ip`) or the API-wide limit.", body = ErrorBody),
))]
pub(crate) async fn guest(
    State(state): State<AppState>,
    ip: ClientIp,
    Json(body): Json<GuestRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let device = DeviceId::parse(&body.device_id)?;
    throttle(
        &state,
        "guest-ip",
        &ip.0.to_string(),
        state.config.auth.login_rate_per_ip,
    )
    .await?;
    let name = DisplayName::parse(&format!("Guest {:04}", rand::random::<u16>() % 10_000))?;
    let (account, created) = accounts::guest_for_device(&state.db, &device, &name).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(issue(&state, account, None, "guest").await?)))
}

/// Turns the calling guest into a full account (same id; its sessions continue).
#[utoipa::path(post, path = "/api/auth/upgrade", tag = "auth", request_body = Credentials, security(("access_token" = [])), responses(
    (status = 200, description = "The upgraded account.", body = UserView),
    (status = 400, description = "`invalid_username`, `invalid_password`, `invalid_display_name`; `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`: see docs/API.md#authenticating-requests.", body = ErrorBody),
    (status = 409, description = "`username_taken` (checked first); `not_a_guest`.", body = ErrorBody),
    (status = 503, description = "`service_unavailable`: password hashing is saturated, or the database is unavailable.", body = ErrorBody),
))]
pub(crate) async fn upgrade(
    State(state): State<AppState>,
    user: AuthUser,
    Json(body): Json<Credentials>,
) -> Result<Json<UserView>, ApiError> {
    let username = Username::parse(&body.username)?;
    let password = Password::parse(&body.password)?;
    let display_name = body
        .display_name
        .as_deref()
        .map(DisplayName::parse)
        .transpose()?;
    if accounts::find_by_username(&state.db, &username)
        .await?
        .is_some()
    {
        return Err(account_error(AccountError::UsernameTaken));
    }
    let hash = state.hasher.hash(&password).await.map_err(hash_error)?;
    let account = accounts::upgrade(
        &state.db,
        *user.user_id.as_uuid(),
        &username,
        &hash,
        display_name.as_ref(),
    )
    .await
    .map_err(account_error)?;
    tracing::info!(user_id = %account.id, "guest upgraded");
    Ok(Json(account.into()))
}

/// The calling account.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("access_token" = [])), responses(
    (status = 200, description = "The account.", body = UserView),
    (status = 401, description = "`invalid_token`, `token_expired`: see docs/API.md#authenticating-requests.", body = ErrorBody),
))]
pub(crate) async fn me(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<UserView>, ApiError> {
    let account = accounts::find(&state.db, *user.user_id.as_uuid())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidToken, "the account no longer exists"))?;
    Ok(Json(account.into()))
}
