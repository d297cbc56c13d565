//! The matchmaking service. The ALB routes `/api/matchmaking/*`, `/api/lobbies/*` and
//! `/api/battles`, `/api/battles/*` here; the local all-in-one binary mounts the same routes at the
//! same paths.
//!
//! - Tickets (quick match): a player, or a party's leader for the whole party, asks for a match;
//!   the matcher loop ([`run_matcher`]) groups waiting tickets by rating and places each group in a
//!   lobby on a live edge node; every player on a matched ticket then reads `{lobby_id, edge_url,
//!   join_token}` from it.
//! - Parties: friends gather under a join code and queue together.
//! - Private lobbies: a host opens a lobby and shares its join code.
//! - Battles: a challenge between two players or two groups, played in a lobby of their own.
//!
//! Tickets, parties and lobbies live in Redis (`whoosh_cache`); PostgreSQL gives the ratings.

mod battles;
mod lobbies;
pub mod matcher;
mod parties;
mod tickets;

use axum::{
    Router,
    routing::{get, post},
};
use std::time::Duration;
use whoosh_cache::{PartyDirectory, TicketQueue};
use whoosh_core::{ErrorCode, LobbyCode};
use whoosh_http::{ApiError, AppState};

pub use matcher::{FormedLobby, PassReport, match_pass, run_matcher};

pub use whoosh_core::matchmaking::MODES;

/// How long a ticket's record outlives its expiry, so that polling clients learn it expired
/// rather than that it never existed.
pub const TICKET_KEEP: Duration = Duration::from_secs(600);

/// Attempts at drawing a join code that no live lobby or party holds.
const CODE_ATTEMPTS: usize = 8;

/// The service's routes, without the shared middleware (for composition).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/matchmaking/tickets", post(tickets::create))
        .route(
            "/api/matchmaking/tickets/{id}",
            get(tickets::show).delete(tickets::cancel),
        )
        .route("/api/lobbies", post(lobbies::create))
        .route("/api/lobbies/join", post(lobbies::join))
        .route("/api/lobbies/{id}", get(lobbies::show))
        .route("/api/lobbies/parties", post(parties::create))
        .route("/api/lobbies/parties/join", post(parties::join))
        .route("/api/lobbies/parties/{id}", get(parties::show))
        .route("/api/lobbies/parties/{id}/leave", post(parties::leave))
        .route("/api/battles", post(battles::create))
        .route("/api/battles/{id}", get(battles::show))
        .route("/api/battles/{id}/join", post(battles::join))
        .route("/api/battles/{id}/invite", post(battles::invite))
        .route("/api/battles/{id}/begin", post(battles::begin))
}

/// The routes a deployed matchmaking service serves: [`routes`] and its part of the API document
/// at `GET /api/openapi.json`.
pub fn service_routes() -> Router<AppState> {
    whoosh_http::openapi::with_document(routes(), openapi())
}

/// The matchmaking service's part of the API document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    tickets::create,
    tickets::show,
    tickets::cancel,
    lobbies::create,
    lobbies::join,
    lobbies::show,
    parties::create,
    parties::join,
    parties::show,
    parties::leave,
    battles::create,
    battles::show,
    battles::join,
    battles::invite,
    battles::begin
))]
struct ApiDoc;

/// The matchmaking service's endpoints in the API document (see `whoosh_http::openapi`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    <ApiDoc as utoipa::OpenApi>::openapi()
}

/// The complete service: routes, health endpoints and the shared middleware.
pub fn router(state: AppState) -> Router {
    whoosh_http::app(service_routes(), state)
}

fn queue(state: &AppState) -> TicketQueue {
    TicketQueue::new(state.redis.clone(), state.keys.clone())
}

fn parties(state: &AppState) -> PartyDirectory {
    PartyDirectory::new(state.redis.clone(), state.keys.clone())
}

/// Wall-clock time for request handlers (the matcher takes its clock as an argument).
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A join token that opens `lobby` on its edge node for `user`, valid `JOIN_TOKEN_TTL` from now.
fn join_token(state: &AppState, user: &str, lobby: &str) -> Result<String, ApiError> {
    state
        .keyring
        .mint(
            &state.tokens,
            whoosh_auth::Grant::join(user, lobby),
            now_ms() / 1000,
            state.config.auth.join_token_ttl,
        )
        .map_err(|e| ApiError::internal(anyhow::anyhow!("minting a join token: {e}")))
}

/// Where a player opens a lobby's socket.
fn socket_url(edge_url: &str, lobby: &str) -> String {
    format!("{}/ws/lobbies/{lobby}", edge_url.trim_end_matches('/'))
}

/// The least loaded live edge node of `region` with `seats` free seats; 503
/// `service_unavailable` when none has room.
async fn node_with_room(
    state: &AppState,
    region: &str,
    seats: u32,
) -> Result<whoosh_cache::EdgeNode, ApiError> {
    state
        .nodes
        .least_loaded(region, seats)
        .await?
        .ok_or_else(|| {
            ApiError::unavailable(
                "a game node",
                anyhow::anyhow!("no live edge node in {region} with {seats} free seats"),
            )
        })
}

/// The region asked for, or the default; 400 `invalid_region` when it is not served.
fn region(state: &AppState, asked: Option<&str>) -> Result<String, ApiError> {
    let config = &state.config.matchmaking;
    match asked {
        None => Ok(config.default_region.clone()),
        Some(region) if config.regions.iter().any(|r| r == region) => Ok(region.to_owned()),
        Some(_) => Err(ApiError::new(
            ErrorCode::InvalidRegion,
            format!("region must be one of: {}", config.regions.join(", ")),
        )),
    }
}

/// A fresh join code; `reserve` says whether it was free (and takes it).
async fn draw_code<F, Fut>(mut reserve: F) -> Result<LobbyCode, ApiError>
where
    F: FnMut(LobbyCode) -> Fut,
    Fut: Future<Output = redis::RedisResult<bool>>,
{
    for _ in 0..CODE_ATTEMPTS {
        let code = LobbyCode::from_entropy(uuid::Uuid::new_v4().as_u64_pair().0);
        if reserve(code.clone()).await? {
            return Ok(code);
        }
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "no free join code after {CODE_ATTEMPTS} draws"
    )))
}

/// The body of a join by code (a lobby's or a party's).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
struct JoinByCode {
    /// Six characters of the code alphabet.
    #[schema(example = "K7QX2M")]
    code: String,
}

impl JoinByCode {
    /// Counts the attempt against the per-user and per-address budgets (guesses included), then
    /// parses the code.
    async fn attempt(
        &self,
        state: &AppState,
        user: &whoosh_http::AuthUser,
        ip: whoosh_http::ClientIp,
    ) -> Result<LobbyCode, ApiError> {
        whoosh_http::middleware::throttle_code_guess(state, user, ip).await?;
        Ok(LobbyCode::parse(&self.code)?)
    }
}
