//! Authentication at the HTTP edge: the `AuthUser` extractor every protected handler takes, the
//! middleware that identifies callers for rate limiting, and session revocation (markers in Redis
//! that stop a revoked session's access tokens at once, and an event for live sockets).

use crate::{ApiError, AppState, middleware::Principal};
use axum::{
    extract::{FromRequestParts, Request, State},
    http::{HeaderMap, header, request::Parts},
    middleware::Next,
    response::Response,
};
use serde::Serialize;
use uuid::Uuid;
use whoosh_auth::{Claims, TokenError, TokenKind};
use whoosh_core::{ErrorCode, UserId};

/// A verified access or service token, cached in the request by [`identify`] so that its
/// signature is checked once per request.
#[derive(Debug, Clone)]
pub(crate) struct Verified(pub(crate) Claims);

/// Whether the request's session was found revoked, asked by the rate limiter in the same
/// round trip as the request's count; the [`AuthUser`] extractor asks Redis itself without it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SessionChecked {
    pub(crate) session: Uuid,
    pub(crate) revoked: bool,
}

/// The player calling: a valid, unrevoked access token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: UserId,
    /// The session (refresh-token family) the token was issued for.
    pub session_id: Uuid,
    /// When the access token was issued (Unix seconds): recent means a fresh login.
    pub issued_at: i64,
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub fn token_error(e: &TokenError) -> ApiError {
    match e {
        TokenError::Expired => {
            ApiError::new(ErrorCode::TokenExpired, "the token has expired; refresh it")
        }
        TokenError::Invalid(_) => {
            ApiError::new(ErrorCode::InvalidToken, "the token is not valid here")
        }
    }
}

/// Verifies a bearer access (or service) token when one is sent, so the rate limiter can key on
/// the user (or service).
/// Never refuses: handlers that need a user say so by taking `AuthUser`.
pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let claims = bearer(req.headers()).and_then(|t| verify_remembered(&state, t).ok());
    if let Some(claims) = claims {
        let principal = match claims.typ {
            TokenKind::Access => claims.sub.parse::<UserId>().ok().map(Principal::User),
            TokenKind::Service => Some(Principal::Service(claims.sub.clone())),
            // Admin tokens are identified by the admin service itself (it checks the account on
            // every request); until then the request counts against its address.
            TokenKind::Join | TokenKind::Admin => None,
        };
        if let Some(principal) = principal {
            req.extensions_mut().insert(principal);
            req.extensions_mut().insert(Verified(claims));
        }
    }
    next.run(req).await
}

/// Signature and claims of `token` (any kind), from [`AppState::verified`] when it was verified
/// within the last minute.
fn verify_remembered(state: &AppState, token: &str) -> Result<Claims, TokenError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    state
        .verified
        .verify_any_kind(&state.keyring, &state.tokens, token, now)
}

/// Like [`whoosh_auth::Keyring::verify`], through [`verify_remembered`].
fn verify_kind(state: &AppState, token: &str, kind: TokenKind) -> Result<Claims, TokenError> {
    let claims = verify_remembered(state, token)?;
    if claims.typ != kind {
        return Err(TokenError::Invalid("kind"));
    }
    Ok(claims)
}

/// The claims of the request's bearer token if it is of `kind`: taken from what [`identify`]
/// verified, else verified here. `what` is the message when no bearer token is sent.
pub fn claims_of(
    parts: &Parts,
    state: &AppState,
    kind: TokenKind,
    what: &'static str,
) -> Result<Claims, ApiError> {
    if let Some(Verified(claims)) = parts.extensions.get::<Verified>() {
        if claims.typ == kind {
            return Ok(claims.clone());
        }
    }
    let token =
        bearer(&parts.headers).ok_or_else(|| ApiError::new(ErrorCode::InvalidToken, what))?;
    verify_kind(state, token, kind).map_err(|e| token_error(&e))
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let claims = claims_of(
            parts,
            state,
            TokenKind::Access,
            "send Authorization: Bearer <access token>",
        )?;
        let checked = parts.extensions.get::<SessionChecked>().copied();
        let user = live_session(state, &claims, checked).await?;
        tracing::Span::current().record("user_id", tracing::field::display(user.user_id));
        Ok(user)
    }
}

