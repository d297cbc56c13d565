//! The one error type of every HTTP handler. It answers `{"error":{"code","message"}}` with the
//! code's status; 429 and 503 carry `Retry-After`. Internal causes are logged with the request id
//! and never sent to the client.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use std::{borrow::Cow, time::Duration};
use whoosh_core::{ErrorCode, Invalid};

#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: Cow<'static, str>,
    retry_after: Option<Duration>,
    cause: Option<anyhow::Error>,
}

/// How long clients are told to wait when a dependency is unavailable.
pub const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(2);

/// The body of every error answer. Its schema in the API document is derived from this struct.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ErrorBody, example = json!({"error": {"code": "rate_limited", "message": "too many requests; retry after the time in Retry-After"}}))]
pub struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ErrorDetail)]
struct Detail<'a> {
    /// A stable code: clients branch on it. Each code always comes with the same HTTP status.
    #[schema(value_type = crate::openapi::ErrorCodeSchema)]
    code: ErrorCode,
    /// For people; it may change.
    message: &'a str,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after: None,
            cause: None,
        }
    }

    /// A fault we did not expect: logged in full, answered as a bare 500.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            code: ErrorCode::InternalError,
            message: "internal error; the request id identifies it in the logs".into(),
            retry_after: None,
            cause: Some(cause.into()),
        }
    }

    /// A dependency is down or saturated: 503 with `Retry-After`.
    pub fn unavailable(what: &'static str, cause: impl Into<anyhow::Error>) -> Self {
        Self {
            code: ErrorCode::ServiceUnavailable,
            message: format!("{what} is unavailable; retry shortly").into(),
            retry_after: Some(UNAVAILABLE_RETRY_AFTER),
            cause: Some(cause.into()),
        }
    }

    pub fn rate_limited(retry_after: Duration) -> Self {
        Self {
            code: ErrorCode::RateLimited,
            message: "too many requests; retry after the time in Retry-After".into(),
            retry_after: Some(retry_after),
            cause: None,
        }
    }

    /// Adds a `Retry-After` to the answer.
    #[must_use]
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "no such resource")
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        match &self.cause {
            Some(cause) if status.is_server_error() => {
                tracing::error!(code = %self.code, error = format!("{cause:#}"), "request failed");
            }
            Some(cause) => {
                tracing::warn!(code = %self.code, error = format!("{cause:#}"), "request refused")
            }
            None => {}
        }
        let body = Body {
            error: Detail {
                code: self.code,
                message: &self.message,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(wait) = self.retry_after {
            // Whole seconds, rounded up, at least 1: a client must never be told to retry at once.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        response.extensions_mut().insert(self.code);
        response
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        Self::new(invalid.code, invalid.message)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        match whoosh_store::classify(&error) {
            whoosh_store::Failure::Unavailable => Self::unavailable("the database", error),
            // Retried with backoff already (`with_retries`); what is left is persistent
            // contention, which a later attempt usually gets through.
            whoosh_store::Failure::Contention => Self {
                code: ErrorCode::ServiceUnavailable,
                message: "the database is busy with conflicting writes; retry shortly".into(),
                retry_after: Some(UNAVAILABLE_RETRY_AFTER),
                cause: Some(error.into()),
            },
            _ => Self::internal(error),
        }
    }
}

impl From<redis::RedisError> for ApiError {
    fn from(error: redis::RedisError) -> Self {
        Self::unavailable("the cache", error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn render(error: ApiError) -> (StatusCode, Option<String>, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        let retry = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        (
            status,
            retry,
            serde_json::from_slice(&bytes).unwrap_or_default(),
        )
    }

    #[tokio::test]
    async fn body_is_code_and_message_only() {
        let (status, retry, body) = render(ApiError::new(ErrorCode::UsernameTaken, "taken")).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(retry, None);
        assert_eq!(
            body,
            serde_json::json!({"error": {"code": "username_taken", "message": "taken"}})
        );
    }

    #[tokio::test]
    async fn internal_causes_are_never_sent() {
        let (status, _, body) = render(ApiError::internal(anyhow::anyhow!(
            "password=hunter2 in row 7"
        )))
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["error"]["code"], "internal_error");
        assert!(!body.to_string().contains("hunter2"));
    }

    #[tokio::test]
    async fn retry_after_rounds_up_to_whole_seconds() {
        let (status, retry, body) =
            render(ApiError::rate_limited(Duration::from_millis(1_200))).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(retry.as_deref(), Some("2"));
        assert_eq!(body["error"]["code"], "rate_limited");
        let (_, retry, _) = render(ApiError::rate_limited(Duration::from_millis(10))).await;
        assert_eq!(retry.as_deref(), Some("1"));
    }

    #[tokio::test]
    async fn pool_timeout_is_503_with_retry_after() {
        let (status, retry, body) = render(ApiError::from(sqlx::Error::PoolTimedOut)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry.as_deref(), Some("2"));
        assert_eq!(body["error"]["code"], "service_unavailable");
    }
}
