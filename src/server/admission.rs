//! Admission control: one global GCRA limiter in front of the join endpoints.
//!
//! The limiter is global, not per IP address, because a classroom of phones behind one NAT shares
//! a single address. A request over the rate is turned away with the time to come back, and that
//! time is a slot in a virtual queue: each rejection books the next free slot after those already
//! handed out, one slot per `1 / rate` seconds. During a join storm, rejected clients therefore
//! return spread out at the admission rate instead of all at once, and the storm drains at the
//! full rate until the last client is in.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// Latest slot a rejected client is told to come back at, so a flood of rejections cannot push
/// waits out without bound.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// The join endpoints' rate limiter.
pub struct Admission {
    limiter: DefaultDirectRateLimiter,
    clock: DefaultClock,
    /// Time between two admissions at the configured rate.
    interval: Duration,
    /// End of the virtual queue: the last slot handed to a rejected client.
    queue_end: Mutex<Instant>,
}

impl Admission {
    /// Creates a limiter admitting `per_second` requests a second with a burst of 1/20 of that
    /// (50 ms worth of requests, at least 1), so a storm is admitted at a steady rate.
    pub fn new(per_second: NonZeroU32) -> Admission {
        let burst = NonZeroU32::new((per_second.get() / 20).max(1)).expect("at least 1");
        let quota = Quota::per_second(per_second).allow_burst(burst);
        Admission {
            limiter: RateLimiter::direct(quota),
            clock: DefaultClock::default(),
            interval: Duration::from_secs(1) / per_second.get(),
            queue_end: Mutex::new(Instant::now()),
        }
    }

    /// Admits one request, or returns how long the client should wait before retrying.
    pub fn check(&self) -> Result<(), Duration> {
        let not_until = match self.limiter.check() {
            Ok(()) => return Ok(()),
            Err(not_until) => not_until.wait_time_from(self.clock.now()),
        };

        // Book the next slot after everyone already told to wait.
        let now = Instant::now();
        let mut queue_end = self.queue_end.lock().expect("admission lock poisoned");
        let slot = (*queue_end).max(now) + self.interval;
        *queue_end = slot.min(now + MAX_RETRY_AFTER);
        let wait = queue_end.duration_since(now).max(not_until);
        Err(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_past_burst() {
        let admission = Admission::new(NonZeroU32::new(20).unwrap());
        assert!(admission.check().is_ok(), "burst of 1 admits the first");
        let wait = admission.check().unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
    }

    #[test]
    fn rejections_get_successive_slots() {
        let admission = Admission::new(NonZeroU32::new(10).unwrap());
        assert!(admission.check().is_ok());
        let waits: Vec<Duration> = (0..5).map(|_| admission.check().unwrap_err()).collect();
        for pair in waits.windows(2) {
            // Each rejection is booked about one interval (100 ms) after the previous one.
            let step = pair[1].saturating_sub(pair[0]);
            assert!(step >= Duration::from_millis(90), "{waits:?}");
            assert!(step <= Duration::from_millis(110), "{waits:?}");
        }
    }

    #[test]
    fn waits_capped() {
        let admission = Admission::new(NonZeroU32::new(1).unwrap());
        for _ in 0..100 {
            let _ = admission.check();
        }
        let wait = admission.check().unwrap_err();
        assert!(wait <= MAX_RETRY_AFTER, "{wait:?}");
    }
}
