//! Latency and loss measurements a session records for load reports.
//!
//! A session given a [`Probe`] records, per message, how long it took to arrive. Latencies use
//! the host's `sent_at_ms` wall-clock stamps, so they are meaningful only when host and client
//! share a clock (the same machine, or NTP-synchronized machines within a few ms).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

/// Samples and counters shared by many sessions.
#[derive(Debug, Default)]
pub struct Probe {
    /// Question delivery: host send time to receipt, in ms.
    delivery: Mutex<Vec<u32>>,
    /// Answer acknowledgement: publish sent to `publish_success` received, in ms.
    ack: Mutex<Vec<u32>>,
    /// Private results: host send time (the moment the question closed) to receipt, in ms.
    result: Mutex<Vec<u32>>,
    /// Messages missing from a channel's sequence numbers.
    pub lost: AtomicU64,
    /// Messages that arrived with a lower sequence number than one already seen.
    pub out_of_order: AtomicU64,
}

/// Percentiles of a latency sample set, in ms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub p50: u32,
    pub p90: u32,
    pub p99: u32,
    pub max: u32,
}

impl Probe {
    /// Records a question delivered `latency_ms` after the host sent it.
    pub fn record_delivery(&self, latency_ms: u64) {
        push(&self.delivery, latency_ms);
    }

    /// Records an acknowledgement that took `latency`.
    pub fn record_ack(&self, latency: Duration) {
        push(&self.ack, latency.as_millis() as u64);
    }

    /// Records a private result delivered `latency_ms` after the question closed.
    pub fn record_result(&self, latency_ms: u64) {
        push(&self.result, latency_ms);
    }

    /// Returns the question delivery percentiles.
    pub fn delivery(&self) -> Percentiles {
        percentiles(&self.delivery)
    }

    /// Returns the acknowledgement percentiles.
    pub fn ack(&self) -> Percentiles {
        percentiles(&self.ack)
    }

    /// Returns the private result percentiles.
    pub fn result(&self) -> Percentiles {
        percentiles(&self.result)
    }

    /// Adds `n` to the lost-message count.
    pub fn add_lost(&self, n: u64) {
        self.lost.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one message that arrived out of order.
    pub fn add_out_of_order(&self) {
        self.out_of_order.fetch_add(1, Ordering::Relaxed);
    }
}

fn push(samples: &Mutex<Vec<u32>>, value: u64) {
    let value = u32::try_from(value).unwrap_or(u32::MAX);
    samples.lock().expect("probe lock poisoned").push(value);
}

fn percentiles(samples: &Mutex<Vec<u32>>) -> Percentiles {
    let mut sorted = samples.lock().expect("probe lock poisoned").clone();
    if sorted.is_empty() {
        return Percentiles::default();
    }
    sorted.sort_unstable();
    // Nearest-rank percentile: the smallest sample with at least p% of samples at or below it.
    let rank = |p: f64| {
        let index = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[index.clamp(1, sorted.len()) - 1]
    };
    Percentiles {
        count: sorted.len(),
        p50: rank(50.0),
        p90: rank(90.0),
        p99: rank(99.0),
        max: *sorted.last().expect("not empty"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let probe = Probe::default();
        for ms in 1..=100 {
            probe.record_delivery(ms);
        }
        let p = probe.delivery();
        assert_eq!(p.count, 100);
        assert_eq!(p.p50, 50);
        assert_eq!(p.p90, 90);
        assert_eq!(p.p99, 99);
        assert_eq!(p.max, 100);
    }

    #[test]
    fn empty_is_zero() {
        assert_eq!(Probe::default().ack(), Percentiles::default());
    }

    #[test]
    fn single_sample() {
        let probe = Probe::default();
        probe.record_result(7);
        assert_eq!(probe.result().p50, 7);
        assert_eq!(probe.result().p99, 7);
    }
}
