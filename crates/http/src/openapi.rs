//! The OpenAPI 3.1 document of the HTTP API, generated from the Rust types so that it cannot drift
//! from the code. Each service exposes its own part (`openapi()` beside its `routes()`);
//! [`document`] adds what all of them share — the error body whose `code` lists every
//! [`ErrorCode`], the bearer security schemes, the health endpoints and the general error answers
//! of the conventions — and [`router`] serves a document at `GET /api/openapi.json`.

use crate::{ErrorBody, health};
use axum::{
    Router,
    http::{HeaderValue, header},
    response::IntoResponse,
    routing::get,
};
use std::borrow::Cow;
use utoipa::{
    OpenApi, PartialSchema, ToSchema,
    openapi::{
        self, ContentBuilder, HttpMethod, Ref, RefOr, ResponseBuilder, Schema,
        header::HeaderBuilder,
        schema::{ObjectBuilder, Type},
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};
use whoosh_core::ErrorCode;

/// Where every service, and the local stack, serves its document.
pub const PATH: &str = "/api/openapi.json";

/// The security scheme of endpoints that take a player's access token.
pub const ACCESS_TOKEN: &str = "access_token";
/// The security scheme of endpoints that take a trusted service's token.
pub const SERVICE_TOKEN: &str = "service_token";
/// The security scheme of the operator console's endpoints (a staff member's token).
pub const ADMIN_TOKEN: &str = "admin_token";

/// The schema of [`ErrorCode`]: a string enum of every code in [`ErrorCode::ALL`]. `whoosh-core`
/// stays free of OpenAPI, so the schema is written here, from the list itself.
#[derive(Debug)]
pub struct ErrorCodeSchema;

impl PartialSchema for ErrorCodeSchema {
    fn schema() -> RefOr<Schema> {
        let statuses = ErrorCode::ALL
            .iter()
            .map(|c| format!("`{}` {}", c.as_str(), c.http_status()))
            .collect::<Vec<_>>()
            .join(", ");
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(format!(
                "A stable snake_case error code; each always comes with the same HTTP status: \
                 {statuses}."
            )))
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .into()
    }
}

impl ToSchema for ErrorCodeSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ErrorCode")
    }
}

/// What every document starts from: the info, the health endpoints and the error body.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Whoosh API",
        description = "The HTTP API of the Whoosh services (auth, matchmaking, profiles, economy). \
            docs/API.md is the reference for behaviour; this document is generated from the Rust \
            types. Every error answers `{\"error\":{\"code\",\"message\"}}`; every 429 and 503 \
            carries `Retry-After`; every response carries `x-request-id`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(health::healthz, health::readyz),
    tags(
        (name = "health", description = "Liveness and readiness; served by every service, not rate limited."),
        (name = "auth", description = "Accounts, sessions and the signing keys (auth service)."),
        (name = "economy", description = "Wallets, the store, purchases, inventories and grants (economy service)."),
        (name = "profiles", description = "Profiles, match history and account deletion (profiles service)."),
        (name = "leaderboards", description = "Boards, ranks and index maintenance (profiles service)."),
        (name = "scores", description = "Action tokens and score submission (profiles service)."),
        (name = "matchmaking", description = "Quick-match tickets (matchmaking service)."),
        (name = "lobbies", description = "Private lobbies and parties (matchmaking service)."),
        (name = "battles", description = "Challenges between players or groups, played as one match (matchmaking service)."),
        (name = "groups", description = "Groups (clans): membership, roles, invite codes, the group leaderboard (profiles service)."),
        (name = "docs", description = "This document."),
    ),
)]
struct Base;

/// The document served at [`PATH`].
#[utoipa::path(get, path = "/api/openapi.json", tag = "docs", responses(
    (status = 200, description = "This document (OpenAPI 3.1).", content_type = "application/json"),
))]
#[allow(dead_code)] // Only its path attribute is used; `router` serves the document.
fn openapi_json() {}

#[derive(OpenApi)]
#[openapi(paths(openapi_json))]
struct DocsPath;

/// The general errors of the conventions (docs/API.md), answered by every endpoint where they
/// apply: status, component name, codes.
const GENERAL: &[(&str, &str, &[ErrorCode])] = &[
    ("429", "RateLimited", &[ErrorCode::RateLimited]),
    ("500", "InternalError", &[ErrorCode::InternalError]),
    (
        "503",
        "ServiceUnavailable",
        &[ErrorCode::ServiceUnavailable],
    ),
    ("504", "RequestTimeout", &[ErrorCode::RequestTimeout]),
];

/// The further general errors of an endpoint that takes a body.
const BODY: &[(&str, &str, &[ErrorCode])] = &[
    ("400", "InvalidJson", &[ErrorCode::InvalidJson]),
    ("413", "PayloadTooLarge", &[ErrorCode::PayloadTooLarge]),
    (
        "415",
        "UnsupportedMediaType",
        &[ErrorCode::UnsupportedMediaType],
    ),
];

