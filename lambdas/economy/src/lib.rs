//! The economy service: wallets and their ledger, the store, purchases, inventories, and grants
//! from trusted services. The ALB routes `/api/wallet/*`, `/api/store/*` and `/api/inventory/*`
//! here; the local all-in-one binary mounts the same routes at the same paths.
//!
//! Money moves only inside `whoosh_store::economy`, one transaction per change, idempotent by key.

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use whoosh_core::ErrorCode;
use whoosh_http::{ApiError, AppState, AuthUser, IdempotencyKey, Json, Page, auth::ServiceCaller};
use whoosh_store::economy::{self, EconomyError, Idempotency, Outcome};

/// The service's routes, without the shared middleware (for composition).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/wallet", get(wallet))
        .route("/api/wallet/ledger", get(ledger))
        .route("/api/wallet/grants", post(grant))
        .route("/api/store", get(store))
        .route("/api/store/purchase", post(purchase))
        .route("/api/inventory", get(inventory))
        .route("/api/inventory/{item}/equip", post(equip))
}

/// The complete service: routes, health endpoints and the shared middleware.
pub fn router(state: AppState) -> Router {
    whoosh_http::app(routes(), state)
}

/// Most units bought in one purchase.
pub const MAX_QUANTITY: i64 = 100;
/// Largest single grant.
pub const MAX_GRANT: i64 = 1_000_000_000;
/// Longest reason and reference strings on a grant.
const MAX_LABEL_LEN: usize = 64;

fn economy_error(e: EconomyError) -> ApiError {
    match e {
        EconomyError::UnknownItem => ApiError::new(ErrorCode::NotFound, "no such item on sale"),
        EconomyError::UnknownCurrency => {
            ApiError::new(ErrorCode::InvalidCurrency, "no such currency")
        }
        EconomyError::InsufficientFunds {
            currency,
            balance,
            needed,
        } => ApiError::new(
            ErrorCode::InsufficientFunds,
            format!("not enough {currency}: {balance} held, {needed} needed"),
        ),
        EconomyError::LimitReached { limit } => ApiError::new(
            ErrorCode::PurchaseLimitReached,
            format!("this item can be bought at most {limit} time(s)"),
        ),
        EconomyError::Overflow => {
            ApiError::new(ErrorCode::InvalidAmount, "the amount is too large")
        }
        EconomyError::KeyReused => ApiError::new(
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was already used with a different request",
        ),
        EconomyError::NotOwned => ApiError::new(ErrorCode::NotFound, "you do not own that item"),
        EconomyError::NotEquippable => ApiError::new(
            ErrorCode::NotEquippable,
            "only avatars and titles can be equipped",
        ),
        EconomyError::Db(e) => e.into(),
    }
}

/// A whole number in `1..=max` from a JSON value, or `None` (fractions, strings, huge numbers).
fn whole_in_range(value: &Value, max: i64) -> Option<i64> {
    value.as_i64().filter(|n| (1..=max).contains(n))
}

fn request_hash(canonical: &impl Serialize) -> Vec<u8> {
    Sha256::digest(serde_json::to_vec(canonical).unwrap_or_default()).to_vec()
}

fn answer(outcome: Outcome) -> Response {
    let (Outcome::Done { status, body } | Outcome::Replayed { status, body }) = outcome;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, Json(body)).into_response()
}

async fn wallet(State(state): State<AppState>, user: AuthUser) -> Result<Json<Value>, ApiError> {
    let balances = economy::balances(&state.db, *user.user_id.as_uuid()).await?;
    Ok(Json(json!({ "balances": balances })))
}

async fn ledger(
    State(state): State<AppState>,
    user: AuthUser,
    page: Page,
) -> Result<Json<Value>, ApiError> {
    let entries = economy::ledger_page(
        &state.db,
        *user.user_id.as_uuid(),
        page.after,
        page.limit + 1,
    )
    .await?;
    let more = entries.len() as i64 > page.limit;
    let entries: Vec<_> = entries.into_iter().take(page.limit as usize).collect();
    let next_cursor = if more {
        entries.last().map(|e| Page::cursor(e.id))
    } else {
        None
    };
    Ok(Json(
        json!({ "entries": entries, "next_cursor": next_cursor }),
    ))
}

