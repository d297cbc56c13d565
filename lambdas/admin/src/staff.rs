//! Who is calling the console: sign-in and sign-out of staff accounts, the [`Staff`] extractor
//! every console handler takes (an unrevoked admin token of an enabled account), role checks, and
//! the header that keeps cross-site forms out.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{StatusCode, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;
use whoosh_auth::{Grant, TokenKind, password::HashError};
use whoosh_core::{ErrorCode, Password, Username};
use whoosh_http::{
    ApiError, AppState, ClientIp, ErrorBody, Json,
    auth::{claims_of, is_revoked},
    middleware::{RequestId, throttle},
};
use whoosh_store::admin::{self, Actor, Admin, Change, Role};

/// The header every console request carries. A cross-site form, link or image cannot send a
/// custom header, and a cross-site script that tries needs a CORS preflight no Whoosh service
/// answers; so a request with it was made by a page of the console's own origin (or a tool).
pub const CONSOLE_HEADER: &str = "x-whoosh-console";

/// Refuses console requests without [`CONSOLE_HEADER`] (403 `console_header_required`), before
/// any token is looked at.
pub async fn require_console_header(req: Request, next: Next) -> Response {
    if req
        .headers()
        .get(CONSOLE_HEADER)
        .is_none_or(|v| v.is_empty())
    {
        return ApiError::new(
            ErrorCode::ConsoleHeaderRequired,
            "console requests must send the header X-Whoosh-Console: 1",
        )
        .into_response();
    }
    next.run(req).await
}

/// A signed-in staff member: a valid admin token of an enabled account whose console session
/// was not ended.
#[derive(Debug, Clone)]
pub struct Staff {
    pub admin: Admin,
    /// The console session the token belongs to.
    pub session: Uuid,
    /// The staff member as audit rows record them (with this request's id and address).
    pub actor: Actor,
}

impl Staff {
    /// Refuses (403 `role_required`) unless the staff member's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.admin.role >= role {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::RoleRequired,
                format!(
                    "this needs the {} role; you are {}",
                    role.as_str(),
                    self.admin.role.as_str()
                ),
            ))
        }
    }
}

/// The subject under which console sessions are marked revoked (never a player's id).
fn revocation_subject(admin: Uuid) -> String {
    format!("admin:{admin}")
}

fn request_actor(parts: &Parts, state: &AppState, admin: &Admin) -> Actor {
    Actor {
        admin_id: Some(admin.id),
        username: admin.username.clone(),
        role: admin.role,
        request_id: parts
            .extensions
            .get::<RequestId>()
            .and_then(|id| id.0.to_str().ok())
            .map(str::to_owned),
        client_ip: ClientIp::of(
            &parts.extensions,
            &parts.headers,
            state.config.http.client_ip,
        )
        .map(|ip| ip.to_string()),
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let claims = claims_of(
            parts,
            state,
            TokenKind::Admin,
            "send Authorization: Bearer <admin token>",
        )?;
        let invalid = || ApiError::new(ErrorCode::InvalidToken, "the token is not valid here");
        let id: Uuid = claims.sub.parse().map_err(|_| invalid())?;
        let session = claims.sid.ok_or_else(invalid)?;
        if is_revoked(state, &revocation_subject(id), &session.to_string()).await {
            return Err(ApiError::new(
                ErrorCode::InvalidToken,
                "the console session has ended; sign in again",
            ));
        }
        // Looked up on every request: a disabled account (or a changed role) counts at once.
        let admin = admin::find_admin(&state.db, id)
            .await?
            .filter(|a| !a.disabled)
            .ok_or_else(invalid)?;
        tracing::Span::current().record("user_id", tracing::field::display(&admin.username));
        let actor = request_actor(parts, state, &admin);
        Ok(Self {
            admin,
            session,
            actor,
        })
    }
}

/// A staff account as the console shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
}

impl From<&Admin> for StaffView {
    fn from(a: &Admin) -> Self {
        Self {
            id: a.id,
            username: a.username.clone(),
            role: a.role,
        }
    }
}

/// A console session.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsoleSession {
    pub admin: StaffView,
    /// An RS256 JWT of kind `admin`: send it as `Authorization: Bearer <token>`, with
    /// `X-Whoosh-Console: 1`. It cannot call player endpoints, and player tokens cannot call these.
    pub token: String,
    /// Seconds until the token expires (`ADMIN_TOKEN_TTL`); then sign in again.
    pub expires_in: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StaffCredentials {
    #[schema(example = "ops-alice")]
    username: String,
    password: String,
}

