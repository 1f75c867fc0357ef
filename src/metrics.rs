//! Classification metrics: confusion matrix, per-class precision / recall / F1 /
//! one-vs-rest accuracy, and their macro and support-weighted averages.
//! Definitions follow scikit-learn (`precision_recall_fscore_support`, zero_division=0).

/// Counts indexed [true class][predicted class].
#[derive(Debug, Clone, PartialEq)]
pub struct Confusion {
    pub classes: usize,
    counts: Vec<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassMetrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// One-vs-rest accuracy: (TP + TN) / N.
    pub accuracy: f64,
    pub support: u64,
}

impl Confusion {
    pub fn new(classes: usize) -> Self {
        Self { classes, counts: vec![0; classes * classes] }
    }

    /// Builds from labels; values outside 0..classes are a caller bug and panic.
    pub fn from_labels(truth: &[i64], predicted: &[i64], classes: usize) -> Self {
        assert_eq!(truth.len(), predicted.len(), "truth and predictions differ in length");
        let mut c = Self::new(classes);
        for (&t, &p) in truth.iter().zip(predicted) {
            c.add(t as usize, p as usize);
        }
        c
    }

    pub fn add(&mut self, truth: usize, predicted: usize) {
        self.counts[truth * self.classes + predicted] += 1;
    }

    pub fn get(&self, truth: usize, predicted: usize) -> u64 {
        self.counts[truth * self.classes + predicted]
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn accuracy(&self) -> f64 {
        let correct: u64 = (0..self.classes).map(|i| self.get(i, i)).sum();
        ratio(correct, self.total())
    }

    pub fn per_class(&self) -> Vec<ClassMetrics> {
        let n = self.total();
        (0..self.classes)
            .map(|k| {
                let tp = self.get(k, k);
                let actual: u64 = (0..self.classes).map(|p| self.get(k, p)).sum();
                let predicted: u64 = (0..self.classes).map(|t| self.get(t, k)).sum();
                let precision = ratio(tp, predicted);
                let recall = ratio(tp, actual);
                let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
                let fp = predicted - tp;
                let fn_ = actual - tp;
                let accuracy = ratio(n - fp - fn_, n);
                ClassMetrics { precision, recall, f1, accuracy, support: actual }
            })
            .collect()
    }

    /// Unweighted mean over classes of (precision, recall, F1).
    pub fn macro_avg(&self) -> (f64, f64, f64) {
        let per = self.per_class();
        let k = per.len().max(1) as f64;
        (
            per.iter().map(|m| m.precision).sum::<f64>() / k,
            per.iter().map(|m| m.recall).sum::<f64>() / k,
            per.iter().map(|m| m.f1).sum::<f64>() / k,
        )
    }

    /// Support-weighted mean over classes of (precision, recall, F1).
    pub fn weighted_avg(&self) -> (f64, f64, f64) {
        let per = self.per_class();
        let n = per.iter().map(|m| m.support).sum::<u64>().max(1) as f64;
        let w = |f: fn(&ClassMetrics) -> f64| per.iter().map(|m| f(m) * m.support as f64).sum::<f64>() / n;
        (w(|m| m.precision), w(|m| m.recall), w(|m| m.f1))
    }

    /// Off-diagonal cells, largest first: (true, predicted, count).
    pub fn most_confused(&self, limit: usize) -> Vec<(usize, usize, u64)> {
        let mut cells: Vec<(usize, usize, u64)> = (0..self.classes)
            .flat_map(|t| (0..self.classes).map(move |p| (t, p)))
            .filter(|(t, p)| t != p)
            .map(|(t, p)| (t, p, self.get(t, p)))
            .filter(|c| c.2 > 0)
            .collect();
        cells.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
        cells.truncate(limit);
        cells
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Mean and sample standard deviation (0 for a single value) of runs over seeds.
pub fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 { v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sample_std() {
        let (m, s) = mean_std(&[0.5, 0.7]);
        assert!((m - 0.6).abs() < 1e-12);
        assert!((s - 0.141_421_356).abs() < 1e-8);
        assert_eq!(mean_std(&[0.3]), (0.3, 0.0));
    }

    #[test]
    fn matches_hand_computed_values() {
        // truth:     0 0 0 1 1 2
        // predicted: 0 0 1 1 2 2
        let c = Confusion::from_labels(&[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 2, 2], 3);
        let m = c.per_class();
        assert!((m[0].precision - 1.0).abs() < 1e-12 && (m[0].recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((m[1].precision - 0.5).abs() < 1e-12 && (m[1].recall - 0.5).abs() < 1e-12);
        assert!((m[2].precision - 0.5).abs() < 1e-12 && (m[2].recall - 1.0).abs() < 1e-12);
        assert!((m[0].f1 - 0.8).abs() < 1e-12);
        assert!((m[0].accuracy - 5.0 / 6.0).abs() < 1e-12);
        assert!((c.accuracy() - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(c.most_confused(5), vec![(0, 1, 1), (1, 2, 1)]);
    }

    #[test]
    fn class_never_predicted_has_zero_precision() {
        let c = Confusion::from_labels(&[0, 1], &[0, 0], 2);
        assert_eq!(c.per_class()[1].precision, 0.0);
        assert_eq!(c.per_class()[1].f1, 0.0);
    }
}
