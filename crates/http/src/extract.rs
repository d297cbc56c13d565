//! Extractors that answer with `ApiError` instead of axum's plain-text rejections.

use crate::{ApiError, AppState, config::ClientIpSource};
use axum::{
    extract::{ConnectInfo, FromRequest, FromRequestParts, Request, rejection::JsonRejection},
    http::{Extensions, HeaderMap, StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use std::net::{IpAddr, SocketAddr};
use whoosh_core::ErrorCode;

/// `axum::Json` whose rejections are `ApiError`s: 400 `invalid_json`, 413 `payload_too_large`,
/// 415 `unsupported_media_type`. Also a response type.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::new(ErrorCode::PayloadTooLarge, "request body is too large")
                }
                StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "send the body as application/json",
                ),
                _ => ApiError::new(ErrorCode::InvalidJson, rejection.body_text()),
            }),
        }
    }
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// The client's address as configured by `CLIENT_IP_SOURCE`; never a value the client chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// Resolves the address from the socket peer and the `X-Forwarded-For` header.
    pub fn resolve(
        source: ClientIpSource,
        peer: Option<SocketAddr>,
        headers: &HeaderMap,
    ) -> Option<IpAddr> {
        let forwarded = || {
            headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .collect::<Vec<_>>()
        };
        match (source, peer) {
            (ClientIpSource::Peer, Some(peer)) => Some(peer.ip()),
            // Lambda behind the ALB: no socket; the ALB appends the address it saw, last.
            (ClientIpSource::Peer, None) => forwarded().last().and_then(|s| s.parse().ok()),
            (ClientIpSource::ForwardedFor(hops), peer) => {
                let entries = forwarded();
                let hops = usize::from(hops);
                if entries.len() >= hops {
                    entries[entries.len() - hops].parse().ok()
                } else {
                    // Fewer entries than trusted proxies: the request skipped a proxy; the peer
                    // is the best address we have.
                    peer.map(|p| p.ip())
                }
            }
        }
    }

    /// The address of a request from its extensions (the socket peer) and headers.
    pub fn of(
        extensions: &Extensions,
        headers: &HeaderMap,
        source: ClientIpSource,
    ) -> Option<IpAddr> {
        let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        Self::resolve(source, peer, headers)
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Self::of(
            &parts.extensions,
            &parts.headers,
            state.config.http.client_ip,
        )
        .map(ClientIp)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidRequest,
                "cannot determine the client address",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append(
                "x-forwarded-for",
                v.parse().unwrap_or_else(|_| panic!("{v}")),
            );
        }
        h
    }

    #[test]
    fn peer_source_ignores_spoofed_forwarded_for() {
        let peer: SocketAddr = "10.1.2.3:5555".parse().unwrap_or_else(|e| panic!("{e}"));
        let ip = ClientIp::resolve(ClientIpSource::Peer, Some(peer), &headers(&["1.1.1.1"]));
        assert_eq!(ip, Some(peer.ip()));
    }

    #[test]
    fn lambda_uses_the_entry_the_alb_appended() {
        let ip = ClientIp::resolve(
            ClientIpSource::Peer,
            None,
            &headers(&["6.6.6.6, 203.0.113.9"]),
        );
        assert_eq!(ip, "203.0.113.9".parse().ok());
    }

    #[test]
    fn trusted_hops_count_from_the_right() {
        let h = headers(&["6.6.6.6", "203.0.113.9, 10.0.0.2"]);
        assert_eq!(
            ClientIp::resolve(ClientIpSource::ForwardedFor(2), None, &h),
            "203.0.113.9".parse().ok()
        );
        assert_eq!(
            ClientIp::resolve(ClientIpSource::ForwardedFor(1), None, &h),
            "10.0.0.2".parse().ok()
        );
    }
}

/// The `Idempotency-Key` header: required, 1–128 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(pub String);

impl IdempotencyKey {
    pub const MAX_LEN: usize = 128;
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if value.is_empty()
            || value.len() > Self::MAX_LEN
            || !value.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(ApiError::new(
                ErrorCode::InvalidIdempotencyKey,
                "send an Idempotency-Key header of 1–128 visible ASCII characters (a UUID is ideal)",
            ));
        }
        Ok(Self(value.to_owned()))
    }
}

