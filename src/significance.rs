//! Comparing methods on the same questions: bootstrap intervals of an accuracy, McNemar's
//! exact test on paired right/wrong outcomes, and majority voting over sampled answers
//! (self-consistency), with accuracy as a function of the number of votes.
use crate::data::rng::SplitMix64;

/// Accuracy and its percentile bootstrap 95% interval (resampling questions).
pub fn bootstrap_accuracy(correct: &[bool], resamples: usize, seed: u64) -> (f64, f64, f64) {
    let n = correct.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let acc = correct.iter().filter(|&&c| c).count() as f64 / n as f64;
    let mut rng = SplitMix64::new(seed);
    let mut stats: Vec<f64> = (0..resamples.max(1))
        .map(|_| (0..n).filter(|_| correct[rng.below(n)]).count() as f64 / n as f64)
        .collect();
    stats.sort_by(f64::total_cmp);
    let at = |q: f64| stats[((q * (stats.len() - 1) as f64).round() as usize).min(stats.len() - 1)];
    (acc, at(0.025), at(0.975))
}

/// McNemar's exact two-sided p-value from the discordant pairs: `b` questions only the
/// first method got right, `c` only the second (a binomial test of b against n = b + c at
/// one half, as scipy's binomtest computes it for a symmetric null).
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let k = b.min(c);
    // P(X <= k) for X ~ Binomial(n, 1/2), summed in logs to stay finite for large n.
    let ln_half_n = -(n as f64) * std::f64::consts::LN_2;
    let mut ln_choose = 0.0f64; // ln C(n, 0)
    let mut tail = 0.0;
    for i in 0..=k {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        tail += (ln_choose + ln_half_n).exp();
    }
    (2.0 * tail).min(1.0)
}

/// Paired outcomes of two methods on the same questions → (b, c) for McNemar.
pub fn discordant(first: &[bool], second: &[bool]) -> (u64, u64) {
    first.iter().zip(second).fold((0, 0), |(b, c), (&x, &y)| match (x, y) {
        (true, false) => (b + 1, c),
        (false, true) => (b, c + 1),
        _ => (b, c),
    })
}

/// The most frequent answer among `votes` (unreadable ones abstain); ties go to the answer
/// seen first, so the vote of one sample is that sample.
pub fn majority<T: PartialEq + Clone>(votes: &[Option<T>]) -> Option<T> {
    let mut counts: Vec<(T, usize)> = Vec::new();
    for v in votes.iter().flatten() {
        match counts.iter_mut().find(|(x, _)| x == v) {
            Some((_, n)) => *n += 1,
            None => counts.push((v.clone(), 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(x, _)| x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcnemar_matches_the_binomial_tail() {
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        // b = 1, c = 9: 2 · (1 + 10) / 1024.
        assert!((mcnemar_exact(1, 9) - 22.0 / 1024.0).abs() < 1e-15);
        assert_eq!(mcnemar_exact(5, 5), 1.0);
        assert!(mcnemar_exact(400, 500) < 0.002 && mcnemar_exact(400, 500) > 0.0005);
        assert_eq!(discordant(&[true, true, false, false], &[true, false, true, true]), (1, 2));
    }

    #[test]
    fn bootstrap_interval_brackets_the_accuracy() {
        let correct: Vec<bool> = (0..200).map(|i| i % 4 != 0).collect();
        let (acc, lo, hi) = bootstrap_accuracy(&correct, 2000, 1);
        assert_eq!(acc, 0.75);
        assert!(lo < acc && acc < hi && hi - lo < 0.15 && hi - lo > 0.08, "{lo}..{hi}");
        assert_eq!(bootstrap_accuracy(&correct, 2000, 1), (acc, lo, hi), "seeded");
    }

    #[test]
    fn majority_ignores_abstentions_and_breaks_ties_by_order() {
        assert_eq!(majority(&[Some(2), None, Some(3), Some(3)]), Some(3));
        assert_eq!(majority(&[Some(4), Some(1)]), Some(4));
        assert_eq!(majority::<i32>(&[None, None]), None);
    }
}
