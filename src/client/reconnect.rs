//! When and how long a player waits before reopening a dropped connection.
//!
//! Waits follow capped exponential steps with full jitter from the first attempt: each wait is
//! uniform between zero and the current step. When a host restarts, thousands of players lose
//! their connection in the same instant, so full jitter spreads their returns over the whole
//! step instead of bringing them back in lockstep.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use rand::RngExt;

/// Backoff steps and time limit of reconnects after a connection drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// First backoff step; each attempt doubles it up to `max_step`.
    pub first_step: Duration,
    pub max_step: Duration,
    /// Stop reconnecting once this much time has passed since the connection dropped.
    pub give_up_after: Duration,
}

impl Default for ReconnectPolicy {
    fn default() -> ReconnectPolicy {
        ReconnectPolicy {
            first_step: Duration::from_millis(250),
            max_step: Duration::from_secs(10),
            give_up_after: Duration::from_secs(5 * 60),
        }
    }
}

/// The waits before successive reconnect attempts.
pub struct Backoff {
    steps: ExponentialBackoff,
    max_step: Duration,
}

impl Backoff {
    /// Starts the steps of `policy` at `first_step`.
    pub fn new(policy: &ReconnectPolicy) -> Backoff {
        let steps = ExponentialBuilder::default()
            .with_min_delay(policy.first_step)
            .with_max_delay(policy.max_step)
            .without_max_times()
            .build();
        Backoff {
            steps,
            max_step: policy.max_step,
        }
    }

    /// Returns the next step, before jitter.
    pub fn next_step(&mut self) -> Duration {
        self.steps.next().unwrap_or(self.max_step)
    }

    /// Returns the wait before the next attempt: uniform between zero and the next step.
    pub fn next_wait(&mut self) -> Duration {
        let step = self.next_step();
        rand::rng().random_range(Duration::ZERO..=step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_double_up_to_cap() {
        let mut backoff = Backoff::new(&ReconnectPolicy::default());
        let steps: Vec<u64> = (0..9)
            .map(|_| backoff.next_step().as_millis() as u64)
            .collect();
        assert_eq!(
            steps,
            [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]
        );
    }

    #[test]
    fn first_wait_within_first_step() {
        let policy = ReconnectPolicy::default();
        for _ in 0..1000 {
            let wait = Backoff::new(&policy).next_wait();
            assert!(wait <= policy.first_step, "first wait {wait:?}");
        }
    }

    #[test]
    fn waits_spread_over_whole_step() {
        // Full jitter: waits cover the whole range from zero, not only the upper half as
        // "equal jitter" would. With 1000 uniform draws, missing either quarter has a
        // probability below 1e-120.
        let policy = ReconnectPolicy::default();
        let waits: Vec<Duration> = (0..1000)
            .map(|_| Backoff::new(&policy).next_wait())
            .collect();
        let quarter = policy.first_step / 4;
        assert!(
            waits.iter().any(|w| *w < quarter),
            "no wait below {quarter:?}"
        );
        assert!(
            waits.iter().any(|w| *w > policy.first_step - quarter),
            "no wait in the top quarter"
        );
    }

    #[test]
    fn capped_waits_never_exceed_max_step() {
        let policy = ReconnectPolicy::default();
        let mut backoff = Backoff::new(&policy);
        for _ in 0..200 {
            let wait = backoff.next_wait();
            assert!(wait <= policy.max_step, "wait {wait:?}");
        }
    }
}
