//! The linear probes against scikit-learn's LogisticRegression on one fixed feature set
//! (seeded, unit-length, overlapping classes): the L-BFGS fit reaches scikit-learn's objective
//! value (or lower) and its probabilities match; the gradient-descent probe, trained as the task trains it,
//! lands within 1% accuracy.
mod common;
use adaptlab::data::split::per_class_holdout;
use adaptlab::nn::class_head::LinearProbe;
use adaptlab::nn::lbfgs::LbfgsOptions;
use adaptlab::nn::logistic::LogisticRegression;
use adaptlab::tasks::q3::params::FitParams;
use adaptlab::tasks::q3::adapt::fit::{accuracy, grid_search, Labelled};
use serde_json::Value;
use tch::{Device, Kind, Tensor};

fn matrix(v: &Value) -> Tensor {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    let (n, d) = (rows.len() as i64, rows[0].len() as i64);
    Tensor::from_slice(&rows.concat()).view([n, d])
}

fn labels(v: &Value) -> Vec<i64> {
    serde_json::from_value(v.clone()).unwrap()
}

fn acc(logits: &Tensor, y: &Tensor) -> f64 {
    logits.argmax(-1, false).eq_tensor(y).to_kind(Kind::Double).mean(Kind::Double).double_value(&[])
}

#[test]
fn probes_match_scikit_learn_logistic_regression() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("probe.json");
    common::python::run_reference("probe_reference.py", &[out.to_str().unwrap()]);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    let classes = doc["classes"].as_i64().unwrap();
    let (x_train, y_train) = (matrix(&doc["x_train"]), labels(&doc["y_train"]));
    let (x_test, y_test) = (matrix(&doc["x_test"]), Tensor::from_slice(&labels(&doc["y_test"])));
    let y_train_t = Tensor::from_slice(&y_train);

    // L-BFGS on scikit-learn's objective: same accuracy, same probabilities.
    for case in doc["cases"].as_array().unwrap() {
        let c = case["c"].as_f64().unwrap();
        let ours = LogisticRegression::fit(&x_train, &y_train_t, classes, c, None, LbfgsOptions { max_iter: 5000, grad_tol: 1e-9, ..Default::default() });
        assert!(ours.converged, "L-BFGS did not converge for C={c}");
        let ours_acc = acc(&ours.logits(&x_test), &y_test);
        let theirs = case["accuracy"].as_f64().unwrap();
        assert!((ours_acc - theirs).abs() <= 0.01, "C={c}: accuracy {ours_acc} vs scikit-learn {theirs}");
        // Our optimum is at least as low as scikit-learn's, and the predictions agree.
        let train_logits = ours.logits(&x_train);
        let objective = train_logits.log_softmax(-1, Kind::Double).nll_loss(&y_train_t).double_value(&[]) + ours.weight.square().sum(Kind::Double).double_value(&[]) / (2.0 * c * y_train.len() as f64);
        let reference = case["objective"].as_f64().unwrap();
        assert!(objective <= reference * (1.0 + 1e-7), "C={c}: objective {objective} vs scikit-learn {reference}");
        let probs = ours.logits(&x_test.narrow(0, 0, 50)).softmax(-1, Kind::Double);
        let diff = (probs - matrix(&case["probabilities"])).abs().max().double_value(&[]);
        assert!(diff < 1e-4, "C={c}: probabilities differ by {diff}");
    }

    // The gradient-descent probe as the task trains it: validation held out of train.
    let label_idx: Vec<usize> = y_train.iter().map(|&l| l as usize).collect();
    let (kept, held) = per_class_holdout(&label_idx, 0.1, 0);
    let pick = |idx: &[usize]| Tensor::from_slice(&idx.iter().map(|&i| i as i64).collect::<Vec<_>>());
    let (xf, yf) = (x_train.to_kind(Kind::Float).index_select(0, &pick(&kept)), y_train_t.index_select(0, &pick(&kept)));
    let (xv, yv) = (x_train.to_kind(Kind::Float).index_select(0, &pick(&held)), y_train_t.index_select(0, &pick(&held)));
    let params = FitParams { lrs: vec![0.01, 0.05], weight_decays: vec![0.0, 1e-4], epochs: 30, batch_size: 256, ..FitParams::default() };
    let build = |vs: &tch::nn::VarStore| LinearProbe::new(&vs.root(), x_train.size()[1], classes);
    let (best, _) = grid_search(&build, Device::Cpu, Labelled { features: &xf, labels: &yf }, Labelled { features: &xv, labels: &yv }, &params, 0, &mut |_, _| Ok(())).unwrap();
    let probe_acc = accuracy(&best.model, Labelled { features: &x_test.to_kind(Kind::Float), labels: &y_test });
    let reference = doc["cases"][0]["accuracy"].as_f64().unwrap();
    assert!((probe_acc - reference).abs() <= 0.01, "gradient-descent probe {probe_acc} vs scikit-learn {reference}");
}
