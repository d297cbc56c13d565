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
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;
use whoosh_core::ErrorCode;
use whoosh_http::{
    ApiError, AppState, AuthUser, ErrorBody, IdempotencyKey, Json, Page, auth::ServiceCaller,
};
use whoosh_store::economy::{
    self, Balance, EconomyError, Equipped, Grant, Idempotency, LedgerEntry, Outcome, OwnedItem,
    Purchase, StoreItem,
};

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

/// The routes a deployed economy service serves: [`routes`] and its part of the API document at
/// `GET /api/openapi.json`.
pub fn service_routes() -> Router<AppState> {
    whoosh_http::openapi::with_document(routes(), openapi())
}

/// The economy service's part of the API document.
#[derive(OpenApi)]
#[openapi(paths(wallet, ledger, grant, store, purchase, inventory, equip))]
struct ApiDoc;

/// The economy service's endpoints in the API document (see `whoosh_http::openapi`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The complete service: routes, health endpoints and the shared middleware.
pub fn router(state: AppState) -> Router {
    whoosh_http::app(service_routes(), state)
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

/// The caller's balance in every currency.
#[derive(Debug, Serialize, ToSchema)]
struct Balances {
    balances: Vec<Balance>,
}

/// One page of the ledger, newest first.
#[derive(Debug, Serialize, ToSchema)]
struct LedgerPage {
    entries: Vec<LedgerEntry>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// The items on sale.
#[derive(Debug, Serialize, ToSchema)]
struct Catalogue {
    items: Vec<StoreItem>,
}

/// The items the caller owns.
#[derive(Debug, Serialize, ToSchema)]
struct Inventory {
    items: Vec<OwnedItem>,
}

/// What the caller shows on their profile after an equip.
#[derive(Debug, Serialize, ToSchema)]
struct Loadout {
    equipped: Equipped,
}

/// The answer of a purchase (stored with its Idempotency-Key and replayed as it was).
#[derive(Debug, Serialize, ToSchema)]
struct PurchaseReceipt {
    purchase: Purchase,
}

/// The answer of a grant (stored with its Idempotency-Key and replayed as it was).
#[derive(Debug, Serialize, ToSchema)]
struct GrantReceipt {
    grant: Grant,
}

/// The stored answer of an idempotent request.
fn receipt(status: u16, body: &impl Serialize) -> (u16, Value) {
    (status, serde_json::to_value(body).unwrap_or_default())
}

fn answer(outcome: Outcome) -> Response {
    let (Outcome::Done { status, body } | Outcome::Replayed { status, body }) = outcome;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, Json(body)).into_response()
}

/// The caller's balances, one per currency (0 where they hold none).
#[utoipa::path(get, path = "/api/wallet", tag = "economy", security(("access_token" = [])), responses(
    (status = 200, description = "The balances.", body = Balances),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
))]
async fn wallet(State(state): State<AppState>, user: AuthUser) -> Result<Json<Balances>, ApiError> {
    let balances = economy::balances(&state.db, *user.user_id.as_uuid()).await?;
    Ok(Json(Balances { balances }))
}

/// The caller's ledger, newest first, one page at a time.
#[utoipa::path(get, path = "/api/wallet/ledger", tag = "economy", params(Page), security(("access_token" = [])), responses(
    (status = 200, description = "One page of the ledger.", body = LedgerPage),
    (status = 400, description = "`invalid_request` (limit not a whole number); `invalid_cursor`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
))]
async fn ledger(
    State(state): State<AppState>,
    user: AuthUser,
    page: Page,
) -> Result<Json<LedgerPage>, ApiError> {
    let entries = economy::ledger_page(
        &state.db,
        *user.user_id.as_uuid(),
        page.after,
        page.limit + 1,
    )
    .await?;
    let (entries, next_cursor) = page.after_last(entries, |e| e.id);
    Ok(Json(LedgerPage {
        entries,
        next_cursor,
    }))
}

