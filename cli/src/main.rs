//! `whoosh`: the operator CLI.
//!
//! - `whoosh dev`: the whole platform in one process — every Lambda router under `/api` at the
//!   paths the ALB routes to it, the edge, and the web client — and the URL to open.
//! - `whoosh migrate`: applies the database migrations.
//! - `whoosh config check`: validates the configuration and prints it.

use anyhow::Context;
use axum::{
    extract::Request,
    response::{IntoResponse, Response},
    Router,
};
use clap::{Parser, Subcommand};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};
use whoosh_http::{ApiError, AppState, Config};

#[derive(Debug, Parser)]
#[command(name = "whoosh", version, about = "Operate a Whoosh deployment or run it whole on one machine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole platform locally (API, edge, web client) and print the URL to open.
    Dev,
    /// Apply every pending database migration to DATABASE_URL.
    Migrate,
    /// Configuration commands.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate the configuration from the environment (and .env) and print it.
    Check,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    whoosh_http::telemetry::init(config.log_format, &config.log_filter);
    match cli.command {
        Command::Dev => dev(config).await,
        Command::Migrate => migrate(&config).await,
        Command::Config { command: ConfigCommand::Check } => {
            println!("{config:#?}");
            Ok(())
        }
    }
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    let db = whoosh_http::state::connect_database(config).await?;
    whoosh_store::MIGRATOR.run(&db).await.context("applying migrations")?;
    tracing::info!("migrations applied");
    Ok(())
}

/// Every service's routes at the paths the ALB routes to it (DESIGN.md §3).
fn platform_routes() -> Router<AppState> {
    whoosh_lambda_auth::routes()
        .merge(whoosh_lambda_matchmaking::routes())
        .merge(whoosh_lambda_profiles::routes())
        .merge(whoosh_lambda_economy::routes())
        .merge(whoosh_edge::routes())
}

async fn dev(config: Config) -> anyhow::Result<()> {
    let bind = config.http.bind;
    let public_url = config.public_url.clone();
    let web_dir = config.web_dir.clone();
    anyhow::ensure!(
        web_dir.join("index.html").is_file(),
        "WHOOSH_WEB_DIR={} has no index.html; run from the repository root",
        web_dir.display()
    );
    let state = AppState::connect(config).await?;
    whoosh_store::MIGRATOR.run(&state.db).await.context("applying migrations")?;
    let site = ServeDir::new(&web_dir).fallback(ServeFile::new(web_dir.join("index.html")));
    let routes = platform_routes().fallback(move |req: Request| web_or_api_404(site.clone(), req));
    let app = whoosh_http::serve::stack(routes, state);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on WHOOSH_BIND={bind}; is another stack running?"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "whoosh dev listening");
    println!("\n  Whoosh is up: {public_url}\n  (API under {public_url}/api, edge under {public_url}/ws, readiness at {public_url}/readyz)\n");
    whoosh_http::serve_http(listener, app, whoosh_http::shutdown_signal()).await
}

/// Unknown API, socket and feed paths answer the JSON 404; everything else is the web client.
async fn web_or_api_404(site: ServeDir<ServeFile>, req: Request) -> Response {
    let path = req.uri().path();
    if ["/api/", "/ws/", "/sse/", "/.well-known/"].iter().any(|p| path.starts_with(p)) {
        return ApiError::not_found().into_response();
    }
    match site.oneshot(req).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}