/// The player of verified access-token claims, unless the session was revoked: as `checked`
/// says when it is about this session, else as Redis says now.
async fn live_session(
    state: &AppState,
    claims: &Claims,
    checked: Option<SessionChecked>,
) -> Result<AuthUser, ApiError> {
    let invalid = || ApiError::new(ErrorCode::InvalidToken, "the token is not valid here");
    let user_id: UserId = claims.sub.parse().map_err(|_| invalid())?;
    let session_id = claims.sid.ok_or_else(invalid)?;
    let revoked = match checked {
        Some(checked) if checked.session == session_id => checked.revoked,
        _ => session_revoked(state, user_id, session_id).await,
    };
    if revoked {
        return Err(ApiError::new(
            ErrorCode::InvalidToken,
            "the session has ended; log in again",
        ));
    }
    Ok(AuthUser {
        user_id,
        session_id,
        issued_at: claims.iat,
    })
}

/// Verifies an access token exactly as the [`AuthUser`] extractor does (signature, kind, expiry,
/// revoked session), for sockets whose token comes in a subprotocol or the query.
pub async fn verify_access(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let claims = verify_kind(state, token, TokenKind::Access).map_err(|e| token_error(&e))?;
    live_session(state, &claims, None).await
}

/// Whether a session was revoked within an access token's lifetime. When Redis is unreachable
/// the token is trusted (it expires within `ACCESS_TOKEN_TTL` anyway) and a warning logged.
async fn session_revoked(state: &AppState, user: UserId, session: Uuid) -> bool {
    is_revoked(state, &user.to_string(), &session.to_string()).await
}

/// Whether session `session` of `subject` (a user id, or `admin:<id>` for console sessions) is
/// marked revoked; `false` when Redis cannot say (a warning is logged).
pub async fn is_revoked(state: &AppState, subject: &str, session: &str) -> bool {
    let mut conn = state.redis.clone();
    let key = state.keys.revoked_session(subject, session);
    match redis::cmd("EXISTS")
        .arg(key)
        .query_async::<bool>(&mut conn)
        .await
    {
        Ok(revoked) => revoked,
        Err(error) => {
            tracing::warn!(%error, "revocation check unavailable; token trusted until it expires");
            false
        }
    }
}

/// Announced on the revocations channel when sessions end, so edge nodes close the sockets of
/// those sessions.
#[derive(Debug, Clone, Serialize)]
pub struct Revocation<'a> {
    pub user_id: UserId,
    /// The sessions that ended; empty with `all_sessions` for account deletion.
    pub sessions: &'a [Uuid],
    pub all_sessions: bool,
    pub reason: &'a str,
}

/// Marks sessions revoked for the lifetime of their access tokens and publishes the event.
/// PostgreSQL already holds the revocation (refresh tokens are dead); a Redis failure here only
/// lets outstanding access tokens live until they expire, so it is logged, not returned.
pub async fn announce_revocation(state: &AppState, revocation: &Revocation<'_>) {
    let ttl = state.config.auth.access_token_ttl.as_secs() + whoosh_auth::token::LEEWAY_SECS;
    let user = revocation.user_id.to_string();
    let mut pipe = redis::pipe();
    for session in revocation.sessions {
        pipe.cmd("SET")
            .arg(state.keys.revoked_session(&user, &session.to_string()))
            .arg(1)
            .arg("EX")
            .arg(ttl)
            .ignore();
    }
    let event = serde_json::to_string(revocation).unwrap_or_default();
    let mut conn = state.redis.clone();
    let outcome = async {
        if !revocation.sessions.is_empty() {
            pipe.query_async::<()>(&mut conn).await?;
        }
        redis::cmd("PUBLISH")
            .arg(state.keys.revocations_channel())
            .arg(event)
            .query_async::<i64>(&mut conn)
            .await
    }
    .await;
    if let Err(error) = outcome {
        tracing::error!(%error, user_id = %user, "could not announce session revocation");
    }
}

/// A trusted game service calling with a service token (e.g. the edge crediting match rewards).
#[derive(Debug, Clone)]
pub struct ServiceCaller {
    /// The service's name (the token's subject).
    pub name: String,
}

impl FromRequestParts<AppState> for ServiceCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let claims = claims_of(
            parts,
            state,
            TokenKind::Service,
            "send Authorization: Bearer <service token>",
        )?;
        Ok(Self { name: claims.sub })
    }
}
