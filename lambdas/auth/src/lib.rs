//! The auth service: accounts (full and guest), sessions with rotating refresh tokens, password
//! changes, and the JWKS. The ALB routes `/api/auth/*` and `/.well-known/jwks.json` here; the
//! local all-in-one binary mounts the same routes at the same paths.
//!
//! Credentials are checked in constant shape: an unknown user and a wrong password answer the same
//! status, body and (through a dummy hash) time. Logins are throttled per account and per address.
//!
//! Telegram linking lives here too: a signed-in player asks for a single-use code, opens
//! `https://t.me/<bot>?start=<code>`, and Telegram posts the `/start <code>` message to the
//! webhook, which links that chat to the account. `whoosh notifier` then sends there.

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use time::OffsetDateTime;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;
use whoosh_auth::{Grant, password::HashError, refresh};
use whoosh_core::{DeviceId, DisplayName, ErrorCode, Password, UserId, Username};
use whoosh_http::{
    ApiError, AppState, AuthUser, ClientIp, ErrorBody, Json,
    auth::{Revocation, announce_revocation},
};
use whoosh_store::{
    accounts::{self, Account, AccountError},
    analytics::{self, Event},
    sessions::{self, Rotation},
    telegram::{self, Redeemed},
};

use whoosh_http::middleware::throttle;

/// The service's routes, without the shared middleware (for composition).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/register", post(register))
        .route("/api/auth/login", post(login))
        .route("/api/auth/guest", post(guest))
        .route("/api/auth/upgrade", post(upgrade))
        .route("/api/auth/refresh", post(refresh_session))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/logout-all", post(logout_all))
        .route("/api/auth/password", post(change_password))
        .route("/api/auth/me", get(me))
        .route("/api/auth/telegram/link", post(telegram_link))
        .route("/api/auth/telegram/webhook", post(telegram_webhook))
        .route("/.well-known/jwks.json", get(jwks))
}

/// The routes a deployed auth service serves: [`routes`] and its part of the API document at
/// `GET /api/openapi.json`.
pub fn service_routes() -> Router<AppState> {
    whoosh_http::openapi::with_document(routes(), openapi())
}

/// The complete service: routes, health endpoints and the shared middleware.
pub fn router(state: AppState) -> Router {
    whoosh_http::app(service_routes(), state)
}

/// An account as its owner sees it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserView {
    /// Never changes, also not when a guest is upgraded.
    pub id: Uuid,
    /// As registered, with its case; `null` for a guest.
    pub username: Option<String>,
    pub display_name: String,
    pub avatar_id: Option<String>,
    pub is_guest: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<Account> for UserView {
    fn from(a: Account) -> Self {
        Self {
            id: a.id,
            username: a.username,
            display_name: a.display_name,
            avatar_id: a.avatar_id,
            is_guest: a.is_guest,
            created_at: a.created_at,
        }
    }
}

/// A new or refreshed session.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    pub user: UserView,
    /// An RS256 JWT of kind `access`: send it as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `"Bearer"`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Opaque, 43 characters, shown once and usable once.
    pub refresh_token: String,
    /// Seconds until the refresh token expires (each refresh issues a new one).
    pub refresh_expires_in: u64,
}

/// A username and password (register, login, upgrade).
#[derive(Debug, Deserialize, ToSchema)]
struct Credentials {
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
struct GuestRequest {
    /// 16–128 characters of `A–Z a–z 0–9 - _` (a UUID fits). The guest's only credential.
    #[schema(example = "0b0f6a9e-8c1d-4f7e-9a3b-2f1c5d6e7a8b")]
    device_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
struct RefreshRequest {
    /// The refresh token from the latest session response of this session.
    refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
struct PasswordChange {
    current_password: String,
    /// 8–128 characters.
    new_password: String,
}

/// The public signing keys (RFC 7517), current and rotated-in; cacheable for five minutes.
#[derive(ToSchema)]
#[allow(dead_code)] // The document's description of `Keyring::jwks`.
struct Jwks {
    #[schema(value_type = Vec<Object>)]
    keys: Vec<serde_json::Value>,
}

/// The auth service's part of the API document.
#[derive(OpenApi)]
#[openapi(paths(
    register,
    login,
    guest,
    upgrade,
    refresh_session,
    logout,
    logout_all,
    change_password,
    me,
    telegram_link,
    telegram_webhook,
    jwks
))]
struct ApiDoc;

/// The auth service's endpoints in the API document (see `whoosh_http::openapi`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
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

fn hash_error(e: HashError) -> ApiError {
    match e {
        HashError::Busy => ApiError::unavailable("password checking", e),
        HashError::Failed(_) => ApiError::internal(e),
    }
}

fn invalid_credentials() -> ApiError {
    ApiError::new(ErrorCode::InvalidCredentials, "wrong username or password")
}

