//! Running a service: the full middleware stack around a router, then either the Lambda runtime
//! (when `AWS_LAMBDA_RUNTIME_API` is set) or a plain HTTP server with graceful shutdown.

use crate::{ApiError, AppState, Config, health, middleware};
use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware::{from_fn, from_fn_with_state},
    response::{IntoResponse, Response},
};
use std::{any::Any, future::Future};
use tower_http::catch_panic::CatchPanicLayer;
use whoosh_core::ErrorCode;

/// Wraps a service's routes with the health endpoints, the JSON 404 and the shared middleware.
pub fn app(routes: Router<AppState>, state: AppState) -> Router {
    stack(routes.fallback(|| async { ApiError::not_found() }), state)
}

/// Like [`app`], keeping the fallback `routes` already has (the local stack serves the web client
/// there).
pub fn stack(routes: Router<AppState>, state: AppState) -> Router {
    let body_limit = state.config.http.body_limit_bytes;
    routes
        .layer(from_fn_with_state(state.clone(), middleware::rate_limit))
        .layer(from_fn_with_state(state.clone(), crate::auth::identify))
        // Probes are not rate limited: a load balancer must always be able to ask.
        .merge(health::router())
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                ErrorCode::MethodNotAllowed,
                "this route does not accept that method",
            )
        })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(from_fn_with_state(state.clone(), middleware::body_limit))
        .layer(from_fn_with_state(state.clone(), middleware::timeout))
        // Inside `observe`, so a panicking request still gets its id, its log line and a 500.
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn(middleware::observe))
        .with_state(state)
}

fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()
}

/// The `main` of every service binary: reads the configuration, builds the clients once, and
/// serves `routes` under Lambda or over HTTP.
pub async fn run_service(
    name: &'static str,
    routes: fn() -> Router<AppState>,
) -> anyhow::Result<()> {
    run_service_with(name, |_| routes()).await
}

/// [`run_service`] for services whose routes need the built state (the edge starts its node
/// tasks with it).
pub async fn run_service_with(
    name: &'static str,
    routes: impl FnOnce(&AppState) -> Router<AppState>,
) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    crate::telemetry::init(config.log_format, &config.log_filter);
    crate::emf::init(&config.metrics, name);
    let bind = config.http.bind;
    let header_timeout = config.http.header_timeout;
    let state = AppState::connect(config).await?;
    let app = app(routes(&state), state);
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        tracing::info!(service = name, "starting under the Lambda runtime");
        lambda_http::run(app)
            .await
            .map_err(|e| anyhow::anyhow!("Lambda runtime failed: {e}"))
    } else {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on WHOOSH_BIND={bind}: {e}"))?;
        tracing::info!(service = name, addr = %listener.local_addr()?, "listening");
        serve_http(listener, app, header_timeout, shutdown_signal()).await
    }
}

/// Kernel send buffer of each accepted socket. Fixed instead of autotuned (which grows to
/// megabytes on fast links): game messages and API responses are small, it bounds kernel memory
/// per idle player, and a client that stops reading fills it quickly, so its socket is found
/// slow and dropped in seconds rather than after megabytes of backlog.
pub const SOCKET_SEND_BUFFER: usize = 32 * 1024;

/// Serves `app` on `listener` with the peer address available to extractors, until `shutdown`.
///
/// Each connection has `header_timeout` to deliver a request's headers (slow-header clients —
/// slowloris — are cut off instead of holding a socket forever); accepted sockets get
/// `TCP_NODELAY` and a fixed [`SOCKET_SEND_BUFFER`]. WebSocket upgrades are supported. On
/// `shutdown` the listener closes and in-flight requests finish.
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: std::time::Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    use hyper_util::{
        rt::{TokioExecutor, TokioIo, TokioTimer},
        server::{conn::auto::Builder, graceful::GracefulShutdown},
        service::TowerToHyperService,
    };
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let builder = std::sync::Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors or a connection reset before accept: keep serving.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let _ = socket2::SockRef::from(&tcp).set_send_buffer_size(SOCKET_SEND_BUFFER);
        let router = app.clone();
        let service = tower::service_fn(
            move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                tower::ServiceExt::oneshot(router.clone(), request.map(axum::body::Body::new))
            },
        );
        let builder = builder.clone();
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(tcp), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

static SHUTDOWN: std::sync::LazyLock<tokio::sync::watch::Sender<bool>> =
    std::sync::LazyLock::new(|| tokio::sync::watch::channel(false).0);

/// Tells every long-lived response (SSE streams, sockets) of this process to finish.
pub fn begin_shutdown() {
    SHUTDOWN.send_replace(true);
}

/// True once the process is shutting down.
pub fn is_shutting_down() -> bool {
    *SHUTDOWN.borrow()
}

/// Resolves once the process is shutting down; long-lived streams end on it so a graceful
/// shutdown is not held open by them.
pub async fn shutting_down() {
    let mut rx = SHUTDOWN.subscribe();
    let _ = rx.wait_for(|down| *down).await;
}

/// Resolves on SIGTERM or Ctrl-C (and marks the process as shutting down).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutdown signal received");
    begin_shutdown();
}
