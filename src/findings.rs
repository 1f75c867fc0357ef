//! The verdicts a report states, decided in Rust beside the numbers that decide them:
//! a comparison has three outcomes (ahead, level within a stated tolerance, behind), so a
//! sentence that explains a difference is only printed when there is one.
use serde::{Deserialize, Serialize};

/// Two accuracies closer than this (half a percentage point) are reported as level: on
/// the test sets here that is at most a handful of images, within the noise of a seed.
pub const ACCURACY_TOLERANCE: f64 = 0.005;

/// Two durations or sizes whose ratio is within 10% of 1 are reported as level.
pub const RATIO_TOLERANCE: f64 = 0.10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The first is larger by more than the tolerance.
    Ahead,
    /// Within the tolerance of each other.
    Level,
    /// The first is smaller by more than the tolerance.
    Behind,
}

impl Outcome {
    /// `a` against `b`, level when they differ by at most `tolerance`.
    pub fn compare(a: f64, b: f64, tolerance: f64) -> Outcome {
        if a > b + tolerance {
            Outcome::Ahead
        } else if a < b - tolerance {
            Outcome::Behind
        } else {
            Outcome::Level
        }
    }

    /// Accuracies (fractions), with `ACCURACY_TOLERANCE`.
    pub fn accuracy(a: f64, b: f64) -> Outcome {
        Outcome::compare(a, b, ACCURACY_TOLERANCE)
    }

    /// A ratio against 1, with `RATIO_TOLERANCE`: Ahead when the ratio is above 1.1.
    pub fn ratio(r: f64) -> Outcome {
        Outcome::compare(r, 1.0, RATIO_TOLERANCE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_outcomes_with_a_tolerance() {
        assert_eq!(Outcome::accuracy(0.80, 0.79), Outcome::Ahead);
        assert_eq!(Outcome::accuracy(0.7917, 0.7917), Outcome::Level);
        assert_eq!(Outcome::accuracy(0.792, 0.790), Outcome::Level);
        assert_eq!(Outcome::accuracy(0.70, 0.79), Outcome::Behind);
        assert_eq!(Outcome::ratio(1.19), Outcome::Ahead);
        assert_eq!(Outcome::ratio(1.05), Outcome::Level);
        assert_eq!(Outcome::ratio(0.5), Outcome::Behind);
    }
}
