//! Runs the auth service under the Lambda runtime (when `AWS_LAMBDA_RUNTIME_API` is set) or as a
//! plain HTTP server on `WHOOSH_BIND`.

fn main() -> anyhow::Result<()> {
    whoosh_http::service_main("auth", whoosh_lambda_auth::service_routes)
}
