//! Scoring zero-shot predictions: top-1 / top-5, mean per-class accuracy, confusion.
use crate::metrics::Confusion;
use crate::results::{ColumnKind, ResultTable};
use serde_json::json;
use tch::Tensor;

pub struct Evaluation {
    pub top1: f64,
    pub top5: f64,
    pub mean_per_class: f64,
    pub confusion: Confusion,
}

/// `scores` [images, classes], `labels` the true class of each row.
pub fn evaluate(scores: &Tensor, labels: &[i64], classes: usize) -> Evaluation {
    let predicted = Vec::<i64>::try_from(scores.argmax(-1, false)).unwrap_or_default();
    let k = 5.min(classes as i64);
    let (_, top) = scores.topk(k, -1, true, true);
    let truth = Tensor::from_slice(labels).unsqueeze(1);
    let hits = top.eq_tensor(&truth).any_dim(1, false);
    let top5 = hits.to_kind(tch::Kind::Float).mean(tch::Kind::Float).double_value(&[]);
    let confusion = Confusion::from_labels(labels, &predicted, classes);
    let per = confusion.per_class();
    let present: Vec<f64> = per.iter().filter(|m| m.support > 0).map(|m| m.recall).collect();
    let mean_per_class = present.iter().sum::<f64>() / present.len().max(1) as f64;
    Evaluation { top1: confusion.accuracy(), top5, mean_per_class, confusion }
}

/// Whether a `per_class` row is one of the averages rather than a class (`@macro_average`;
/// "macro average" in runs stored before summary rows were terms).
pub fn is_summary_row(class: &str) -> bool {
    class.starts_with('@') || class == "macro average" || class == "weighted average"
}

/// Per-class precision, recall, one-vs-rest accuracy and F1, sorted by F1 (worst
/// first), then the macro and support-weighted averages (rows named by terms, so each
/// language words them).
pub fn per_class_table(e: &Evaluation, names: &[String]) -> ResultTable {
    let mut t = ResultTable::new(
        "per_class",
        "Per-class metrics on the test split (worst F1 first)",
        &[("class", ColumnKind::Text), ("images", ColumnKind::Integer), ("precision", ColumnKind::Percent),
          ("recall", ColumnKind::Percent), ("accuracy_ovr", ColumnKind::Percent), ("f1", ColumnKind::Percent)],
    );
    let per = e.confusion.per_class();
    let mut order: Vec<usize> = (0..per.len()).collect();
    order.sort_by(|&a, &b| per[a].f1.total_cmp(&per[b].f1).then(a.cmp(&b)));
    for i in order {
        let m = per[i];
        t.push(vec![json!(names[i]), json!(m.support), json!(m.precision), json!(m.recall), json!(m.accuracy), json!(m.f1)]);
    }
    let (mp, mr, mf) = e.confusion.macro_avg();
    let (wp, wr, wf) = e.confusion.weighted_avg();
    let n = e.confusion.total();
    let macro_acc = per.iter().map(|m| m.accuracy).sum::<f64>() / per.len().max(1) as f64;
    let weighted_acc = per.iter().map(|m| m.accuracy * m.support as f64).sum::<f64>() / n.max(1) as f64;
    t.push(vec![json!("@macro_average"), json!(n), json!(mp), json!(mr), json!(macro_acc), json!(mf)]);
    t.push(vec![json!("@weighted_average"), json!(n), json!(wp), json!(wr), json!(weighted_acc), json!(wf)]);
    t
}
