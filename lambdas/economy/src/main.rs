//! Runs the economy service under the Lambda runtime (when `AWS_LAMBDA_RUNTIME_API` is set) or as a
//! plain HTTP server on `WHOOSH_BIND`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    whoosh_http::run_service("economy", whoosh_lambda_economy::service_routes).await
}
