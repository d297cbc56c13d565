//! Runs the admin service (the operator console's API) under the Lambda runtime (when
//! `AWS_LAMBDA_RUNTIME_API` is set) or as a plain HTTP server on `WHOOSH_BIND`.

fn main() -> anyhow::Result<()> {
    whoosh_http::service_main("admin", whoosh_lambda_admin::service_routes)
}
