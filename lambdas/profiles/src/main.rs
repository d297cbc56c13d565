//! Runs the profiles service under the Lambda runtime (when `AWS_LAMBDA_RUNTIME_API` is set) or as a
//! plain HTTP server on `WHOOSH_BIND`.

fn main() -> anyhow::Result<()> {
    whoosh_http::service_main("profiles", whoosh_lambda_profiles::service_routes)
}