async fn store(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "items": economy::catalogue(&state.db).await? }),
    ))
}

#[derive(Debug, Deserialize)]
struct PurchaseRequest {
    item_id: String,
    #[serde(default)]
    quantity: Option<Value>,
}

async fn purchase(
    State(state): State<AppState>,
    user: AuthUser,
    key: IdempotencyKey,
    Json(body): Json<PurchaseRequest>,
) -> Result<Response, ApiError> {
    let quantity = match &body.quantity {
        None => 1,
        Some(v) => whole_in_range(v, MAX_QUANTITY).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidQuantity,
                format!("quantity must be a whole number from 1 to {MAX_QUANTITY}"),
            )
        })?,
    };
    if body.item_id.is_empty() || body.item_id.len() > 48 {
        return Err(ApiError::new(ErrorCode::NotFound, "no such item on sale"));
    }
    let hash = request_hash(&(&body.item_id, quantity));
    let idem = Idempotency {
        scope: "purchase",
        key: &key.0,
        request_hash: &hash,
    };
    let outcome = economy::purchase(
        &state.db,
        *user.user_id.as_uuid(),
        idem,
        &body.item_id,
        quantity,
        |p| (201, json!({ "purchase": p })),
    )
    .await
    .map_err(economy_error)?;
    if let Outcome::Done { .. } = &outcome {
        tracing::info!(item = %body.item_id, quantity, "purchase");
    }
    Ok(answer(outcome))
}

async fn inventory(State(state): State<AppState>, user: AuthUser) -> Result<Json<Value>, ApiError> {
    let id = *user.user_id.as_uuid();
    let items = economy::inventory(&state.db, id).await?;
    Ok(Json(json!({ "items": items })))
}

async fn equip(
    State(state): State<AppState>,
    user: AuthUser,
    Path(item): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let equipped = economy::equip(&state.db, *user.user_id.as_uuid(), &item)
        .await
        .map_err(economy_error)?;
    Ok(Json(json!({ "equipped": equipped })))
}

#[derive(Debug, Deserialize)]
struct GrantRequest {
    user_id: Uuid,
    currency: String,
    amount: Value,
    reason: String,
    #[serde(default)]
    reference: Option<String>,
}

fn label(value: &str, what: &str) -> Result<(), ApiError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_LABEL_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!(
                "{what} must be 1–{MAX_LABEL_LEN} characters of letters, digits, '_', '-', ':' and '.'"
            ),
        ))
    }
}

/// Credits a user on behalf of a trusted service, once per (user, Idempotency-Key): the edge
/// uses `match:<match id>` as the key, so a match's reward lands once whatever the retries.
async fn grant(
    State(state): State<AppState>,
    caller: ServiceCaller,
    key: IdempotencyKey,
    Json(body): Json<GrantRequest>,
) -> Result<Response, ApiError> {
    let amount = whole_in_range(&body.amount, MAX_GRANT).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidAmount,
            format!("amount must be a whole number from 1 to {MAX_GRANT}"),
        )
    })?;
    label(&body.reason, "reason")?;
    if let Some(reference) = &body.reference {
        label(reference, "reference")?;
    }
    let hash = request_hash(&(
        &body.user_id,
        &body.currency,
        amount,
        &body.reason,
        &body.reference,
    ));
    let scope = format!("grant:{}", caller.name);
    let idem = Idempotency {
        scope: &scope,
        key: &key.0,
        request_hash: &hash,
    };
    if whoosh_store::accounts::find(&state.db, body.user_id)
        .await?
        .is_none()
    {
        return Err(ApiError::new(ErrorCode::NotFound, "no such user"));
    }
    let outcome = economy::grant(
        &state.db,
        body.user_id,
        idem,
        &body.currency,
        amount,
        &body.reason,
        body.reference.as_deref(),
        |g| (201, json!({ "grant": g })),
    )
    .await
    .map_err(economy_error)?;
    if let Outcome::Done { .. } = &outcome {
        tracing::info!(service = %caller.name, user = %body.user_id, amount, currency = %body.currency, "grant");
    }
    Ok(answer(outcome))
}
