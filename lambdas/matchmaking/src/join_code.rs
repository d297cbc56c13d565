//! Join codes: drawing a free one for a new lobby or party, and taking one from a player (counted
//! against the guessing budgets before it is parsed).

use whoosh_core::LobbyCode;
use whoosh_http::{ApiError, AppState};

/// Attempts at drawing a join code that no live lobby or party holds.
const CODE_ATTEMPTS: usize = 8;

/// A fresh join code; `reserve` says whether it was free (and takes it).
pub(crate) async fn draw_code<F, Fut>(mut reserve: F) -> Result<LobbyCode, ApiError>
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
pub(crate) struct JoinByCode {
    /// Six characters of the code alphabet.
    #[schema(example = "K7QX2M")]
    code: String,
}

impl JoinByCode {
    /// Counts the attempt against the per-user and per-address budgets (guesses included), then
    /// parses the code.
    pub(crate) async fn attempt(
        &self,
        state: &AppState,
        user: &whoosh_http::AuthUser,
        ip: whoosh_http::ClientIp,
    ) -> Result<LobbyCode, ApiError> {
        whoosh_http::middleware::throttle_code_guess(state, user, ip).await?;
        Ok(LobbyCode::parse(&self.code)?)
    }
}
