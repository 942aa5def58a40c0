//! Joining a game: parsing the join URL and the admission request with capped exponential
//! backoff and full jitter.
//!
//! While the host answers 429 (or cannot be reached), the client waits the time the host asks
//! for plus a random share of an exponentially growing delay, so that thousands of clients
//! rejected in the same instant spread their retries out instead of returning in lockstep.

use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use rand::RngExt;
use reqwest::StatusCode;
use url::Url;

use super::ClientError;
use crate::server::http::{ErrorResponse, JoinRequest, JoinResponse};

/// The place to join: the host's base URL and the game code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinTarget {
    /// Scheme, host and port, such as `http://192.168.1.20:7878`, without a trailing slash.
    pub base: String,
    pub code: String,
}

impl JoinTarget {
    /// Parses a join URL of the form `http://HOST:PORT/join/CODE`.
    pub fn parse(join_url: &str) -> Result<JoinTarget, ClientError> {
        let invalid = |why: &str| ClientError::InvalidUrl {
            url: join_url.to_string(),
            why: why.to_string(),
        };
        let url = Url::parse(join_url.trim()).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https"));
        }
        let host = url.host_str().ok_or_else(|| invalid("it has no host"))?;
        let segments: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        let code = match segments.as_slice() {
            ["join", code] => code.to_string(),
            _ => return Err(invalid("the path must be /join/CODE")),
        };
        let base = match url.port() {
            Some(port) => format!("{}://{host}:{port}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        };
        Ok(JoinTarget { base, code })
    }
}

/// The backoff schedule of join retries.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// First backoff step; each retry doubles it up to `cap`.
    pub base: Duration,
    pub cap: Duration,
    /// Stop retrying once this much time has passed since the first attempt.
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(5),
            give_up_after: Duration::from_secs(120),
        }
    }
}

/// A retry about to happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryNotice {
    /// HTTP status of the rejected attempt, or 0 when the host could not be reached.
    pub status: u16,
    /// Number of the attempt that comes next (2 for the first retry).
    pub attempt: u32,
    pub wait: Duration,
}

enum Attempt {
    Joined(JoinResponse),
    Retry {
        status: u16,
        retry_after: Option<Duration>,
        why: String,
    },
}

/// Joins `target` as `request`, retrying 429, 503 and unreachable hosts with backoff.
/// `on_retry` is called before each wait.
pub async fn join(
    http: &reqwest::Client,
    target: &JoinTarget,
    request: &JoinRequest,
    policy: RetryPolicy,
    mut on_retry: impl FnMut(RetryNotice),
) -> Result<JoinResponse, ClientError> {
    let started = Instant::now();
    let mut delays = ExponentialBuilder::default()
        .with_min_delay(policy.base)
        .with_max_delay(policy.cap)
        .without_max_times()
        .build();
    let mut attempt = 1u32;
    loop {
        let (status, retry_after, why) = match try_join(http, target, request).await? {
            Attempt::Joined(response) => return Ok(response),
            Attempt::Retry {
                status,
                retry_after,
                why,
            } => (status, retry_after, why),
        };

        // Full jitter: a uniform share of the exponential step, on top of what the host asked.
        let step = delays.next().unwrap_or(policy.cap);
        let jitter = rand::rng().random_range(Duration::ZERO..=step);
        let wait = retry_after.unwrap_or(Duration::ZERO) + jitter;
        if started.elapsed() + wait > policy.give_up_after {
            return Err(ClientError::GaveUp {
                after: started.elapsed(),
                attempts: attempt,
                last: why,
            });
        }
        attempt += 1;
        tracing::debug!(
            status,
            attempt,
            wait_ms = wait.as_millis() as u64,
            "join retry"
        );
        on_retry(RetryNotice {
            status,
            attempt,
            wait,
        });
        tokio::time::sleep(wait).await;
    }
}

async fn try_join(
    http: &reqwest::Client,
    target: &JoinTarget,
    request: &JoinRequest,
) -> Result<Attempt, ClientError> {
    let url = format!("{}/api/games/{}/players", target.base, target.code);
    let response = match http.post(&url).json(request).send().await {
        Ok(response) => response,
        Err(e) => {
            return Ok(Attempt::Retry {
                status: 0,
                retry_after: None,
                why: format!(
                    "cannot reach {}: {}; check that the host is running and the URL is right",
                    target.base,
                    root_cause(&e)
                ),
            });
        }
    };
    let status = response.status();
    let header_wait = retry_after_header(response.headers());
    let body = response.bytes().await.unwrap_or_default();
    // 201 for a new player, 200 for a returning one whose token the host still has.
    if status == StatusCode::CREATED || status == StatusCode::OK {
        return serde_json::from_slice(&body)
            .map(Attempt::Joined)
            .map_err(|e| ClientError::Protocol(format!("invalid join response: {e}")));
    }

    let parsed: Option<ErrorResponse> = serde_json::from_slice(&body).ok();
    let message = parsed
        .as_ref()
        .map(|p| p.error.clone())
        .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
    match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
            let body_wait = parsed
                .and_then(|p| p.retry_after_ms)
                .map(Duration::from_millis);
            Ok(Attempt::Retry {
                status: status.as_u16(),
                retry_after: body_wait.or(header_wait),
                why: format!(
                    "the host is still busy ({status}); ask the host to raise --join-rate or raise --give-up-secs"
                ),
            })
        }
        StatusCode::NOT_FOUND => Err(ClientError::GameNotFound {
            code: target.code.clone(),
            base: target.base.clone(),
        }),
        _ => Err(ClientError::Rejected {
            status: status.as_u16(),
            error_type: parsed.map(|p| p.error_type).unwrap_or_default(),
            message,
        }),
    }
}

/// Returns the innermost error's message, which says what failed ("Connection refused")
/// where reqwest's own message only names the request.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let seconds: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_join_url() {
        let target = JoinTarget::parse("http://10.0.0.5:7878/join/K7Q2").unwrap();
        assert_eq!(target.base, "http://10.0.0.5:7878");
        assert_eq!(target.code, "K7Q2");
        let target = JoinTarget::parse("https://quiz.example.org/join/AB/").unwrap();
        assert_eq!(target.base, "https://quiz.example.org");
        assert_eq!(target.code, "AB");
    }

    #[test]
    fn rejects_bad_join_urls() {
        for url in [
            "10.0.0.5:7878/join/K7Q2",
            "ftp://h/join/K",
            "http://h/play/K",
            "http://h/join",
            "http://h/join/K/extra",
        ] {
            let err = JoinTarget::parse(url).unwrap_err().to_string();
            assert!(err.contains(url), "{err}");
        }
    }
}
