//! The non-iid halves of the distribution-generalisation study, built the way the authors'
//! `dataset_split.py` builds them: the first half takes `majority` of the examples of one
//! group of labels and is filled to half the set with the others; the second half is the
//! rest. Here the group is the first half of the classes (Food-101 has no label 0 that
//! dominates as GLUE's do).
use crate::data::rng::SplitMix64;

/// Whether `label` is in the first group (the lower half of the `num_classes` labels).
pub fn in_group(label: usize, num_classes: usize) -> bool {
    label < num_classes.div_ceil(2)
}

fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut out = items.to_vec();
    let mut rng = SplitMix64::new(seed);
    for i in (1..out.len()).rev() {
        out.swap(i, rng.below(i + 1));
    }
    out
}

/// Splits `items` (image, label) into two halves of (nearly) equal size; the first holds
/// `majority` of the group's examples (as many as fit in half the set), the second the rest.
pub fn non_iid_halves<T: Clone>(items: &[(T, usize)], num_classes: usize, majority: f64, seed: u64) -> (Vec<(T, usize)>, Vec<(T, usize)>) {
    let (group, other): (Vec<_>, Vec<_>) = shuffled(items, seed ^ 0x5EED_0F_A11).into_iter().partition(|(_, l)| in_group(*l, num_classes));
    let half = items.len() / 2;
    let from_group = ((group.len() as f64 * majority).round() as usize).min(half);
    let from_other = (half - from_group).min(other.len());
    let mut first: Vec<_> = group[..from_group].to_vec();
    first.extend_from_slice(&other[..from_other]);
    let mut second: Vec<_> = group[from_group..].to_vec();
    second.extend_from_slice(&other[from_other..]);
    (first, second)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share_in_group(half: &[(u32, usize)], classes: usize) -> f64 {
        half.iter().filter(|(_, l)| in_group(*l, classes)).count() as f64 / half.len() as f64
    }

    #[test]
    fn halves_partition_the_set_and_skew_the_group() {
        let items: Vec<(u32, usize)> = (0..400).map(|i| (i, (i % 10) as usize)).collect();
        let (a, b) = non_iid_halves(&items, 10, 0.8, 3);
        assert_eq!((a.len(), b.len()), (200, 200));
        let mut all: Vec<u32> = a.iter().chain(&b).map(|(i, _)| *i).collect();
        all.sort();
        assert_eq!(all, (0..400).collect::<Vec<_>>(), "every example in exactly one half");
        // 160 of the 200 group examples go first: the first half is 80% group, the second 20%.
        assert!((share_in_group(&a, 10) - 0.8).abs() < 1e-9, "{}", share_in_group(&a, 10));
        assert!((share_in_group(&b, 10) - 0.2).abs() < 1e-9, "{}", share_in_group(&b, 10));
        let (again, _) = non_iid_halves(&items, 10, 0.8, 3);
        assert_eq!(a, again, "the same seed gives the same halves");
        let (other, _) = non_iid_halves(&items, 10, 0.8, 4);
        assert_ne!(a, other, "another seed draws other examples");
    }

    #[test]
    fn a_group_larger_than_half_fills_the_first_half_alone() {
        // 9 of 10 examples in the group: the first half cannot take 80% of them.
        let items: Vec<(u32, usize)> = (0..100).map(|i| (i, if i % 10 == 0 { 9 } else { 0 })).collect();
        let (a, b) = non_iid_halves(&items, 10, 0.8, 1);
        assert_eq!((a.len(), b.len()), (50, 50));
        assert_eq!(share_in_group(&a, 10), 1.0);
        assert!(in_group(4, 9) && !in_group(5, 9), "an odd count puts the middle class in the first group");
    }
}
