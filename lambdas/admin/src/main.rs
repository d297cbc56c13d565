//! Runs the admin service (the operator console's API) under the Lambda runtime (when
//! `AWS_LAMBDA_RUNTIME_API` is set) or as a plain HTTP server on `WHOOSH_BIND`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    whoosh_http::run_service("admin", whoosh_lambda_admin::service_routes).await
}
