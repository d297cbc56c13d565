//! Logging: one JSON object per line (CloudWatch Logs Insights can query every field), or a
//! human format for terminals. Each request's line carries its request id, route, status and
//! latency, plus the user id once known.

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Later calls (several services in one test process) are no-ops.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stdout);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_target(false)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}