/// Cursor pagination: `?limit=&cursor=`. The limit is clamped to 1..=`MAX_LIMIT`; a cursor is an
/// opaque string this server issued (a position, base64url-encoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    /// Entries strictly after this position (in the list's order).
    pub after: Option<i64>,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 20;
    pub const MAX_LIMIT: i64 = 100;

    /// This page of `rows` (fetched with `limit + 1`, ordered by a position such as an id) and
    /// the cursor that continues after its last row, when more rows follow.
    pub fn after_last<T>(
        &self,
        rows: Vec<T>,
        position: impl Fn(&T) -> i64,
    ) -> (Vec<T>, Option<String>) {
        let (rows, more) = self.cut(rows);
        let next = if more {
            rows.last().map(|row| Self::cursor(position(row)))
        } else {
            None
        };
        (rows, next)
    }

    /// This page of `rows` (fetched with `limit + 1` from `offset`) and the cursor of the next
    /// offset, when more rows follow.
    pub fn from_offset<T>(&self, rows: Vec<T>, offset: i64) -> (Vec<T>, Option<String>) {
        let (rows, more) = self.cut(rows);
        (rows, more.then(|| Self::cursor(offset + self.limit)))
    }

    fn cut<T>(&self, mut rows: Vec<T>) -> (Vec<T>, bool) {
        let limit = usize::try_from(self.limit).unwrap_or(0);
        let more = rows.len() > limit;
        rows.truncate(limit);
        (rows, more)
    }

    /// The cursor that continues after `position`.
    pub fn cursor(position: i64) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("p1:{position}"))
    }

    fn parse_cursor(raw: &str) -> Option<i64> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw)
            .ok()?;
        std::str::from_utf8(&bytes)
            .ok()?
            .strip_prefix("p1:")?
            .parse()
            .ok()
            // Every position this server issues is an offset or id, never negative.
            .filter(|position: &i64| *position >= 0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let mut page = Page {
            limit: Self::DEFAULT_LIMIT,
            after: None,
        };
        for pair in parts
            .uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match name {
                "limit" => {
                    let n: i64 = value.parse().map_err(|_| {
                        ApiError::new(ErrorCode::InvalidRequest, "limit must be a whole number")
                    })?;
                    page.limit = n.clamp(1, Self::MAX_LIMIT);
                }
                "cursor" => {
                    page.after = Some(Self::parse_cursor(value).ok_or_else(|| {
                        ApiError::new(
                            ErrorCode::InvalidCursor,
                            "cursor is not one this server issued",
                        )
                    })?);
                }
                _ => {}
            }
        }
        Ok(page)
    }
}

fn parameter(
    name: &str,
    location: utoipa::openapi::path::ParameterIn,
    required: bool,
    schema: utoipa::openapi::schema::ObjectBuilder,
    description: &str,
) -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::{Required, path::ParameterBuilder};
    ParameterBuilder::new()
        .name(name)
        .parameter_in(location)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

/// The query parameters [`Page`] reads, for the API document.
impl utoipa::IntoParams for Page {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::{
            path::ParameterIn,
            schema::{ObjectBuilder, Type},
        };
        vec![
            parameter(
                "limit",
                ParameterIn::Query,
                false,
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                        utoipa::openapi::KnownFormat::Int64,
                    )))
                    .default(Some(Self::DEFAULT_LIMIT.into())),
                &format!(
                    "Page size, clamped to 1–{}; not a whole number: 400 `invalid_request`.",
                    Self::MAX_LIMIT
                ),
            ),
            parameter(
                "cursor",
                ParameterIn::Query,
                false,
                ObjectBuilder::new().schema_type(Type::String),
                "The `next_cursor` of the previous page; one the server did not issue: 400 \
                 `invalid_cursor`.",
            ),
        ]
    }
}

/// The header [`IdempotencyKey`] reads, for the API document.
impl utoipa::IntoParams for IdempotencyKey {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::{
            path::ParameterIn,
            schema::{ObjectBuilder, Type},
        };
        vec![parameter(
            "Idempotency-Key",
            ParameterIn::Header,
            true,
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(Self::MAX_LEN)),
            "1–128 visible ASCII characters (a UUID is ideal); the same key with the same body \
             replays the first answer, with another body is 422 `idempotency_key_reused`.",
        )]
    }
}