/// Mints an access token for a session and starts or continues it with a fresh refresh token.
async fn issue(
    state: &AppState,
    account: Account,
    family: Option<(Uuid, String)>,
    via: &str,
) -> Result<Session, ApiError> {
    // Every way into a session (login, guest, refresh) passes here; a ban (which also ended
    // every session) keeps the account out.
    if account.banned {
        return Err(ApiError::new(
            ErrorCode::AccountBanned,
            "this account is banned",
        ));
    }
    let auth = &state.config.auth;
    let (family_id, refresh_token) = match family {
        Some(existing) => existing,
        None => {
            let (token, hash) = refresh::generate();
            let family_id = Uuid::now_v7();
            let expires = now() + auth.refresh_token_ttl;
            sessions::start(&state.db, account.id, family_id, &hash, expires).await?;
            (family_id, token)
        }
    };
    let access_token = state
        .keyring
        .mint(
            &state.tokens,
            Grant::access(&account.id.to_string(), family_id),
            now().unix_timestamp(),
            auth.access_token_ttl,
        )
        .map_err(ApiError::internal)?;
    let started = Event::SessionStart {
        user_id: account.id,
        via: via.to_owned(),
        days_since_signup: analytics::days_since(account.created_at, now()),
    };
    // Counted at most once: a failed write is logged and the session goes on.
    if let Err(error) = analytics::record(&state.db, &started).await {
        tracing::warn!(%error, user_id = %account.id, "session_start event not recorded");
    }
    Ok(Session {
        user: account.into(),
        access_token,
        token_type: "Bearer",
        expires_in: auth.access_token_ttl.as_secs(),
        refresh_token,
        refresh_expires_in: auth.refresh_token_ttl.as_secs(),
    })
}

/// Creates a full account and starts a session.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = Credentials, responses(
    (status = 201, description = "The new account's session.", body = Session),
    (status = 400, description = "`invalid_username`, `invalid_password`, `invalid_display_name` (a field fails its rule); `invalid_json`; `invalid_request` (the client address cannot be determined).", body = ErrorBody),
    (status = 409, description = "`username_taken`: registered already, in any case.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: `REGISTER_RATE_PER_IP` or the API-wide limit.", body = ErrorBody),
    (status = 503, description = "`service_unavailable`: password hashing is saturated, or the database is unavailable.", body = ErrorBody),
))]
async fn register(
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
async fn login(
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
async fn guest(
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
async fn upgrade(
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

/// Exchanges a refresh token for a new access token and a new refresh token.
///
/// Reusing a spent refresh token revokes the whole session.
#[utoipa::path(post, path = "/api/auth/refresh", tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, description = "The same session with new tokens.", body = Session),
    (status = 400, description = "`invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_refresh_token`: unknown, expired, revoked or already spent.", body = ErrorBody),
    (status = 403, description = "`account_banned`: the account was banned (which also ended the session).", body = ErrorBody),
))]
async fn refresh_session(
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
async fn logout(State(state): State<AppState>, user: AuthUser) -> Result<StatusCode, ApiError> {
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
async fn logout_all(State(state): State<AppState>, user: AuthUser) -> Result<StatusCode, ApiError> {
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
async fn change_password(
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

/// The calling account.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth", security(("access_token" = [])), responses(
    (status = 200, description = "The account.", body = UserView),
    (status = 401, description = "`invalid_token`, `token_expired`: see docs/API.md#authenticating-requests.", body = ErrorBody),
))]
async fn me(State(state): State<AppState>, user: AuthUser) -> Result<Json<UserView>, ApiError> {
    let account = accounts::find(&state.db, *user.user_id.as_uuid())
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidToken, "the account no longer exists"))?;
    Ok(Json(account.into()))
}

/// Verifiers may cache the key set this long; a rotated-in key verifies (and is published) long
/// before it signs (`whoosh keys rotate --activate-in`).
const JWKS_MAX_AGE: Duration = Duration::from_secs(300);

/// The public keys that verify Whoosh tokens.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth", responses(
    (status = 200, description = "The key set; `Cache-Control: public, max-age=300`.", body = Jwks),
))]
async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CACHE_CONTROL,
            format!("public, max-age={}", JWKS_MAX_AGE.as_secs()),
        )],
        Json(state.keyring.jwks()),
    )
}

/// A link code and the bot link that spends it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TelegramLinkCode {
    /// Single use; 22 characters of `A–Z a–z 0–9 - _`.
    pub code: String,
    /// Open it in Telegram and press Start: `https://t.me/<bot>?start=<code>`.
    pub url: String,
    /// Seconds until the code expires (`TELEGRAM_LINK_CODE_TTL`).
    pub expires_in: u64,
}

