//! `GET /api/metrics`: counters and gauges in the Prometheus text format.

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::AppState;

/// Counters the server updates as it works.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Join requests answered 201.
    pub joins_admitted: AtomicU64,
    /// Requests to the admission-controlled endpoints answered 429.
    pub admission_rejected: AtomicU64,
    /// WebSocket frames received from players.
    pub messages_in: AtomicU64,
    /// WebSocket frames written to players.
    pub messages_out: AtomicU64,
}

impl Metrics {
    /// Adds one to `counter`.
    pub fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Renders every metric.
pub async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let m = &state.metrics;
    let hub = &state.hub;
    let depths = hub.queue_depths();
    let connections = *state.connections.borrow();
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
        let _ = writeln!(out, "# HELP quizcast_{name} {help}");
        let _ = writeln!(out, "# TYPE quizcast_{name} {kind}");
        let _ = writeln!(out, "quizcast_{name} {value}");
    };
    metric(
        "connections",
        "gauge",
        "Open player WebSocket connections.",
        connections as u64,
    );
    metric(
        "joins_admitted_total",
        "counter",
        "Players admitted by the join endpoint.",
        m.joins_admitted.load(Ordering::Relaxed),
    );
    metric(
        "admission_rejected_total",
        "counter",
        "Requests answered 429 by admission control.",
        m.admission_rejected.load(Ordering::Relaxed),
    );
    metric(
        "messages_in_total",
        "counter",
        "WebSocket frames received from players.",
        m.messages_in.load(Ordering::Relaxed),
    );
    metric(
        "messages_out_total",
        "counter",
        "WebSocket frames written to players.",
        m.messages_out.load(Ordering::Relaxed),
    );
    metric(
        "slow_consumers_dropped_total",
        "counter",
        "Connections closed because their outbound queue was full.",
        hub.slow_consumers.load(Ordering::Relaxed),
    );
    metric(
        "outbound_queued",
        "gauge",
        "Messages waiting in all outbound queues.",
        depths.total as u64,
    );
    metric(
        "outbound_queue_max",
        "gauge",
        "Messages waiting in the fullest outbound queue.",
        depths.max as u64,
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
