//! Per-class metrics equal scikit-learn's precision_recall_fscore_support (zero_division=0),
//! including classes never predicted and classes absent from the truth.
mod common;
use adaptlab::metrics::Confusion;

#[test]
fn per_class_metrics_match_scikit_learn() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("metrics.json");
    common::python::run_reference("metrics_reference.py", &[out.to_str().unwrap()]);
    let cases: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    let floats = |v: &serde_json::Value| -> Vec<f64> { v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
    let ints = |v: &serde_json::Value| -> Vec<i64> { v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect() };
    for case in &cases {
        let k = case["classes"].as_u64().unwrap() as usize;
        let c = Confusion::from_labels(&ints(&case["truth"]), &ints(&case["pred"]), k);
        let per = c.per_class();
        let close = |a: f64, b: f64, what: &str| assert!((a - b).abs() < 1e-12, "{what}: {a} vs scikit-learn {b} ({k} classes)");
        for (i, m) in per.iter().enumerate() {
            close(m.precision, floats(&case["precision"])[i], "precision");
            close(m.recall, floats(&case["recall"])[i], "recall");
            close(m.f1, floats(&case["f1"])[i], "F1");
            assert_eq!(m.support as i64, ints(&case["support"])[i]);
        }
        close(c.accuracy(), case["accuracy"].as_f64().unwrap(), "accuracy");
        let (mp, mr, mf) = c.macro_avg();
        let (wp, wr, wf) = c.weighted_avg();
        for (ours, theirs, what) in [(mp, 0, "macro P"), (mr, 1, "macro R"), (mf, 2, "macro F1")] {
            close(ours, floats(&case["macro"])[theirs], what);
        }
        for (ours, theirs, what) in [(wp, 0, "weighted P"), (wr, 1, "weighted R"), (wf, 2, "weighted F1")] {
            close(ours, floats(&case["weighted"])[theirs], what);
        }
    }
}

#[test]
fn mcnemar_exact_matches_scipy_binomtest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("metrics.json");
    common::python::run_reference("metrics_reference.py", &[out.to_str().unwrap()]);
    let cases: Vec<(u64, u64, f64)> = serde_json::from_str(&std::fs::read_to_string(dir.path().join("metrics.json.mcnemar.json")).unwrap()).unwrap();
    assert_eq!(cases.len(), 7);
    for (b, c, p) in cases {
        let ours = adaptlab::significance::mcnemar_exact(b, c);
        assert!((ours - p).abs() <= 1e-9 * p.max(1e-300) + 1e-15, "b={b} c={c}: {ours} vs scipy {p}");
    }
}
