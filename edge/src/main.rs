//! Runs an edge game node on `WHOOSH_BIND`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    whoosh_http::run_service_with("edge", whoosh_edge::start).await
}