fn hash_error(e: HashError) -> ApiError {
    match e {
        HashError::Busy => ApiError::unavailable("password checking", e),
        HashError::Failed(_) => ApiError::internal(e),
    }
}

fn wrong_credentials() -> ApiError {
    ApiError::new(ErrorCode::InvalidCredentials, "wrong username or password")
}

/// Signs a staff member in. Throttled per address and per account like player login
/// (`LOGIN_RATE_PER_IP`, `LOGIN_RATE_PER_ACCOUNT`, budgets of their own); an unknown username and
/// a wrong password answer alike. Each sign-in is an audit row.
#[utoipa::path(post, path = "/api/admin/login", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`.")), request_body = StaffCredentials, responses(
    (status = 200, description = "A console session.", body = ConsoleSession),
    (status = 401, description = "`invalid_credentials`: wrong password, unknown or disabled account, invalid input, all alike.", body = ErrorBody),
    (status = 403, description = "`console_header_required`.", body = ErrorBody),
))]
pub async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    Json(body): Json<StaffCredentials>,
) -> Result<Json<ConsoleSession>, ApiError> {
    let auth = &state.config.auth;
    throttle(
        &state,
        "admin-login-ip",
        &ip.0.to_string(),
        auth.login_rate_per_ip,
    )
    .await?;
    let (Ok(username), Ok(password)) = (
        Username::parse(&body.username),
        Password::parse(&body.password),
    ) else {
        return Err(wrong_credentials());
    };
    throttle(
        &state,
        "admin-login-account",
        &username.key(),
        auth.login_rate_per_account,
    )
    .await?;
    let found = admin::find_admin_by_username(&state.db, &username).await?;
    let stored = found.as_ref().map(|a| a.password_hash.as_str());
    let verified = state
        .hasher
        .verify(&password, stored)
        .await
        .map_err(hash_error)?;
    let Some(admin) = found.filter(|a| verified && !a.disabled) else {
        tracing::warn!(username = %username.key(), "console sign-in refused");
        return Err(wrong_credentials());
    };
    let _ = state
        .limiter
        .reset("admin-login-account", &username.key())
        .await;
    let session = Uuid::now_v7();
    let actor = Actor {
        admin_id: Some(admin.id),
        username: admin.username.clone(),
        role: admin.role,
        request_id: None,
        client_ip: Some(ip.0.to_string()),
    };
    admin::record_alone(
        &state.db,
        &actor,
        &Change {
            action: "login",
            target: Some(session.to_string()),
            ..Change::default()
        },
    )
    .await?;
    let ttl = auth.admin_token_ttl;
    let token = state
        .keyring
        .mint(
            &state.tokens,
            Grant::admin(&admin.id.to_string(), session),
            OffsetDateTime::now_utc().unix_timestamp(),
            ttl,
        )
        .map_err(ApiError::internal)?;
    tracing::info!(admin = %admin.username, role = admin.role.as_str(), "console sign-in");
    Ok(Json(ConsoleSession {
        admin: StaffView::from(&admin),
        token,
        expires_in: ttl.as_secs(),
    }))
}

/// Ends the calling console session: its token stops working at once.
#[utoipa::path(post, path = "/api/admin/logout", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`.")), security(("admin_token" = [])), responses(
    (status = 204, description = "Signed out."),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`.", body = ErrorBody),
))]
pub async fn logout(State(state): State<AppState>, staff: Staff) -> Result<StatusCode, ApiError> {
    admin::record_alone(
        &state.db,
        &staff.actor,
        &Change {
            action: "logout",
            target: Some(staff.session.to_string()),
            ..Change::default()
        },
    )
    .await?;
    let ttl = state.config.auth.admin_token_ttl.as_secs() + whoosh_auth::token::LEEWAY_SECS;
    let key = state.keys.revoked_session(
        &revocation_subject(staff.admin.id),
        &staff.session.to_string(),
    );
    let mut conn = state.redis.clone();
    redis::cmd("SET")
        .arg(&key)
        .arg(1)
        .arg("EX")
        .arg(ttl)
        .query_async::<()>(&mut conn)
        .await
        .map_err(|e| ApiError::unavailable("Redis", e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in staff member.
#[utoipa::path(get, path = "/api/admin/me", tag = "admin", params(("X-Whoosh-Console" = String, Header, description = "Any non-empty value (the console sends `1`); without it 403 `console_header_required`.")), security(("admin_token" = [])), responses(
    (status = 200, description = "Who is signed in, with their role.", body = StaffView),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 403, description = "`console_header_required`.", body = ErrorBody),
))]
pub async fn me(staff: Staff) -> Json<StaffView> {
    Json(StaffView::from(&staff.admin))
}
