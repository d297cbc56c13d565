//! The OpenAPI document of the whole API: every service's part, assembled by
//! `whoosh_http::openapi::document`. `whoosh dev` serves it at `/api/openapi.json`; it is committed
//! as docs/openapi.json, and a test fails when that file is stale (regenerate it with
//! `UPDATE_OPENAPI=1 cargo test -p whoosh openapi`).

/// The whole document: health, auth, matchmaking (tickets, lobbies, parties), profiles
/// (profiles, leaderboards, actions, scores), economy and the operator console (admin).
pub fn document() -> utoipa::openapi::OpenApi {
    whoosh_http::openapi::document([
        whoosh_lambda_auth::openapi(),
        whoosh_lambda_matchmaking::openapi(),
        whoosh_lambda_profiles::openapi(),
        whoosh_lambda_economy::openapi(),
        whoosh_lambda_admin::openapi(),
    ])
}

/// The document as committed: pretty JSON with a final newline.
pub fn to_committed_json() -> String {
    let mut json = document().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::{collections::BTreeSet, path::PathBuf};
    use whoosh_core::ErrorCode;

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    fn operations() -> BTreeSet<(String, String)> {
        whoosh_http::openapi::operations(&document())
            .into_iter()
            .map(|(m, p)| (m.to_owned(), p))
            .collect()
    }

    #[test]
    fn committed_openapi_json_is_current() {
        let path = repo().join("docs/openapi.json");
        let fresh = to_committed_json();
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, &fresh).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "docs/openapi.json is stale: regenerate it with \
             `UPDATE_OPENAPI=1 cargo test -p whoosh openapi` and commit it"
        );
    }

    #[test]
    fn the_document_is_openapi_3_1_with_bearer_schemes() {
        let json = serde_json::to_value(document()).unwrap();
        assert!(json["openapi"].as_str().unwrap().starts_with("3.1"));
        for scheme in ["access_token", "service_token", "admin_token"] {
            let s = &json["components"]["securitySchemes"][scheme];
            assert_eq!(s["scheme"], "bearer", "{scheme}");
            assert_eq!(s["bearerFormat"], "JWT", "{scheme}");
        }
    }

    #[test]
    fn every_error_code_is_in_the_document() {
        let json = serde_json::to_value(document()).unwrap();
        let listed: BTreeSet<&str> = json["components"]["schemas"]["ErrorCode"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        for code in ErrorCode::ALL {
            assert!(
                listed.contains(code.as_str()),
                "{code} is not in the document"
            );
        }
        assert_eq!(listed.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn every_operation_documents_its_errors_with_the_error_body() {
        let json = serde_json::to_value(document()).unwrap();
        for (path, item) in json["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                assert!(
                    responses.keys().any(|s| s.starts_with('2')),
                    "{method} {path} has no success answer"
                );
                if !matches!(path.as_str(), "/healthz" | "/readyz") {
                    for status in ["429", "500", "503", "504"] {
                        assert!(
                            responses.contains_key(status),
                            "{method} {path} lacks {status}"
                        );
                    }
                }
                let needs_token = op.get("security").is_some();
                if needs_token {
                    assert!(
                        responses.contains_key("401"),
                        "{method} {path} takes a token but documents no 401"
                    );
                }
                for (status, response) in responses {
                    if status.starts_with('4') || status.starts_with('5') {
                        let text = response.to_string();
                        assert!(
                            text.contains("ErrorBody")
                                || text.contains("#/components/responses/")
                                || path == "/readyz",
                            "{method} {path} {status} does not answer the error body"
                        );
                    }
                }
            }
        }
    }

    /// The `(METHOD, path)` pairs of every `.route("path", get(..).post(..))` in `source`.
    fn routes_in(source: &str) -> Vec<(String, String)> {
        let mut found = Vec::new();
        let mut rest = source;
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let Some(open) = rest.find('"') else { break };
            let after = &rest[open + 1..];
            let Some(close) = after.find('"') else { break };
            let path = &after[..close];
            // The method router: up to the parenthesis that closes `.route(`.
            let mut depth = 1;
            let mut end = 0;
            for (i, c) in after[close..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = close + i;
                    break;
                }
            }
            let methods = &after[close..end];
            for method in ["get", "post", "put", "patch", "delete"] {
                let token = format!("{method}(");
                let routed = methods.match_indices(&token).any(|(i, _)| {
                    i == 0 || {
                        let b = methods.as_bytes()[i - 1];
                        !(b.is_ascii_alphanumeric() || b == b'_')
                    }
                });
                if routed {
                    found.push((method.to_uppercase(), path.to_owned()));
                }
            }
            rest = &after[end..];
        }
        found
    }

    #[test]
    fn the_route_scanner_reads_chained_and_wrapped_routes() {
        let source = r#"Router::new()
            .route("/a", get(me).patch(edit_me).delete(delete_me))
            .route(
                "/b/{id}",
                post(x::create),
            )"#;
        assert_eq!(
            routes_in(source),
            [
                ("GET".into(), "/a".into()),
                ("PATCH".into(), "/a".into()),
                ("DELETE".into(), "/a".into()),
                ("POST".into(), "/b/{id}".into()),
            ]
        );
    }

    /// axum does not list a router's routes, so the routes are read from the source of every
    /// service's `routes()` (and the health router) and compared with the document both ways.
    #[test]
    fn every_mounted_route_is_in_the_document_and_nothing_else() {
        let root = repo();
        let mut mounted = BTreeSet::new();
        let mut files = vec![root.join("crates/http/src/health.rs")];
        for service in ["auth", "matchmaking", "profiles", "economy", "admin"] {
            let dir = root.join("lambdas").join(service).join("src");
            for entry in std::fs::read_dir(&dir).unwrap() {
                files.push(entry.unwrap().path());
            }
        }
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            mounted.extend(routes_in(&source));
        }
        mounted.insert(("GET".to_owned(), whoosh_http::openapi::PATH.to_owned()));
        assert!(
            mounted.len() > 40,
            "the scanner found too few routes: {mounted:?}"
        );
        let documented = operations();
        let missing: Vec<_> = mounted.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&mounted).collect();
        assert!(
            missing.is_empty(),
            "mounted but not documented: {missing:?}"
        );
        assert!(extra.is_empty(), "documented but not mounted: {extra:?}");
    }

    /// docs/API.md's endpoint tables (`| \`GET /api/...\` |`) name the same endpoints; the edge's
    /// feeds (`/sse/`) are not part of these services.
    #[test]
    fn the_document_has_every_endpoint_of_api_md() {
        let api_md = std::fs::read_to_string(repo().join("docs/API.md")).unwrap();
        let mut listed = BTreeSet::new();
        for line in api_md.lines() {
            let Some(cell) = line.strip_prefix("| `") else {
                continue;
            };
            let Some((endpoint, _)) = cell.split_once('`') else {
                continue;
            };
            let Some((method, path)) = endpoint.split_once(' ') else {
                continue;
            };
            if ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method)
                && !path.starts_with("/sse/")
            {
                listed.insert((method.to_owned(), path.to_owned()));
            }
        }
        let documented: BTreeSet<_> = operations()
            .into_iter()
            .filter(|(_, p)| !matches!(p.as_str(), "/healthz" | "/readyz" | "/api/openapi.json"))
            .collect();
        let missing: Vec<_> = listed.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&listed).collect();
        assert!(
            missing.is_empty(),
            "in docs/API.md, not in the document: {missing:?}"
        );
        assert!(
            extra.is_empty(),
            "in the document, not in docs/API.md: {extra:?}"
        );
    }
}
