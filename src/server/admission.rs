//! Admission control: one global GCRA limiter in front of the join endpoints.
//!
//! The limiter is global, not per IP address, because a classroom of phones behind one NAT shares
//! a single address. Requests over the rate get 429 with the time until the next free slot.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// The join endpoints' rate limiter.
pub struct Admission {
    limiter: DefaultDirectRateLimiter,
    clock: DefaultClock,
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
        }
    }

    /// Admits one request, or returns how long until the next would be admitted.
    pub fn check(&self) -> Result<(), Duration> {
        self.limiter
            .check()
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
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
        assert!(wait <= Duration::from_millis(50), "{wait:?}");
    }
}
