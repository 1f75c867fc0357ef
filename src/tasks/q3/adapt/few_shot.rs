//! Few-shot curves: test top-1 (mean ± std over seeds) against training images per
//! class, stored as a table so another experiment can draw them beside its own.
use crate::results::{ColumnKind, ResultTable};
use crate::tasks::q3::stored::column;
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub struct CurvePoint {
    /// "1", "2", … or "full".
    pub shots: String,
    pub mean: f64,
    pub std: f64,
    pub runs: usize,
}

impl CurvePoint {
    /// Mean and sample standard deviation of one point's runs.
    pub fn of(shots: &str, runs: &[f64]) -> Self {
        let n = runs.len().max(1) as f64;
        let mean = runs.iter().sum::<f64>() / n;
        let var = if runs.len() > 1 { runs.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
        Self { shots: shots.to_string(), mean, std: var.sqrt(), runs: runs.len() }
    }
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

pub fn table(curves: &[Curve]) -> ResultTable {
    let mut t = ResultTable::new(
        TABLE,
        "Few-shot test top-1 (mean ± std over seeds)",
        &[("method", ColumnKind::Text), ("shots per class", ColumnKind::Text), ("top-1 mean", ColumnKind::Percent), ("top-1 std", ColumnKind::Percent), ("runs", ColumnKind::Integer)],
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
    let cols = ["method", "shots per class", "top-1 mean", "top-1 std", "runs"].map(|c| column(t, c));
    let [Some(mi), Some(si), Some(ai), Some(di), Some(ri)] = cols else { return Vec::new() };
    let mut curves: Vec<Curve> = Vec::new();
    for row in &t.rows {
        let (Some(method), Some(shots)) = (row[mi].as_str(), row[si].as_str()) else { continue };
        let point = CurvePoint { shots: shots.to_string(), mean: row[ai].as_f64().unwrap_or(f64::NAN), std: row[di].as_f64().unwrap_or(0.0), runs: row[ri].as_u64().unwrap_or(0) as usize };
        match curves.iter_mut().find(|c| c.method == method) {
            Some(c) => c.points.push(point),
            None => curves.push(Curve { method: method.to_string(), points: vec![point] }),
        }
    }
    curves
}

/// The fewest shots at which `challenger` reaches `leader` (None: it never does).
pub fn first_meeting(leader: &Curve, challenger: &Curve) -> Option<String> {
    leader.points.iter().find(|p| challenger.at(&p.shots).is_some_and(|c| c.mean >= p.mean)).map(|p| p.shots.clone())
}

pub fn chart(title: &str, curves: &[Curve], zero_shot: f64) -> anyhow::Result<String> {
    let mut labels: Vec<String> = Vec::new();
    for p in curves.iter().flat_map(|c| &c.points) {
        if !labels.contains(&p.shots) {
            labels.push(p.shots.clone());
        }
    }
    let series: Vec<crate::plots::BandSeries> = curves
        .iter()
        .map(|c| crate::plots::BandSeries {
            name: c.method.clone(),
            points: labels.iter().map(|l| c.at(l).map_or((f64::NAN, 0.0), |p| (p.mean, p.std))).collect(),
        })
        .collect();
    crate::plots::few_shot_chart(title, &labels, &series, Some(("zero-shot", zero_shot)))
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
        let back = from_table(&table(&[text.clone(), probe.clone()]));
        assert_eq!(back, vec![text.clone(), probe.clone()]);
        assert_eq!(first_meeting(&text, &probe).as_deref(), Some("2"));
        assert_eq!(first_meeting(&probe, &text).as_deref(), Some("1"));
        assert_eq!(first_meeting(&text, &curve("weak", &[("1", 0.1)])), None);
    }
}
