//! Per-connection and per-request limits of the server, and the small trackers that enforce
//! them.
//!
//! [`Limits`] contains the settings, each with a default sized for a classroom or a large
//! event on one host. The `quizcast host` flags under "Limits" set them, and `docs/PROTOCOL.md`
//! lists what a client sees when it hits one.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::http::ErrorResponse;
use crate::protocol;

/// The limits the server enforces on every client.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Largest WebSocket message a client may send, in bytes. A larger one closes the
    /// connection with 1009. The protocol's messages are well under 1 KiB.
    pub max_message_bytes: usize,
    /// Publishes each connection may make per second, on average. A player publishes one
    /// answer per question, so the default leaves room for double clicks and retries.
    pub publish_rate: u32,
    /// Publishes a connection may make at once before the rate applies.
    pub publish_burst: u32,
    /// Publishes over the limit a connection may send in a row before it is closed with
    /// 4004. Each gets a `publish_error` of type `RateLimited`.
    pub publish_strikes: u32,
    /// Subscriptions one connection may hold at a time. A player needs two.
    pub max_subscriptions: usize,
    /// Open WebSocket connections per client IP address. High by default because a
    /// classroom of phones or laptops behind one NAT router shares one address.
    pub max_connections_per_ip: usize,
    /// Largest HTTP request body, in bytes. A join request is about 100 bytes.
    pub max_body_bytes: usize,
    /// Time a new WebSocket connection has to send `connection_init`.
    pub init_timeout: Duration,
    /// Time without any frame (a pong counts) after which the server closes a connection.
    pub idle_timeout: Duration,
    /// Interval of the server's keep-alives: a WebSocket ping and a `ka` message.
    pub keepalive_interval: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_message_bytes: protocol::MAX_FRAME_BYTES,
            publish_rate: 5,
            publish_burst: 10,
            publish_strikes: 10,
            max_subscriptions: 8,
            max_connections_per_ip: 1000,
            max_body_bytes: 16 * 1024,
            init_timeout: Duration::from_millis(protocol::INIT_TIMEOUT_MS),
            idle_timeout: Duration::from_millis(protocol::CONNECTION_TIMEOUT_MS),
            keepalive_interval: Duration::from_millis(protocol::KEEPALIVE_INTERVAL_MS),
        }
    }
}

/// Smallest accepted WebSocket message limit: a `connection_init` with its token and a
/// subscribe must fit.
pub const MIN_MESSAGE_BYTES: usize = 256;
/// Longest accepted keep-alive interval. The terminal client gives up on a connection after
/// 60 s without a message, so keep-alives must arrive well within that.
pub const MAX_KEEPALIVE: Duration = Duration::from_secs(30);

impl Limits {
    /// Checks that the limits work together; returns what to change otherwise.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_message_bytes < MIN_MESSAGE_BYTES {
            return Err(format!(
                "--max-message-bytes {} is too small; use at least {MIN_MESSAGE_BYTES}",
                self.max_message_bytes
            ));
        }
        let zero = [
            ("--publish-rate", self.publish_rate as usize),
            ("--publish-burst", self.publish_burst as usize),
            ("--max-subscriptions", self.max_subscriptions),
            ("--max-connections-per-ip", self.max_connections_per_ip),
            ("--max-body-bytes", self.max_body_bytes),
        ];
        if let Some((flag, _)) = zero.iter().find(|(_, value)| *value == 0) {
            return Err(format!("{flag} must be at least 1"));
        }
        if self.init_timeout.is_zero() || self.idle_timeout.is_zero() {
            return Err("--init-timeout-ms and --idle-timeout-ms must be at least 1".into());
        }
        if self.keepalive_interval.is_zero() || self.keepalive_interval > MAX_KEEPALIVE {
            return Err(format!(
                "--keepalive-ms {} is out of range; use 1 to {}",
                self.keepalive_interval.as_millis(),
                MAX_KEEPALIVE.as_millis()
            ));
        }
        if self.keepalive_interval >= self.idle_timeout {
            return Err(format!(
                "--keepalive-ms {} must be shorter than --idle-timeout-ms {}, or idle clients that answer every ping are closed",
                self.keepalive_interval.as_millis(),
                self.idle_timeout.as_millis()
            ));
        }
        Ok(())
    }
}

