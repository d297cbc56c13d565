//! `GET /metrics`: the node's Prometheus metrics, recorded through the `metrics` facade.
//!
//! | metric | kind | meaning |
//! |---|---|---|
//! | `whoosh_edge_connections` | gauge | open game sockets |
//! | `whoosh_edge_lobbies` | gauge | running lobbies |
//! | `whoosh_edge_tick_lag_seconds` | histogram | how late each lobby tick ran |
//! | `whoosh_edge_messages_in_total` | counter | client messages received |
//! | `whoosh_edge_messages_out_total` | counter | server messages queued to sockets |
//! | `whoosh_edge_drops_total{reason}` | counter | sockets dropped (`slow_consumer`, `message_rate`, `idle`) |
//! | `whoosh_edge_outbox_depth` | gauge | game results waiting for PostgreSQL |
//! | `whoosh_edge_outbox_parked_total` | counter | game results that had to wait in the outbox |

use axum::http::header;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Tick-lag buckets: a healthy tick runs within a few milliseconds.
const TICK_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

/// Installs the process-wide recorder once (a second edge in one process shares it).
pub fn install() {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("whoosh_edge_tick_lag_seconds".to_owned()),
                TICK_BUCKETS,
            )
            .ok()?;
        match builder.install_recorder() {
            Ok(handle) => Some(handle),
            Err(error) => {
                tracing::warn!(%error, "metrics recorder not installed");
                None
            }
        }
    });
}

pub async fn render() -> Response {
    let body = HANDLE
        .get()
        .and_then(Option::as_ref)
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
