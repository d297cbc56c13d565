//! Runs an edge game node on `WHOOSH_BIND`. On SIGTERM it stops taking sockets, leaves the
//! registry, lets games that end within `EDGE_DRAIN_TIMEOUT` finish, hands the others over, and
//! exits once every lobby has ended or moved (or at the deadline).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = whoosh_http::Config::from_env()?;
    whoosh_http::telemetry::init(config.log_format, &config.log_filter);
    whoosh_http::emf::init(&config.metrics, "edge");
    let bind = config.http.bind;
    let timeouts = whoosh_http::ConnTimeouts::from(&config.http);
    let state = whoosh_http::AppState::connect(config).await?;
    let edge = whoosh_edge::Edge::start(&state);
    let app = whoosh_http::app(whoosh_edge::routes(edge.clone()), state);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on WHOOSH_BIND={bind}: {e}"))?;
    tracing::info!(service = "edge", addr = %listener.local_addr()?, "listening");
    whoosh_http::serve_http(listener, app, timeouts, whoosh_http::shutdown_signal()).await?;
    edge.drained().await;
    Ok(())
}
