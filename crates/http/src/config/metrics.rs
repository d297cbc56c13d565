//! Where metrics go (`crate::emf`).

use super::env::Env;
use crate::emf::{MetricsConfig, Sink};

pub(super) fn load(env: &mut Env) -> MetricsConfig {
    MetricsConfig {
        sink: env.get("METRICS_EMF", Sink::Auto),
        namespace: env.get("METRICS_NAMESPACE", "Whoosh/local".to_owned()),
        log_group: env.optional("METRICS_LOG_GROUP"),
    }
}
