//! Logging: one JSON object per line (CloudWatch Logs Insights can query every field), or a
//! human format for terminals. Each request's line carries its request id, route, status and
//! latency, plus the user id once known.

use crate::config::LogFormat;
use tracing_subscriber::{filter::Targets, layer::SubscriberExt, util::SubscriberInitExt};

/// Installs the global subscriber. Later calls (several services in one test process) are no-ops.
///
/// The filter is a list of `level` and `target=level` directives (`Targets`): what operators
/// write in `LOG_LEVEL`, without `EnvFilter`'s span and field matching, whose regular-expression
/// engine every Lambda would otherwise link.
pub fn init(format: LogFormat, filter: &str) {
    let filter: Targets = filter
        .parse()
        .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::INFO));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stdout);
    let _ = match format {
        LogFormat::Json => tracing_subscriber::registry()
            .with(
                fmt.json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_target(false),
            )
            .with(filter)
            .try_init(),
        LogFormat::Pretty => tracing_subscriber::registry()
            .with(fmt.compact())
            .with(filter)
            .try_init(),
    };
}