/// Issues a short-lived, single-use code that links a Telegram chat to the calling account.
///
/// The player opens `url`; Telegram sends `/start <code>` to the bot, and the webhook links that
/// chat. Notifications (a match found, a battle invitation, being passed on a leaderboard) then
/// arrive there. A new code does not cancel earlier unexpired ones.
#[utoipa::path(post, path = "/api/auth/telegram/link", tag = "auth", security(("access_token" = [])), responses(
    (status = 201, description = "A new code.", body = TelegramLinkCode),
    (status = 401, description = "`invalid_token`, `token_expired`: see docs/API.md#authenticating-requests.", body = ErrorBody),
    (status = 429, description = "`rate_limited`: `LOGIN_RATE_PER_ACCOUNT` (policy `telegram-link`) or the API-wide limit.", body = ErrorBody),
    (status = 503, description = "`service_unavailable`: the database is unavailable.", body = ErrorBody),
))]
async fn telegram_link(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<impl IntoResponse, ApiError> {
    let id = *user.user_id.as_uuid();
    throttle(
        &state,
        "telegram-link",
        &id.to_string(),
        state.config.auth.login_rate_per_account,
    )
    .await?;
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let code = URL_SAFE_NO_PAD.encode(bytes);
    let ttl = state.config.telegram.link_code_ttl;
    telegram::create_code(&state.db, id, &refresh::hash(&code), now() + ttl).await?;
    let url = format!(
        "https://t.me/{}?start={code}",
        state.config.telegram.bot_username
    );
    Ok((
        StatusCode::CREATED,
        Json(TelegramLinkCode {
            code,
            url,
            expires_in: ttl.as_secs(),
        }),
    ))
}

/// The part of a Telegram `Update` the webhook reads; every other field is ignored.
#[derive(Debug, Deserialize, ToSchema)]
struct TelegramUpdate {
    update_id: i64,
    #[serde(default)]
    message: Option<TelegramMessage>,
}

#[derive(Debug, Deserialize, ToSchema)]
struct TelegramMessage {
    chat: TelegramChat,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
struct TelegramChat {
    id: i64,
}

/// What the webhook answers: nothing to do, or one Bot API call that Telegram makes on the
/// answer (`sendMessage` to the chat that wrote).
#[derive(Debug, Serialize, ToSchema)]
struct WebhookReply {
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chat_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'static str>,
}

/// The header Telegram sends the webhook secret in.
const TELEGRAM_SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The Telegram Bot API webhook (set with `setWebhook` and `secret_token`).
///
/// Checks `X-Telegram-Bot-Api-Secret-Token` in constant time. A message `/start <code>` with a
/// live code links its chat to the code's account and answers with a confirmation the Bot API
/// sends; an unknown, used or expired code answers with a message saying so. Every other
/// well-formed update is acknowledged with 200 so that Telegram does not resend it.
#[utoipa::path(post, path = "/api/auth/telegram/webhook", tag = "auth", request_body = TelegramUpdate,
    params(("X-Telegram-Bot-Api-Secret-Token" = String, Header, description = "The secret from `TELEGRAM_WEBHOOK_SECRET_SOURCE`.")),
    responses(
    (status = 200, description = "Handled (linked, refused, or nothing to do); may carry a `sendMessage` for Telegram to make.", body = WebhookReply),
    (status = 400, description = "`invalid_json`: not a Telegram update.", body = ErrorBody),
    (status = 401, description = "`invalid_webhook_secret`: the header is missing or wrong, or no secret is configured.", body = ErrorBody),
    (status = 503, description = "`service_unavailable`: the database is unavailable (Telegram retries).", body = ErrorBody),
))]
async fn telegram_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookReply>, ApiError> {
    let presented = headers
        .get(TELEGRAM_SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let secret = state.telegram_webhook_secret().await?;
    let valid = secret
        .as_deref()
        .is_some_and(|s| whoosh_auth::secret::matches_in_constant_time(s, presented));
    if !valid {
        return Err(ApiError::new(
            ErrorCode::InvalidWebhookSecret,
            "the webhook secret is missing or wrong",
        ));
    }
    let update: TelegramUpdate = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidJson,
            format!("not a Telegram update: {e}"),
        )
    })?;
    let nothing = WebhookReply {
        method: None,
        chat_id: None,
        text: None,
    };
    let Some(message) = update.message else {
        return Ok(Json(nothing));
    };
    let Some(code) = message
        .text
        .as_deref()
        .and_then(|t| t.trim().strip_prefix("/start"))
        .map(str::trim)
        .filter(|c| !c.is_empty())
    else {
        return Ok(Json(nothing));
    };
    let chat = message.chat.id;
    let reply = |text| WebhookReply {
        method: Some("sendMessage"),
        chat_id: Some(chat),
        text: Some(text),
    };
    if code.len() > 64 {
        return Ok(Json(reply(LINK_CODE_INVALID)));
    }
    match telegram::redeem(&state.db, &refresh::hash(code), chat).await? {
        Redeemed::Linked(user_id) => {
            tracing::info!(%user_id, update_id = update.update_id, "telegram chat linked");
            Ok(Json(reply(
                "Linked! Whoosh will tell you here when a match is found, a friend invites you to a battle, or someone passes you on a leaderboard.",
            )))
        }
        Redeemed::Invalid => Ok(Json(reply(LINK_CODE_INVALID))),
    }
}

const LINK_CODE_INVALID: &str =
    "That link has expired or was used already. Open Whoosh and ask for a new Telegram link.";
