//! Requests a test makes of a Whoosh API over real HTTP: GET/POST/DELETE as a player, with a raw
//! token or as nobody, JSON bodies read with the status they must have, registering and signing
//! in. [`Client`] serves a [`TestApp`], a [`Sibling`] and a [`Remote`] (another process, such as
//! `whoosh dev`, reached at its URL) alike.

use crate::{Player, Sibling, TestApp};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// Whom a request is sent as: its bearer token, if any.
pub trait Caller {
    fn bearer(&self) -> Option<&str>;
}

/// No `Authorization` header at all.
#[derive(Debug, Clone, Copy)]
pub struct Nobody;

impl Caller for Nobody {
    fn bearer(&self) -> Option<&str> {
        None
    }
}

impl Caller for Player {
    fn bearer(&self) -> Option<&str> {
        Some(&self.token)
    }
}

impl Caller for str {
    fn bearer(&self) -> Option<&str> {
        Some(self)
    }
}

impl Caller for String {
    fn bearer(&self) -> Option<&str> {
        Some(self)
    }
}

impl<T: Caller + ?Sized> Caller for &T {
    fn bearer(&self) -> Option<&str> {
        (**self).bearer()
    }
}

/// Something serving the API over HTTP. Every method panics when the request cannot be sent:
/// in a test, an unreachable service is a failure.
#[allow(async_fn_in_trait)]
pub trait Client {
    fn http(&self) -> &reqwest::Client;

    /// The base URL, `http://host:port`, without a trailing slash.
    fn base_url(&self) -> &str;

    /// The absolute URL of `path`.
    fn url_of(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// `method path` as `caller`, with `body` as JSON when there is one.
    async fn call(
        &self,
        method: Method,
        path: &str,
        caller: impl Caller,
        body: Option<&Value>,
    ) -> Response {
        self.send(method, path, caller, body, None).await
    }

    /// `POST path` as `caller` with an `Idempotency-Key`.
    async fn post_with_key(
        &self,
        path: &str,
        caller: impl Caller,
        body: Value,
        idempotency_key: &str,
    ) -> Response {
        self.send(
            Method::POST,
            path,
            caller,
            Some(&body),
            Some(idempotency_key),
        )
        .await
    }

    #[doc(hidden)]
    async fn send(
        &self,
        method: Method,
        path: &str,
        caller: impl Caller,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Response {
        let mut request = self.http().request(method.clone(), self.url_of(path));
        if let Some(token) = caller.bearer() {
            request = request.bearer_auth(token);
        }
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    async fn get(&self, path: &str, caller: impl Caller) -> Response {
        self.call(Method::GET, path, caller, None).await
    }

    async fn post(&self, path: &str, caller: impl Caller, body: Value) -> Response {
        self.call(Method::POST, path, caller, Some(&body)).await
    }

    async fn put(&self, path: &str, caller: impl Caller, body: Value) -> Response {
        self.call(Method::PUT, path, caller, Some(&body)).await
    }

    async fn patch(&self, path: &str, caller: impl Caller, body: Value) -> Response {
        self.call(Method::PATCH, path, caller, Some(&body)).await
    }

    async fn delete(&self, path: &str, caller: impl Caller) -> Response {
        self.call(Method::DELETE, path, caller, None).await
    }

    /// `GET path` as `caller`, which must answer `expected`; its JSON body.
    async fn get_json(&self, path: &str, caller: impl Caller, expected: StatusCode) -> Value {
        json_body(self.get(path, caller).await, expected).await
    }

    /// `POST path` as `caller`, which must answer `expected`; its JSON body.
    async fn post_json(
        &self,
        path: &str,
        caller: impl Caller,
        body: Value,
        expected: StatusCode,
    ) -> Value {
        json_body(self.post(path, caller, body).await, expected).await
    }

    /// Registers `username` with `password` (it must succeed); the session: `user_id`,
    /// `access_token`, `refresh_token`, …
    async fn register(&self, username: &str, password: &str) -> Value {
        let body = json!({"username": username, "password": password});
        self.post_json("/api/auth/register", Nobody, body, StatusCode::CREATED)
            .await
    }

    /// Signs `username` in with `password`; the response, whatever it is.
    async fn login(&self, username: &str, password: &str) -> Response {
        let body = json!({"username": username, "password": password});
        self.post("/api/auth/login", Nobody, body).await
    }

    /// Waits until `path` answers at all (a process that is still starting), at most ten
    /// seconds; that first answer.
    async fn first_answer(&self, path: &str) -> Response {
        for _ in 0..100 {
            if let Ok(answer) = self.http().get(self.url_of(path)).send().await {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} did not come up", self.base_url());
    }

    /// Waits until `/readyz` answers 200 (a process that is still starting), at most ten seconds.
    async fn until_ready(&self) {
        for _ in 0..100 {
            let ready = self.http().get(self.url_of("/readyz")).send().await;
            if ready.is_ok_and(|r| r.status() == StatusCode::OK) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} did not become ready", self.base_url());
    }
}

/// The JSON body of `response`, which must have status `expected` (the body is in the message
/// when it has not).
pub async fn json_body(response: Response, expected: StatusCode) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(status, expected, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The string at `field` of a JSON body (e.g. a session's `access_token`).
pub fn text_at(body: &Value, field: &str) -> String {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("no string {field:?} in {body}"))
        .to_owned()
}

/// The `error.code` of an API error response (empty when the body has none).
pub async fn error_code(response: Response) -> String {
    let body: Value = response.json().await.unwrap_or_default();
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// An API served by another process (such as `whoosh dev`), reached at its URL.
#[derive(Debug, Clone)]
pub struct Remote {
    http: reqwest::Client,
    url: String,
}

impl Remote {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: url.into().trim_end_matches('/').to_owned(),
        }
    }
}

impl Client for Remote {
    fn http(&self) -> &reqwest::Client {
        &self.http
    }
    fn base_url(&self) -> &str {
        &self.url
    }
}

impl Client for TestApp {
    fn http(&self) -> &reqwest::Client {
        &self.http
    }
    fn base_url(&self) -> &str {
        &self.url
    }
}

impl Client for Sibling {
    fn http(&self) -> &reqwest::Client {
        &self.http
    }
    fn base_url(&self) -> &str {
        &self.url
    }
}
