//! Telegram linking: a signed-in player asks for a single-use code, and the bot's webhook links
//! the chat that sends it as `/start <code>` to the account.

use crate::session::now;
use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use whoosh_auth::refresh;
use whoosh_core::ErrorCode;
use whoosh_http::middleware::throttle;
use whoosh_http::{ApiError, AppState, AuthUser, ErrorBody, Json};
use whoosh_store::telegram::{self, Redeemed};

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
pub(crate) async fn telegram_link(
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
pub(crate) struct TelegramUpdate {
    update_id: i64,
    #[serde(default)]
    message: Option<TelegramMessage>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct TelegramMessage {
    chat: TelegramChat,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct TelegramChat {
    id: i64,
}

/// What the webhook answers: nothing to do, or one Bot API call that Telegram makes on the
/// answer (`sendMessage` to the chat that wrote).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WebhookReply {
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
pub(crate) async fn telegram_webhook(
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
