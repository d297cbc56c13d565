//! How a process logs: the line format and the `tracing` filter.

use super::env::Env;
use std::str::FromStr;

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (CloudWatch, production).
    Json,
    /// Human-readable, for a terminal.
    Pretty,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Self::Json),
            "pretty" => Ok(Self::Pretty),
            _ => Err("expected `json` or `pretty`".into()),
        }
    }
}

/// A `tracing` filter (`level` or `target=level`, comma-separated), checked at start.
#[derive(Debug, Clone)]
struct LogFilter(String);

impl FromStr for LogFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<tracing_subscriber::filter::Targets>()
            .map(|_| Self(s.to_owned()))
            .map_err(|e| e.to_string())
    }
}

/// `LOG_FORMAT` and `LOG_LEVEL`.
pub(super) fn load(env: &mut Env) -> (LogFormat, String) {
    let format = env.get("LOG_FORMAT", LogFormat::Json);
    let filter = env.get("LOG_LEVEL", LogFilter("info".to_owned())).0;
    (format, filter)
}
