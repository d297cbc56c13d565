//! What a successful sign-in answers: the session (access and refresh tokens) and the account
//! as its owner sees it, and issuing one.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;
use whoosh_auth::{Grant, refresh};
use whoosh_core::ErrorCode;
use whoosh_http::{ApiError, AppState};
use whoosh_store::{
    accounts::Account,
    analytics::{self, Event},
    sessions::{self},
};

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

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Mints an access token for a session and starts or continues it with a fresh refresh token.
pub(crate) async fn issue(
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
