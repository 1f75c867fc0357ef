//! Few-shot curves: test top-1 (mean ± std over seeds) against training images per
//! class, stored as a table so another experiment can draw them beside its own.
use crate::results::{ColumnKind, ResultTable};
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub struct CurvePoint {
    /// "1", "2", … or, for the whole training split, the term cell
    /// `shots-full?images=N` (N: its mean images per class).
    pub shots: String,
    pub mean: f64,
    pub std: f64,
    pub runs: usize,
}

impl CurvePoint {
    /// Mean and sample standard deviation of one point's runs.
    pub fn of(shots: &str, runs: &[f64]) -> Self {
        let (mean, std) = crate::metrics::mean_std(runs);
        Self { shots: shots.to_string(), mean, std, runs: runs.len() }
    }

    /// The label of the whole-training-split point.
    pub fn full_label(images_per_class: f64) -> String {
        crate::results::term_cell("shots-full", &[("images", format!("{images_per_class:.0}"))])
    }

    /// Training images per class at this point (the whole split: its mean; results
    /// stored before term cells wrote it "full (N)").
    pub fn images_per_class(&self) -> Option<f64> {
        if let Ok(k) = self.shots.parse::<f64>() {
            return Some(k);
        }
        let (key, values) = crate::results::split_term(&self.shots);
        match key {
            "shots-full" => values.iter().find(|(name, _)| *name == "images").and_then(|(_, v)| v.parse().ok()),
            _ => legacy_full(&self.shots),
        }
    }
}

/// The whole split's images per class in a label stored before term cells ("full (36)").
fn legacy_full(shots: &str) -> Option<f64> {
    shots.strip_prefix("full (")?.strip_suffix(')')?.parse().ok()
}

#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub method: String,
    pub points: Vec<CurvePoint>,
}

impl Curve {
    pub fn at(&self, shots: &str) -> Option<&CurvePoint> {
        self.points.iter().find(|p| p.shots == shots)
    }
}

pub const TABLE: &str = "few_shot";

/// The curves as a result table named `name`.
pub fn table(name: &str, curves: &[Curve]) -> ResultTable {
    let mut t = ResultTable::new(
        name,
        "Few-shot test top-1 (mean ± std over seeds)",
        &[("method", ColumnKind::Term), ("shots", ColumnKind::Term), ("top1_mean", ColumnKind::Percent), ("top1_std", ColumnKind::Percent), ("runs", ColumnKind::Integer)],
    );
    for c in curves {
        for p in &c.points {
            t.push(vec![json!(c.method), json!(p.shots), json!(p.mean), json!(p.std), json!(p.runs)]);
        }
    }
    t
}

/// The curves of a stored `few_shot` table, in the order they appear.
pub fn from_table(t: &ResultTable) -> Vec<Curve> {
    let cols = ["method", "shots", "top1_mean", "top1_std", "runs"].map(|c| t.column(c));
    let [Some(mi), Some(si), Some(ai), Some(di), Some(ri)] = cols else { return Vec::new() };
    let mut curves: Vec<Curve> = Vec::new();
    for row in &t.rows {
        let (Some(method), Some(shots)) = (row[mi].as_str(), row[si].as_str()) else { continue };
        // Results stored before term cells wrote the whole split "full (N)".
        let shots = legacy_full(shots).map_or_else(|| shots.to_string(), CurvePoint::full_label);
        let point = CurvePoint { shots, mean: row[ai].as_f64().unwrap_or(f64::NAN), std: row[di].as_f64().unwrap_or(0.0), runs: row[ri].as_u64().unwrap_or(0) as usize };
        match curves.iter_mut().find(|c| c.method == method) {
            Some(c) => c.points.push(point),
            None => curves.push(Curve { method: method.to_string(), points: vec![point] }),
        }
    }
    curves
}

/// The fewest shots at which `challenger` reaches `leader` (None: it never does).
pub fn first_meeting<'a>(leader: &'a Curve, challenger: &Curve) -> Option<&'a CurvePoint> {
    leader.points.iter().find(|p| challenger.at(&p.shots).is_some_and(|c| c.mean >= p.mean))
}

/// A meeting point as a report value: training images per class (null: none).
pub fn images_value(point: Option<&CurvePoint>) -> serde_json::Value {
    point.and_then(CurvePoint::images_per_class).map_or(serde_json::Value::Null, serde_json::Value::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(method: &str, means: &[(&str, f64)]) -> Curve {
        Curve { method: method.into(), points: means.iter().map(|(s, m)| CurvePoint { shots: s.to_string(), mean: *m, std: 0.0, runs: 3 }).collect() }
    }

    #[test]
    fn mean_and_sample_std() {
        let p = CurvePoint::of("4", &[0.5, 0.6, 0.7]);
        assert!((p.mean - 0.6).abs() < 1e-12 && (p.std - 0.1).abs() < 1e-12);
        assert_eq!(CurvePoint::of("full", &[0.8]).std, 0.0);
    }

    #[test]
    fn table_round_trips_and_meeting_point() {
        let text = curve("text", &[("1", 0.6), ("2", 0.65), ("full", 0.8)]);
        let probe = curve("probe", &[("1", 0.3), ("2", 0.66), ("full", 0.85)]);
        let back = from_table(&table(TABLE, &[text.clone(), probe.clone()]));
        assert_eq!(back, vec![text.clone(), probe.clone()]);
        assert_eq!(first_meeting(&text, &probe).map(|p| p.shots.as_str()), Some("2"));
        assert_eq!(first_meeting(&probe, &text).map(|p| p.shots.as_str()), Some("1"));
        assert_eq!(first_meeting(&text, &curve("weak", &[("1", 0.1)])), None);
        assert_eq!(images_value(first_meeting(&text, &probe)), json!(2.0));
    }

    #[test]
    fn the_whole_split_point_is_a_term_with_its_images_per_class() {
        let full = CurvePoint::of(&CurvePoint::full_label(36.4), &[0.8]);
        assert_eq!(full.shots, "shots-full?images=36");
        assert_eq!(full.images_per_class(), Some(36.0));
        assert_eq!(CurvePoint::of("full (12)", &[0.8]).images_per_class(), Some(12.0), "results stored before term cells");
        assert_eq!(CurvePoint::of("8", &[0.8]).images_per_class(), Some(8.0));
        assert_eq!(images_value(None), serde_json::Value::Null);
        let old = table(TABLE, &[curve("text", &[("1", 0.6), ("full (36)", 0.8)])]);
        assert_eq!(from_table(&old)[0].points[1].shots, "shots-full?images=36", "an older run's table meets a new one's");
    }
}
