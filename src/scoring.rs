//! The points formula and the answer-streak bonus.
//!
//! The formula is Kahoot's, as its support page "How points work" describes it: a correct
//! answer earns `round((1 - (t / T) / 2) * points_possible)`, where `t` is the response time and
//! `T` the question's timer, and any answer within the first half second earns the full points.
//! An answer streak adds a bonus: +100 at a streak of 2, +200 at 3, and so on up to +500. A wrong
//! or missing answer resets the streak.

use std::time::Duration;

/// Response times up to this earn the full points.
pub const FULL_POINTS_WINDOW: Duration = Duration::from_millis(500);
/// Bonus per step of an answer streak.
pub const STREAK_STEP: u64 = 100;
/// Largest streak bonus.
pub const STREAK_MAX_BONUS: u64 = 500;

/// Returns the points for a correct answer given `elapsed` out of `limit`, without the bonus.
///
/// A `limit` of zero or an `elapsed` past it yields half the points, the formula's value at
/// `t = T`; callers reject late answers before scoring them.
pub fn speed_points(points_possible: u32, elapsed: Duration, limit: Duration) -> u64 {
    if elapsed <= FULL_POINTS_WINDOW || limit.is_zero() {
        return u64::from(points_possible);
    }
    let fraction = (elapsed.as_secs_f64() / limit.as_secs_f64()).min(1.0);
    ((1.0 - fraction / 2.0) * f64::from(points_possible)).round() as u64
}

/// Returns the bonus for a correct answer that makes the streak `streak` long (this answer
/// included).
pub fn streak_bonus(streak: u32) -> u64 {
    if streak < 2 {
        return 0;
    }
    (u64::from(streak - 1) * STREAK_STEP).min(STREAK_MAX_BONUS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(20);

    #[test]
    fn first_half_second_earns_full_points() {
        assert_eq!(speed_points(1000, Duration::from_millis(500), T), 1000);
        assert_eq!(speed_points(1000, Duration::ZERO, T), 1000);
    }

    #[test]
    fn halfway_earns_three_quarters() {
        assert_eq!(speed_points(1000, Duration::from_secs(10), T), 750);
    }

    #[test]
    fn at_deadline_earns_half() {
        assert_eq!(speed_points(2000, T, T), 1000);
    }

    #[test]
    fn rounds_to_nearest() {
        // 1 - (3.3 / 20) / 2 = 0.9175 -> 917.5 -> 918.
        assert_eq!(speed_points(1000, Duration::from_millis(3300), T), 918);
    }

    #[test]
    fn zero_point_question_earns_nothing() {
        assert_eq!(speed_points(0, Duration::from_secs(1), T), 0);
    }

    #[test]
    fn streak_bonus_steps_and_cap() {
        let bonuses: Vec<u64> = (0..=8).map(streak_bonus).collect();
        assert_eq!(bonuses, vec![0, 0, 100, 200, 300, 400, 500, 500, 500]);
    }
}
