//! A service under test, served over real HTTP on port 0.

use crate::TestDb;
use axum::Router;
use std::{collections::HashMap, net::SocketAddr};
use tokio::sync::oneshot;
use whoosh_http::{AppState, Config, config::Env};

/// A signing keyring generated once per test process and shared by its services.
pub fn test_keys_file() -> &'static std::path::Path {
    static FILE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let (_, stored) = whoosh_auth::Keyring::generate(now).unwrap();
        let path =
            std::env::temp_dir().join(format!("whoosh-test-keys-{}.json", std::process::id()));
        std::fs::write(&path, stored.to_json()).unwrap();
        path
    })
}

/// An action-token HMAC key generated once per test process.
pub fn test_action_key_file() -> &'static std::path::Path {
    static FILE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let path =
            std::env::temp_dir().join(format!("whoosh-test-action-key-{}", std::process::id()));
        let key = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        std::fs::write(&path, key).unwrap();
        path
    })
}

/// The environment a test service runs with: its own database and Redis prefix, defaults for the
/// rest, then the test's overrides.
pub fn test_env(db: &TestDb, prefix: &str, overrides: &[(&str, &str)]) -> HashMap<String, String> {
    let mut vars: HashMap<String, String> = [
        ("DATABASE_URL", db.url.as_str()),
        ("REDIS_URL", &crate::redis_url()),
        ("REDIS_KEY_PREFIX", prefix),
        ("DATABASE_MAX_CONNECTIONS", "5"),
        (
            "LOG_LEVEL",
            &std::env::var("TEST_LOG").unwrap_or_else(|_| "off".to_owned()),
        ),
        ("LOG_FORMAT", "pretty"),
        (
            "AUTH_KEYS_SOURCE",
            &format!("file:{}", test_keys_file().display()),
        ),
        (
            "ACTION_KEY_SOURCE",
            &format!("file:{}", test_action_key_file().display()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in overrides {
        vars.insert((*k).to_owned(), (*v).to_owned());
    }
    vars
}

/// A running service with its own database and Redis prefix.
#[derive(Debug)]
pub struct TestApp {
    pub addr: SocketAddr,
    pub url: String,
    pub state: AppState,
    pub http: reqwest::Client,
    pub db: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
}

impl TestApp {
    /// Serves `routes` (plus the shared stack) with the default test configuration.
    pub async fn spawn(routes: Router<AppState>) -> Self {
        Self::spawn_with(routes, &[]).await
    }

    /// Serves `routes` with configuration overrides such as `("RATE_LIMIT_PER_CLIENT", "3/1m")`.
    pub async fn spawn_with(routes: Router<AppState>, overrides: &[(&str, &str)]) -> Self {
        Self::spawn_on(routes, TestDb::create().await, overrides).await
    }

    /// Serves `routes` on the given database (e.g. one on a throwaway server a test may kill).
    pub async fn spawn_on(
        routes: Router<AppState>,
        db: TestDb,
        overrides: &[(&str, &str)],
    ) -> Self {
        Self::build_on(|_| routes, db, overrides).await
    }

    /// Serves the routes `build` makes from the state (the edge starts its node with it).
    pub async fn build_with(
        build: impl FnOnce(&AppState) -> Router<AppState>,
        overrides: &[(&str, &str)],
    ) -> Self {
        Self::build_on(build, TestDb::create().await, overrides).await
    }

    /// [`Self::build_with`] on the given database.
    pub async fn build_on(
        build: impl FnOnce(&AppState) -> Router<AppState>,
        db: TestDb,
        overrides: &[(&str, &str)],
    ) -> Self {
        let prefix = crate::unique_prefix();
        let vars = test_env(&db, &prefix, overrides);
        let config = Config::load(&mut Env::new(vars)).unwrap_or_else(|e| panic!("{e}"));
        whoosh_http::telemetry::init(config.log_format, &config.log_filter);
        let state = AppState::connect(config)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"));
        let (addr, tx) = serve(build(&state), &state).await;
        Self {
            addr,
            url: format!("http://{addr}"),
            state,
            http: reqwest::Client::new(),
            db,
            shutdown: Some(tx),
        }
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Another service on this app's database and Redis prefix, on a port of its own — e.g. a
    /// second edge node (give it its own `EDGE_NODE_ID` and `EDGE_PUBLIC_URL`).
    pub async fn sibling(
        &self,
        build: impl FnOnce(&AppState) -> Router<AppState>,
        overrides: &[(&str, &str)],
    ) -> Sibling {
        let vars = test_env(&self.db, self.state.keys.prefix(), overrides);
        let config = Config::load(&mut Env::new(vars)).unwrap_or_else(|e| panic!("{e}"));
        let state = AppState::connect(config)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"));
        let (addr, tx) = serve(build(&state), &state).await;
        Sibling {
            addr,
            url: format!("http://{addr}"),
            state,
            http: self.http.clone(),
            shutdown: Some(tx),
        }
    }
}

/// Serves `routes` with the shared stack on a free port until the sender is dropped or fired.
async fn serve(routes: Router<AppState>, state: &AppState) -> (SocketAddr, oneshot::Sender<()>) {
    let app = whoosh_http::app(routes, state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(whoosh_http::serve_http(
        listener,
        app,
        whoosh_http::ConnTimeouts::from(&state.config.http),
        async {
            let _ = rx.await;
        },
    ));
    (addr, tx)
}

/// A service beside a [`TestApp`], sharing its database and Redis prefix; stopped on drop.
#[derive(Debug)]
pub struct Sibling {
    pub addr: SocketAddr,
    pub url: String,
    pub state: AppState,
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for Sibling {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A player for tests: a guest account created directly in the database, with an access token.
#[derive(Debug, Clone)]
pub struct Player {
    pub id: String,
    pub token: String,
}

impl TestApp {
    /// A token for `grant`, issued now, valid ten minutes, signed by the service's keyring.
    pub fn mint(&self, grant: whoosh_auth::Grant<'_>) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        self.state
            .keyring
            .mint(
                &self.state.tokens,
                grant,
                now,
                std::time::Duration::from_secs(600),
            )
            .unwrap()
    }

    /// A service token for `name`.
    pub fn service_token(&self, name: &str) -> String {
        self.mint(whoosh_auth::Grant::service(name))
    }

    /// A new guest player named `name` and an access token of a fresh session.
    pub async fn player(&self, name: &str) -> Player {
        let id = crate::guest(&self.state.db, name).await.to_string();
        let token = self.mint(whoosh_auth::Grant::access(&id, uuid::Uuid::new_v4()));
        Player { id, token }
    }
}
