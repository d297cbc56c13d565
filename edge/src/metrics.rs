//! `GET /metrics`: the node's Prometheus metrics, recorded through the `metrics` facade.
//!
//! | metric | kind | meaning |
//! |---|---|---|
//! | `whoosh_edge_connections{kind}` | gauge | open game sockets (`ws`), `/ws/me` sockets (`me`) and SSE streams (`sse`) |
//! | `whoosh_edge_lobbies` | gauge | running lobbies |
//! | `whoosh_edge_tick_lag_seconds` | histogram | how late each lobby tick ran |
//! | `whoosh_edge_tick_lag_max_seconds` | gauge | the latest tick since the previous scrape (for CloudWatch, which takes no histograms) |
//! | `whoosh_edge_messages_in_total` | counter | client messages received |
//! | `whoosh_edge_messages_out_total` | counter | server messages queued to sockets |
//! | `whoosh_edge_drops_total{reason}` | counter | sockets dropped (`slow_consumer`, `message_rate`, `idle`) |
//! | `whoosh_edge_outbox_depth` | gauge | game results waiting for PostgreSQL |
//! | `whoosh_edge_outbox_parked_total` | counter | game results that had to wait in the outbox |
//! | `whoosh_edge_snapshot_writes_total` | counter | lobby snapshots written to Redis (one per lobby per tick) |
//! | `whoosh_edge_snapshot_bytes_total` | counter | bytes of those snapshots |
//! | `whoosh_edge_snapshot_failures_total` | counter | snapshot writes that failed (Redis slow or down) |
//! | `whoosh_edge_lobbies_resumed_total` | counter | lobbies this node took over and resumed from a snapshot |
//! | `whoosh_edge_forwarded_total` | counter | sockets forwarded to the node that owns their lobby |
//! | `whoosh_edge_user_events_out_total` | counter | user events (and their replays) sent on `/ws/me` sockets |

use axum::http::header;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{
    OnceLock,
    atomic::{AtomicU64, Ordering},
};
use std::time::Duration;

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

/// Worst tick lag since the last scrape, in microseconds.
static TICK_LAG_MAX_US: AtomicU64 = AtomicU64::new(0);

/// Handles of the metrics recorded per message or per tick, looked up once: `counter!` finds
/// its key in the registry (hashing the name and labels) on every call.
#[derive(Debug)]
pub struct Hot {
    pub messages_in: metrics::Counter,
    pub messages_out: metrics::Counter,
    pub tick_lag: metrics::Histogram,
    pub snapshot_writes: metrics::Counter,
    pub snapshot_bytes: metrics::Counter,
}

/// The hot-path handles (the recorder is installed first, so they are never no-ops).
pub fn hot() -> &'static Hot {
    static HOT: OnceLock<Hot> = OnceLock::new();
    HOT.get_or_init(|| {
        install();
        Hot {
            messages_in: metrics::counter!("whoosh_edge_messages_in_total"),
            messages_out: metrics::counter!("whoosh_edge_messages_out_total"),
            tick_lag: metrics::histogram!("whoosh_edge_tick_lag_seconds"),
            snapshot_writes: metrics::counter!("whoosh_edge_snapshot_writes_total"),
            snapshot_bytes: metrics::counter!("whoosh_edge_snapshot_bytes_total"),
        }
    })
}

/// Records how late a lobby tick ran.
pub fn tick_lag(lag: Duration) {
    hot().tick_lag.record(lag.as_secs_f64());
    TICK_LAG_MAX_US.fetch_max(lag.as_micros() as u64, Ordering::Relaxed);
}

/// An open connection of `kind` (`ws`, `sse`), counted while it lives.
#[derive(Debug)]
pub struct Open(&'static str);

impl Open {
    pub fn new(kind: &'static str) -> Self {
        metrics::gauge!("whoosh_edge_connections", "kind" => kind).increment(1.0);
        Self(kind)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        metrics::gauge!("whoosh_edge_connections", "kind" => self.0).decrement(1.0);
    }
}

pub async fn render() -> Response {
    let worst = TICK_LAG_MAX_US.swap(0, Ordering::Relaxed);
    metrics::gauge!("whoosh_edge_tick_lag_max_seconds").set(worst as f64 / 1e6);
    let body = HANDLE
        .get()
        .and_then(Option::as_ref)
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