/// The items on sale, whole (bounded by the catalogue).
#[utoipa::path(get, path = "/api/store", tag = "economy", responses(
    (status = 200, description = "The catalogue.", body = Catalogue),
))]
async fn store(State(state): State<AppState>) -> Result<Json<Catalogue>, ApiError> {
    Ok(Json(Catalogue {
        items: economy::catalogue(&state.db).await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
struct PurchaseRequest {
    #[schema(example = "avatar_fox")]
    item_id: String,
    /// A whole number from 1 to 100; 1 when omitted.
    #[serde(default)]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 100)]
    quantity: Option<Value>,
}

/// Buys an item: debit and delivery in one transaction, once per Idempotency-Key.
#[utoipa::path(post, path = "/api/store/purchase", tag = "economy", params(IdempotencyKey), request_body = PurchaseRequest, security(("access_token" = [])), responses(
    (status = 201, description = "The purchase (also the replay of an earlier one with the same key and body).", body = PurchaseReceipt),
    (status = 400, description = "`invalid_quantity`; `invalid_idempotency_key`; `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`not_found`: no such item on sale.", body = ErrorBody),
    (status = 409, description = "`insufficient_funds`; `purchase_limit_reached`.", body = ErrorBody),
    (status = 422, description = "`idempotency_key_reused`: the key was used with another body.", body = ErrorBody),
))]
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
        |purchase| {
            receipt(
                201,
                &PurchaseReceipt {
                    purchase: purchase.clone(),
                },
            )
        },
    )
    .await
    .map_err(economy_error)?;
    if let Outcome::Done { .. } = &outcome {
        tracing::info!(item = %body.item_id, quantity, "purchase");
    }
    Ok(answer(outcome))
}

/// The items the caller owns, whole (bounded by the catalogue).
#[utoipa::path(get, path = "/api/inventory", tag = "economy", security(("access_token" = [])), responses(
    (status = 200, description = "The inventory.", body = Inventory),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
))]
async fn inventory(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Inventory>, ApiError> {
    let id = *user.user_id.as_uuid();
    let items = economy::inventory(&state.db, id).await?;
    Ok(Json(Inventory { items }))
}

/// Equips an owned avatar or title.
#[utoipa::path(post, path = "/api/inventory/{item}/equip", tag = "economy", params(("item" = String, Path, description = "The item id.")), security(("access_token" = [])), responses(
    (status = 200, description = "What is equipped now.", body = Loadout),
    (status = 401, description = "`invalid_token`, `token_expired`.", body = ErrorBody),
    (status = 404, description = "`not_found`: the caller does not own that item.", body = ErrorBody),
    (status = 409, description = "`not_equippable`: only avatars and titles can be equipped.", body = ErrorBody),
))]
async fn equip(
    State(state): State<AppState>,
    user: AuthUser,
    Path(item): Path<String>,
) -> Result<Json<Loadout>, ApiError> {
    let equipped = economy::equip(&state.db, *user.user_id.as_uuid(), &item)
        .await
        .map_err(economy_error)?;
    Ok(Json(Loadout { equipped }))
}

#[derive(Debug, Deserialize, ToSchema)]
struct GrantRequest {
    user_id: Uuid,
    #[schema(example = "coins")]
    currency: String,
    /// A whole number from 1 to 1 000 000 000.
    #[schema(value_type = i64, minimum = 1, maximum = 1_000_000_000)]
    amount: Value,
    /// 1–64 characters of letters, digits, `_`, `-`, `:` and `.`.
    #[schema(example = "match_reward")]
    reason: String,
    /// As `reason`.
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
#[utoipa::path(post, path = "/api/wallet/grants", tag = "economy", params(IdempotencyKey), request_body = GrantRequest, security(("service_token" = [])), responses(
    (status = 201, description = "The grant (also the replay of an earlier one with the same key and body).", body = GrantReceipt),
    (status = 400, description = "`invalid_amount`; `invalid_currency`; `invalid_request` (reason or reference); `invalid_idempotency_key`; `invalid_json`.", body = ErrorBody),
    (status = 401, description = "`invalid_token`, `token_expired`: no valid service token.", body = ErrorBody),
    (status = 404, description = "`not_found`: no such user.", body = ErrorBody),
    (status = 422, description = "`idempotency_key_reused`.", body = ErrorBody),
))]
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
        |grant| {
            receipt(
                201,
                &GrantReceipt {
                    grant: grant.clone(),
                },
            )
        },
    )
    .await
    .map_err(economy_error)?;
    if let Outcome::Done { .. } = &outcome {
        tracing::info!(service = %caller.name, user = %body.user_id, amount, currency = %body.currency, "grant");
    }
    Ok(answer(outcome))
}