/// A token bucket for one connection's publishes: holds up to `burst` tokens and refills at
/// `rate` tokens per second.
#[derive(Debug, Clone)]
pub struct PublishBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    refilled_at: Instant,
    /// Publishes rejected in a row since the last accepted one.
    strikes: u32,
}

/// The verdict on one publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the limit: reply with a `publish_error`.
    Limited,
    /// Over the limit too many times in a row: close the connection.
    Close,
}

impl PublishBucket {
    /// Creates a full bucket.
    pub fn new(limits: &Limits, now: Instant) -> PublishBucket {
        PublishBucket {
            rate: f64::from(limits.publish_rate),
            burst: f64::from(limits.publish_burst),
            tokens: f64::from(limits.publish_burst),
            refilled_at: now,
            strikes: 0,
        }
    }

    /// Takes a token for a publish at `now`, or counts a strike when the bucket is empty.
    /// After `max_strikes` strikes in a row, the next one returns [`Verdict::Close`].
    pub fn check(&mut self, now: Instant, max_strikes: u32) -> Verdict {
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.refilled_at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.strikes = 0;
            return Verdict::Allowed;
        }
        self.strikes += 1;
        if self.strikes > max_strikes {
            Verdict::Close
        } else {
            Verdict::Limited
        }
    }
}

/// Open WebSocket connections per client IP address.
#[derive(Debug, Default)]
pub struct IpConnections {
    open: Mutex<HashMap<IpAddr, usize>>,
    /// Upgrades rejected over the limit since the host started.
    rejected: AtomicU64,
}

/// A rejected upgrade is logged once in this many, so a burst of rejections cannot fill the log.
const REJECTION_LOG_INTERVAL: u64 = 1000;

/// A counted connection; dropping it releases the count.
#[derive(Debug)]
pub struct IpSlot {
    ip: IpAddr,
    connections: Arc<IpConnections>,
}

impl IpConnections {
    /// Counts a new connection from `ip`, or returns `None` when `ip` already has `max` open.
    pub fn acquire(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<IpSlot> {
        let mut open = self.open.lock().expect("connection count lock poisoned");
        let count = open.entry(ip).or_default();
        if *count >= max {
            let rejected = self.rejected.fetch_add(1, Ordering::Relaxed) + 1;
            if rejected % REJECTION_LOG_INTERVAL == 1 {
                tracing::warn!(peer.ip = %ip, limit = max, rejected, "rejecting WebSocket upgrade: too many connections from this address");
            }
            return None;
        }
        *count += 1;
        Some(IpSlot {
            ip,
            connections: self.clone(),
        })
    }

    /// Returns the number of open connections from `ip`.
    pub fn count(&self, ip: IpAddr) -> usize {
        let open = self.open.lock().expect("connection count lock poisoned");
        open.get(&ip).copied().unwrap_or(0)
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut open = self
            .connections
            .open
            .lock()
            .expect("connection count lock poisoned");
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Middleware that rejects a request whose body is over `max_body_bytes` with 413 and a JSON
/// error naming the limit.
///
/// A declared `Content-Length` over the limit is rejected before the handler runs. A body
/// without one (chunked) is cut off by axum's `DefaultBodyLimit`, whose plain-text 413 this
/// rewrites to the same JSON error.
pub async fn reject_large_bodies(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let max = state.limits.max_body_bytes;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max as u64) {
        return payload_too_large(max);
    }
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return payload_too_large(max);
    }
    response
}

fn payload_too_large(max: usize) -> Response {
    tracing::debug!(limit = max, "rejecting an HTTP request body over the limit");
    let body = ErrorResponse {
        error_type: "PayloadTooLarge".into(),
        error: format!(
            "request body is larger than the host's limit of {max} bytes (--max-body-bytes)"
        ),
        retry_after_ms: None,
    };
    let mut response = (StatusCode::PAYLOAD_TOO_LARGE, Json(body)).into_response();
    // The rest of an oversized body is not read, so the connection cannot be reused.
    response.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    response
}

/// Returns the response that turns away a WebSocket upgrade from an address with too many
/// open connections.
pub fn too_many_connections(ip: IpAddr, max: usize) -> Response {
    let body = ErrorResponse {
        error_type: "TooManyConnections".into(),
        error: format!(
            "{ip} already has {max} open connections, the host's limit per address (--max-connections-per-ip); close one or ask the host to raise the limit"
        ),
        retry_after_ms: None,
    };
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(rate: u32, burst: u32) -> Limits {
        Limits {
            publish_rate: rate,
            publish_burst: burst,
            ..Limits::default()
        }
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Limits::default().validate(), Ok(()));
    }

