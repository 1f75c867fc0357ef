//! Per-class splits by index: a held-out part of each class (validation, prompt choice)
//! and k-shot subsets, deterministic by seed and independent of any file layout.
use super::rng::SplitMix64;
use std::collections::BTreeMap;

/// Positions in `labels`, grouped by class in ascending class order, each group
/// shuffled by `rng`.
fn shuffled_groups(labels: &[usize], rng: &mut SplitMix64) -> Vec<Vec<usize>> {
    let mut by_class: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &label) in labels.iter().enumerate() {
        by_class.entry(label).or_default().push(i);
    }
    by_class
        .into_values()
        .map(|mut members| {
            for i in (1..members.len()).rev() {
                members.swap(i, rng.below(i + 1));
            }
            members
        })
        .collect()
}

/// (kept, held): about `fraction` of each class's positions held out, never a class's
/// last member, so every class keeps at least one example.
pub fn per_class_holdout(labels: &[usize], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = SplitMix64::new(seed);
    let (mut kept, mut held) = (Vec::new(), Vec::new());
    for members in shuffled_groups(labels, &mut rng) {
        let n_held = ((members.len() as f64 * fraction).round() as usize).min(members.len().saturating_sub(1));
        held.extend_from_slice(&members[..n_held]);
        kept.extend_from_slice(&members[n_held..]);
    }
    (kept, held)
}

/// `shots` positions of each class (all of a class that has fewer), chosen by seed.
pub fn few_shot(labels: &[usize], shots: usize, seed: u64) -> Vec<usize> {
    let mut rng = SplitMix64::new(seed ^ 0x5e1e_c7ed);
    shuffled_groups(labels, &mut rng).into_iter().flat_map(|m| m.into_iter().take(shots)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holdout_is_per_class_disjoint_and_deterministic() {
        let labels: Vec<usize> = (0..50).map(|i| i % 5).collect();
        let (kept, held) = per_class_holdout(&labels, 0.2, 3);
        assert_eq!(held.len(), 10);
        assert_eq!(kept.len() + held.len(), 50);
        for class in 0..5 {
            assert_eq!(held.iter().filter(|&&i| labels[i] == class).count(), 2);
        }
        assert!(kept.iter().all(|i| !held.contains(i)));
        assert_eq!(per_class_holdout(&labels, 0.2, 3), (kept, held.clone()));
        assert_ne!(per_class_holdout(&labels, 0.2, 4).1, held);
    }

    #[test]
    fn few_shot_takes_k_per_class_and_varies_with_seed() {
        let labels: Vec<usize> = (0..60).map(|i| i % 3).collect();
        let four = few_shot(&labels, 4, 1);
        assert_eq!(four.len(), 12);
        for class in 0..3 {
            assert_eq!(four.iter().filter(|&&i| labels[i] == class).count(), 4);
        }
        assert_eq!(few_shot(&labels, 4, 1), four);
        assert_ne!(few_shot(&labels, 4, 2), four);
        // A class with fewer members than shots gives all it has.
        assert_eq!(few_shot(&[0, 0, 1], 5, 0).len(), 3);
    }
}