fn error_response(codes: &[ErrorCode], retry_after: bool) -> openapi::Response {
    let codes = codes
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut response = ResponseBuilder::new().description(codes).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build(),
    );
    if retry_after {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1)),
                )
                .description(Some("Whole seconds to wait before retrying, at least 1."))
                .build(),
        );
    }
    response.build()
}

/// The whole document of `parts` (each service's `openapi()`): the health endpoints, the
/// document's own path, the shared components and, on every operation, the general errors and the
/// `x-request-id` it answers with.
pub fn document(parts: impl IntoIterator<Item = openapi::OpenApi>) -> openapi::OpenApi {
    let mut doc = Base::openapi();
    doc.merge(DocsPath::openapi());
    for part in parts {
        doc.merge(part);
    }
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, scheme, description) in [
        (
            ACCESS_TOKEN,
            "access",
            "A player's access token from a session (POST /api/auth/login, /guest, /register or /refresh).",
        ),
        (
            SERVICE_TOKEN,
            "service",
            "A trusted game service's token (`whoosh keys mint-service`).",
        ),
        (
            ADMIN_TOKEN,
            "admin",
            "A staff member's operator-console token (POST /api/admin/login); the console's routes also require the header `X-Whoosh-Console: 1`.",
        ),
    ] {
        let http = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(format!("RS256 JWT of kind `{scheme}`. {description}")))
            .build();
        components
            .security_schemes
            .insert(name.to_owned(), SecurityScheme::Http(http));
    }
    // The error body, and the schemas it refers to, for the general errors' references.
    let mut schemas = vec![(ErrorBody::name().into_owned(), ErrorBody::schema())];
    <ErrorBody as ToSchema>::schemas(&mut schemas);
    components.schemas.extend(schemas);
    for (status, name, codes) in GENERAL.iter().chain(BODY) {
        let retry_after = matches!(*status, "429" | "503");
        components.responses.insert(
            (*name).to_owned(),
            RefOr::T(error_response(codes, retry_after)),
        );
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let exempt = matches!(path.as_str(), "/healthz" | "/readyz");
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let takes_body = operation.request_body.is_some();
            let general = GENERAL
                .iter()
                .filter(|_| !exempt)
                .chain(BODY.iter().filter(|_| takes_body));
            for (status, name, _) in general {
                operation
                    .responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
            }
        }
    }
    doc
}

/// Every operation of a document as (method, path), e.g. `("POST", "/api/auth/login")`.
pub fn operations(doc: &openapi::OpenApi) -> Vec<(&'static str, String)> {
    let mut found = Vec::new();
    for (path, item) in &doc.paths.paths {
        for (method, operation) in [
            (HttpMethod::Get, &item.get),
            (HttpMethod::Put, &item.put),
            (HttpMethod::Post, &item.post),
            (HttpMethod::Delete, &item.delete),
            (HttpMethod::Patch, &item.patch),
            (HttpMethod::Head, &item.head),
            (HttpMethod::Options, &item.options),
            (HttpMethod::Trace, &item.trace),
        ] {
            if operation.is_some() {
                let name = match method {
                    HttpMethod::Get => "GET",
                    HttpMethod::Put => "PUT",
                    HttpMethod::Post => "POST",
                    HttpMethod::Delete => "DELETE",
                    HttpMethod::Patch => "PATCH",
                    HttpMethod::Head => "HEAD",
                    HttpMethod::Options => "OPTIONS",
                    HttpMethod::Trace => "TRACE",
                };
                found.push((name, path.clone()));
            }
        }
    }
    found
}

/// A service's routes with its own document (its part, see [`document`]) at [`PATH`]: what a
/// deployed service serves.
pub fn with_document(
    routes: Router<crate::AppState>,
    part: openapi::OpenApi,
) -> Router<crate::AppState> {
    routes.merge(router(&document([part])))
}

/// `GET /api/openapi.json` answering `doc` (serialised once, here).
pub fn router<S: Clone + Send + Sync + 'static>(doc: &openapi::OpenApi) -> Router<S> {
    let json = doc.to_json().unwrap_or_default();
    Router::new().route(
        PATH,
        get(move || {
            let json = json.clone();
            async move {
                (
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    )],
                    json,
                )
                    .into_response()
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_code_schema_lists_every_code() {
        let doc = document([]);
        let json = serde_json::to_value(&doc).unwrap_or_default();
        let listed = &json["components"]["schemas"]["ErrorCode"]["enum"];
        let listed: Vec<&str> = listed
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, all);
        assert_eq!(
            json["components"]["schemas"]["ErrorBody"]["properties"]["error"]["$ref"],
            "#/components/schemas/ErrorDetail"
        );
    }

    #[test]
    fn health_endpoints_are_exempt_from_the_general_errors() {
        let json = serde_json::to_value(document([])).unwrap_or_default();
        let responses = &json["paths"]["/healthz"]["get"]["responses"];
        assert!(responses.get("200").is_some());
        assert!(responses.get("429").is_none(), "{responses}");
        let responses = &json["paths"]["/api/openapi.json"]["get"]["responses"];
        assert!(responses.get("429").is_some(), "{responses}");
    }
}