    #[test]
    fn keepalive_must_be_shorter_than_idle() {
        let limits = Limits {
            keepalive_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(20),
            ..Limits::default()
        };
        let error = limits.validate().unwrap_err();
        assert!(error.contains("--keepalive-ms"), "{error}");
    }

    #[test]
    fn zero_limits_rejected() {
        let limits = Limits {
            max_subscriptions: 0,
            ..Limits::default()
        };
        let error = limits.validate().unwrap_err();
        assert!(error.contains("--max-subscriptions"), "{error}");
    }

    #[test]
    fn bucket_allows_burst_then_limits() {
        let start = Instant::now();
        let mut bucket = PublishBucket::new(&limits(1, 3), start);
        for _ in 0..3 {
            assert_eq!(bucket.check(start, 2), Verdict::Allowed);
        }
        assert_eq!(bucket.check(start, 2), Verdict::Limited);
        assert_eq!(bucket.check(start, 2), Verdict::Limited);
        assert_eq!(bucket.check(start, 2), Verdict::Close);
    }

    #[test]
    fn bucket_refills_at_rate() {
        let start = Instant::now();
        let mut bucket = PublishBucket::new(&limits(2, 1), start);
        assert_eq!(bucket.check(start, 5), Verdict::Allowed);
        assert_eq!(bucket.check(start, 5), Verdict::Limited);
        // At 2 per second, one token is back after 500 ms, not before.
        let early = start + Duration::from_millis(400);
        assert_eq!(bucket.check(early, 5), Verdict::Limited);
        let later = start + Duration::from_millis(500);
        assert_eq!(bucket.check(later, 5), Verdict::Allowed);
    }

    #[test]
    fn accepted_publish_resets_strikes() {
        let start = Instant::now();
        let mut bucket = PublishBucket::new(&limits(1, 1), start);
        assert_eq!(bucket.check(start, 1), Verdict::Allowed);
        assert_eq!(bucket.check(start, 1), Verdict::Limited);
        let later = start + Duration::from_secs(1);
        assert_eq!(bucket.check(later, 1), Verdict::Allowed);
        assert_eq!(bucket.check(later, 1), Verdict::Limited);
    }

    #[test]
    fn ip_slots_counted_and_released() {
        let connections = Arc::new(IpConnections::default());
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let first = connections.acquire(ip, 2).expect("first fits");
        let second = connections.acquire(ip, 2).expect("second fits");
        assert!(connections.acquire(ip, 2).is_none(), "third is over");
        let other: IpAddr = "::1".parse().unwrap();
        assert!(connections.acquire(other, 2).is_some(), "other address");
        drop(first);
        assert_eq!(connections.count(ip), 1);
        assert!(connections.acquire(ip, 2).is_some(), "a slot was freed");
        drop(second);
    }
}
