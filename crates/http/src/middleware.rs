//! The middleware stack of every service, outermost first: panic → 500, request id and the
//! request log line, timeout, body size limit, caller identification (`auth::identify`), per-client
//! rate limit.

use crate::{ApiError, AppState, extract::ClientIp};
use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::time::Instant;
use tracing::Instrument;
use whoosh_core::{ErrorCode, UserId};

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id accepted from a caller; longer or odd ones are replaced.
const MAX_REQUEST_ID_LEN: usize = 64;

/// The id of the current request, also in the `x-request-id` response header.
#[derive(Debug, Clone)]
pub struct RequestId(pub HeaderValue);

fn acceptable_request_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_REQUEST_ID_LEN
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Gives every request an id (the caller's when it is sane, else a fresh UUIDv7), runs it inside a
/// span carrying that id, and writes one log line per request with route, status and latency.
pub async fn observe(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .filter(|v| acceptable_request_id(v))
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::now_v7().to_string())
                .unwrap_or(HeaderValue::from_static("unknown"))
        });
    req.extensions_mut().insert(RequestId(id.clone()));
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = req.method().clone();
    let span = tracing::info_span!(
        "request",
        request_id = id.to_str().unwrap_or_default(),
        method = %method,
        route = %route,
        user_id = tracing::field::Empty,
    );
    let mut response = next.run(req).instrument(span.clone()).await;
    let status = response.status().as_u16();
    let code = response.extensions().get::<ErrorCode>().map(|c| c.as_str());
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| match status {
        500.. => tracing::error!(status, code, latency_ms, "request"),
        _ => tracing::info!(status, code, latency_ms, "request"),
    });
    crate::emf::request(method.as_str(), &route, status, code, latency_ms);
    response.headers_mut().insert(REQUEST_ID.clone(), id);
    response
}

/// Answers 504 `request_timeout` when the handler takes longer than `HTTP_REQUEST_TIMEOUT`.
pub async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.config.http.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            ErrorCode::RequestTimeout,
            format!("the request took longer than {limit:?}"),
        )
        .into_response(),
    }
}

/// Refuses a body whose declared length exceeds `HTTP_BODY_LIMIT_BYTES` before reading any of it.
/// Bodies without a length are cut at the same limit by `DefaultBodyLimit` while being read.
pub async fn body_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit = state.config.http.body_limit_bytes;
    if declared.is_some_and(|len| len > limit as u64) {
        return ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body is larger than {limit} bytes"),
        )
        .into_response();
    }
    next.run(req).await
}

/// Who a request comes from, placed in its extensions by the authentication layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A player (valid access token).
    User(UserId),
    /// A trusted service (valid service token), by name.
    Service(String),
}

/// Counts each request against `RATE_LIMIT_PER_CLIENT`, keyed on the user (or service) when
/// authenticated and on the client address otherwise. For a player's access token the same
/// round trip also asks whether its session was revoked, which the `AuthUser` extractor then
/// uses instead of asking again. When Redis is unreachable the request is let through (and a
/// warning logged): an outage of the cache must not become an outage of the API.
pub async fn rate_limit(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let rate = state.config.http.rate_limit;
    let outcome = match req.extensions().get::<Principal>() {
        Some(Principal::User(user)) => {
            let session = req
                .extensions()
                .get::<crate::auth::Verified>()
                .and_then(|v| v.0.sid);
            let user = user.to_string();
            let session_text = session.map(|s| s.to_string());
            match state
                .limiter
                .check_player("api", &user, session_text.as_deref(), rate)
                .await
            {
                Ok((decision, revoked)) => {
                    if let Some(session) = session {
                        req.extensions_mut()
                            .insert(crate::auth::SessionChecked { session, revoked });
                    }
                    Ok(decision)
                }
                Err(error) => Err(error),
            }
        }
        principal => {
            let subject = match principal {
                Some(Principal::Service(name)) => Some(format!("s:{name}")),
                _ => ClientIp::of(req.extensions(), req.headers(), state.config.http.client_ip)
                    .map(|ip| format!("ip:{ip}")),
            };
            let Some(subject) = subject else {
                return next.run(req).await;
            };
            state.limiter.check("api", &subject, rate).await
        }
    };
    match outcome {
        Ok(whoosh_cache::Decision::Allowed) => next.run(req).await,
        Ok(whoosh_cache::Decision::Limited { retry_after }) => {
            ApiError::rate_limited(retry_after).into_response()
        }
        Err(error) => {
            tracing::warn!(error = %error, "rate limiter unavailable; request allowed");
            next.run(req).await
        }
    }
}

/// Counts one attempt of `subject` against a named throttle (login, registration…): 429 with
/// `Retry-After` when over. Redis being down lets the attempt through, logged.
pub async fn throttle(
    state: &AppState,
    policy: &str,
    subject: &str,
    rate: whoosh_cache::Rate,
) -> Result<(), ApiError> {
    match state.limiter.check(policy, subject, rate).await {
        Ok(whoosh_cache::Decision::Allowed) => Ok(()),
        Ok(whoosh_cache::Decision::Limited { retry_after }) => {
            Err(ApiError::rate_limited(retry_after))
        }
        Err(error) => {
            tracing::warn!(%error, policy, "throttle unavailable; attempt allowed");
            Ok(())
        }
    }
}

/// Counts one join-by-code attempt — a lobby's, a party's or a group invite's, guesses included —
/// against the per-user and per-address budgets (`LOBBY_JOIN_RATE`, `LOBBY_JOIN_RATE_PER_IP`).
/// All code kinds share one budget, so a guesser gains nothing by spreading over them.
pub async fn throttle_code_guess(
    state: &AppState,
    user: &crate::AuthUser,
    ip: ClientIp,
) -> Result<(), ApiError> {
    let config = &state.config.matchmaking;
    throttle(
        state,
        "join-code-user",
        &user.user_id.to_string(),
        config.lobby_join_rate,
    )
    .await?;
    throttle(
        state,
        "join-code-ip",
        &ip.0.to_string(),
        config.lobby_join_rate_per_ip,
    )
    .await
}
