//! Running a service: the full middleware stack around a router, then either the Lambda runtime
//! (when `AWS_LAMBDA_RUNTIME_API` is set) or a plain HTTP server with graceful shutdown.

use crate::{ApiError, AppState, Config, health, middleware};
use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware::{from_fn, from_fn_with_state},
    response::{IntoResponse, Response},
};
use std::{any::Any, future::Future, time::Duration};
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

/// The whole `main` of a Lambda crate's binary: [`run_service`] on the runtime that suits where it
/// runs. Under the Lambda runtime that is tokio's current-thread scheduler: an execution
/// environment handles one invocation at a time, so worker threads would only add thread start-up
/// to the cold start and a cross-thread wake-up to every invocation (blocking work such as
/// argon2id still runs on the blocking pool). As a plain HTTP server it is the multi-threaded one.
pub fn service_main(name: &'static str, routes: fn() -> Router<AppState>) -> anyhow::Result<()> {
    let mut builder = if under_lambda() {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    builder
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?
        .block_on(run_service(name, routes))
}

/// True when started by the Lambda runtime (`AWS_LAMBDA_RUNTIME_API` set).
pub fn under_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
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
    let timeouts = ConnTimeouts::from(&config.http);
    let state = AppState::connect(config).await?;
    let app = app(routes(&state), state);
    if under_lambda() {
        tracing::info!(service = name, "starting under the Lambda runtime");
        lambda_http::run(app)
            .await
            .map_err(|e| anyhow::anyhow!("Lambda runtime failed: {e}"))
    } else {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on WHOOSH_BIND={bind}: {e}"))?;
        tracing::info!(service = name, addr = %listener.local_addr()?, "listening");
        serve_http(listener, app, timeouts, shutdown_signal()).await
    }
}

/// Kernel send buffer of each accepted socket. Fixed instead of autotuned (which grows to
/// megabytes on fast links): game messages and API responses are small, it bounds kernel memory
/// per idle player, and a client that stops reading fills it quickly, so its socket is found
/// slow and dropped in seconds rather than after megabytes of backlog.
pub const SOCKET_SEND_BUFFER: usize = 32 * 1024;

/// The per-connection deadlines of [`serve_http`].
#[derive(Debug, Clone, Copy)]
pub struct ConnTimeouts {
    /// Time a new connection has to send its first byte, and a request its headers (slowloris).
    pub header: Duration,
    /// Time a connection may leave bytes waiting without accepting any (a client that stopped
    /// reading an SSE stream or a socket): then it is dropped.
    pub write_stall: Duration,
}

impl From<&crate::config::HttpConfig> for ConnTimeouts {
    fn from(http: &crate::config::HttpConfig) -> Self {
        Self {
            header: http.header_timeout,
            write_stall: http.write_stall_timeout,
        }
    }
}

/// A connection with two deadlines hyper does not keep.
///
/// - The first byte: a peer that connects and says nothing is dropped after the header timeout.
///   hyper's header timeout covers each request head (and the idle time before it on a kept-alive
///   connection), but the auto builder first reads the opening bytes to tell HTTP/1 from HTTP/2,
///   with no deadline, so a socket that never sends one would be held forever.
/// - Write stalls: writes fail with `TimedOut` once the peer has taken no byte for `limit`
///   while bytes wait to go out. A client that stops reading (a stuck SSE subscriber, a frozen
///   tab) fills its socket's send buffer and is then dropped, instead of holding the socket and
///   its buffers until it goes away. Any accepted byte restarts the clock, so a slow but reading
///   client is never cut off. Upgraded sockets (WebSockets) keep the guard.
struct GuardedConn<S> {
    inner: S,
    limit: Duration,
    peer: std::net::SocketAddr,
    stalled: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
    /// Until the peer's first byte arrives.
    first_byte: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<S> GuardedConn<S> {
    fn new(inner: S, peer: std::net::SocketAddr, timeouts: ConnTimeouts) -> Self {
        Self {
            inner,
            limit: timeouts.write_stall,
            peer,
            stalled: None,
            first_byte: Some(Box::pin(tokio::time::sleep(timeouts.header))),
        }
    }

    fn guard<T>(
        &mut self,
        cx: &mut std::task::Context<'_>,
        polled: std::task::Poll<std::io::Result<T>>,
    ) -> std::task::Poll<std::io::Result<T>> {
        use std::task::Poll;
        if polled.is_ready() {
            self.stalled = None;
            return polled;
        }
        let limit = self.limit;
        let timer = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        tracing::info!(peer = %self.peer, ?limit, "peer stopped reading; connection dropped");
        Poll::Ready(Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the peer accepted no data within the write stall timeout",
        )))
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for GuardedConn<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if polled.is_ready() {
            self.first_byte = None;
            return polled;
        }
        let silent_too_long = self
            .first_byte
            .as_mut()
            .is_some_and(|deadline| deadline.as_mut().poll(cx).is_ready());
        if !silent_too_long {
            return std::task::Poll::Pending;
        }
        tracing::debug!(peer = %self.peer, "peer sent nothing; connection dropped");
        std::task::Poll::Ready(Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the peer sent nothing within the header timeout",
        )))
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for GuardedConn<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        self.guard(cx, polled)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.guard(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_flush(cx);
        self.guard(cx, polled)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Serves `app` on `listener` with the peer address available to extractors, until `shutdown`.
///
/// Each connection has `timeouts.header` to send its first byte and then to deliver a request's
/// headers (silent and slow-header clients — slowloris — are cut off instead of holding a socket
/// forever) and is dropped once it leaves
/// bytes unread for `timeouts.write_stall`; accepted sockets get `TCP_NODELAY` and a fixed
/// [`SOCKET_SEND_BUFFER`]. WebSocket upgrades are supported. On `shutdown` the listener closes
/// and in-flight requests finish.
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    app: Router,
    timeouts: ConnTimeouts,
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
        .header_read_timeout(timeouts.header);
    let builder = std::sync::Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors or a connection reset before accept: keep serving.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
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
            .serve_connection_with_upgrades(
                TokioIo::new(GuardedConn::new(tcp, peer, timeouts)),
                TowerToHyperService::new(service),
            )
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
