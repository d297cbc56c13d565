//! The console's page, script and stylesheet (`web/console/`), compiled into the service so that
//! deploying the admin function deploys the console with it: the ALB routes `/console` and
//! `/console/*` here, and `whoosh dev` serves the same bytes.

use axum::{
    Router,
    http::{HeaderValue, header},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use whoosh_http::AppState;

const PAGE: &str = include_str!("../../../web/console/index.html");
const SCRIPT: &str = include_str!("../../../web/console/console.js");
const STYLE: &str = include_str!("../../../web/console/console.css");

/// Only the console's own files run; it cannot be framed (clickjacking) or sniffed.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
                   base-uri 'none'; form-action 'self'";

fn file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// `/console` (redirected to `/console/`, so relative links resolve) and its three files.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route_service(
            "/console",
            get(|| async { Redirect::permanent("/console/") }),
        )
        .route_service(
            "/console/",
            get(|| async { file("text/html; charset=utf-8", PAGE) }),
        )
        .route_service(
            "/console/console.js",
            get(|| async { file("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route_service(
            "/console/console.css",
            get(|| async { file("text/css; charset=utf-8", STYLE) }),
        )
}
