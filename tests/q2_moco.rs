//! Question 2 end to end on tiny encoders: the `moco` task on a user's image folder (class
//! sub-folders, a grayscale scan, an empty and a broken file skipped and listed), on an
//! unlabelled folder (trained, not scored, and the report says only what it can), on an
//! empty folder (a clear error); the demo data with every study renders in both languages
//! with sentences chosen by the run; bad params are refused with the reason.
mod common;
use adaptlab::events::Event;
use adaptlab::paths::Paths;
use adaptlab::report::{self, Lang};
use adaptlab::run::RunOptions;
use adaptlab::store::Store;
use adaptlab::tasks::parse_suite;
use std::path::Path;

fn suite(dataset: &str, extra: &str) -> String {
    format!(
        r#"
name: q2
defaults: {{ seed: 3, device: cpu }}
experiments:
  - id: moco
    part: q2
    task: moco
    params:
      dataset: "{dataset}"
      image_size: 16
      width: 4
      bn_splits: 2
      dim: 8
      batch_size: 8
      knn_k: 5
      label_fraction: 0.5
      holdout: 0.25
      eval_points: 2
{extra}
"#
    )
}

const MOMENTUM_ONLY: &str = "      studies: [momentum]\n      momentum: { values: [0.0, 0.99], queue: 16, steps: 6 }\n";

/// A PNG whose pixels depend on `class` (so the classes differ) and `i`.
fn png(path: &Path, class: u32, i: u32, gray: bool) {
    let (w, h) = (20 + i % 5, 18);
    let channels = if gray { 1 } else { 3 };
    let data: Vec<u8> = (0..w * h * channels).map(|k| ((k * (3 + class * 5) + i * 11) % 256) as u8).collect();
    let mut enc = png::Encoder::new(std::fs::File::create(path).unwrap(), w, h);
    enc.set_color(if gray { png::ColorType::Grayscale } else { png::ColorType::Rgb });
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().unwrap().write_image_data(&data).unwrap();
}

fn failures(events: &[Event]) -> Vec<&Event> {
    events.iter().filter(|e| matches!(e, Event::Failed { .. })).collect()
}

fn render_both(home: &Path, run_id: &str) -> Vec<String> {
    let store = Store::open(&Paths::under(home).home).unwrap();
    [Lang::En, Lang::Fa]
        .into_iter()
        .map(|lang| {
            let model = report::build(&store, run_id, lang).unwrap();
            let (rendered, failed) = report::render_checked(&model).unwrap();
            assert!(failed.is_empty(), "{lang:?}: {failed:?}");
            rendered.markdown
        })
        .collect()
}

#[test]
fn a_folder_of_scans_trains_skips_bad_files_and_reports_them() {
    let data = tempfile::tempdir().unwrap();
    for (class, name) in ["glioma", "healthy"].iter().enumerate() {
        let dir = data.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        for i in 0..16 {
            png(&dir.join(format!("scan{i:02}.png")), class as u32, i, i % 4 == 0);
        }
    }
    std::fs::write(data.path().join("healthy/empty.png"), b"").unwrap();
    std::fs::write(data.path().join("glioma/broken.jpg"), b"\xff\xd8 not a jpeg").unwrap();
    let home = tempfile::tempdir().unwrap();
    let yaml = suite(data.path().to_str().unwrap(), MOMENTUM_ONLY);
    let (events, outcome) = common::run_all(parse_suite(&yaml, "q2.yaml").unwrap(), RunOptions::default(), home.path());
    assert!(outcome.not_finished.is_empty(), "{:?}", failures(&events));
    assert_eq!(common::value(&events, "moco", "skipped_images"), Some(serde_json::json!(2)));
    let warned = events.iter().any(|e| matches!(e, Event::Log { line, .. } if line.contains("2 image(s) skipped") && line.contains("empty.png") && line.contains("broken.jpg")));
    assert!(warned, "the skipped files are listed in the log");
    // 32 scans, a quarter of each class held out for testing.
    assert_eq!(common::value(&events, "moco", "train_images"), Some(serde_json::json!(24)));
    assert_eq!(common::value(&events, "moco", "test_images"), Some(serde_json::json!(8)));
    let findings = common::value(&events, "moco", "findings").unwrap();
    assert_eq!(findings["evaluated"], true);
    assert!(findings["momentum"]["zero_vs_best"].is_string(), "{findings}");
    let [en, fa]: [String; 2] = render_both(home.path(), &outcome.run_id).try_into().unwrap();
    assert!(en.contains("could not be used and were skipped") && en.contains("empty.png"), "{en}");
    assert!(fa.contains("کنار گذاشته شد"));
    assert!(en.contains("Study (a): the momentum in our runs"));
    assert!(!en.contains("Study (b)") && !en.contains("Study (c)"), "studies that did not run are not described");
}

#[test]
fn unlabelled_images_train_and_the_report_claims_no_accuracy() {
    let data = tempfile::tempdir().unwrap();
    for i in 0..20 {
        png(&data.path().join(format!("x{i:02}.png")), i % 2, i, false);
    }
    let home = tempfile::tempdir().unwrap();
    let (events, outcome) = common::run_all(parse_suite(&suite(data.path().to_str().unwrap(), MOMENTUM_ONLY), "q2.yaml").unwrap(), RunOptions::default(), home.path());
    assert!(outcome.not_finished.is_empty(), "{:?}", failures(&events));
    let findings = common::value(&events, "moco", "findings").unwrap();
    assert_eq!(findings["evaluated"], false);
    assert!(common::value(&events, "moco", "momentum_best_knn").is_none());
    let [en, _fa]: [String; 2] = render_both(home.path(), &outcome.run_id).try_into().unwrap();
    assert!(en.contains("Study (a)"), "{en}");
    assert!(!en.contains("In our runs m = 0 reaches") && !en.contains("The best kNN accuracy of our runs"), "no accuracy sentence without labels");
    assert!(en.contains("cannot be scored"), "the setup says why nothing is scored");
}

#[test]
fn an_empty_folder_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let (events, outcome) = common::run_all(parse_suite(&suite(data.path().to_str().unwrap(), MOMENTUM_ONLY), "q2.yaml").unwrap(), RunOptions::default(), home.path());
    assert_eq!(outcome.not_finished, vec!["moco".to_string()]);
    let message = failures(&events).iter().find_map(|e| match e {
        Event::Failed { error, .. } => Some(error.clone()),
        _ => None,
    });
    assert!(message.as_deref().is_some_and(|m| m.contains("no images in") && m.contains(".png")), "{message:?}");
}

#[test]
fn every_study_on_generated_images_renders_in_both_languages() {
    let home = tempfile::tempdir().unwrap();
    let extra = "      demo_train: 96\n      demo_test: 40\n      demo_classes: 4\n      momentum: { values: [0.0, 0.9, 0.9999], queue: 16, steps: 6 }\n      queue: { sizes: [0, 8, 16], momentum: 0.9, inconsistent_momentum: 0.0, steps: 6 }\n      offline: { images: 24, copies: 2, steps: 4, momentum: 0.9, queue: 16, seeds: [1, 2], full_reference: true }\n";
    let (events, outcome) = common::run_all(parse_suite(&suite("demo", extra), "q2.yaml").unwrap(), RunOptions::default(), home.path());
    assert!(outcome.not_finished.is_empty(), "{:?}", failures(&events));
    let findings = common::value(&events, "moco", "findings").unwrap();
    for key in ["momentum", "queue", "offline"] {
        assert!(findings[key].is_object(), "{key}: {findings}");
    }
    // 24 originals and 2 copies each: 72 instances; the copies show up among the negatives.
    assert_eq!(common::value(&events, "moco", "offline_offline_images"), Some(serde_json::json!(72)));
    let same = common::value(&events, "moco", "offline_offline_same_source").unwrap().as_f64().unwrap();
    assert!(same > 0.0, "copies of a query's image are counted among its negatives ({same})");
    let cancel = common::value(&events, "moco", "offline_offline_cancel_same_source").unwrap().as_f64().unwrap();
    assert!((cancel - same).abs() < 1.0, "the same queue mixes, counted the same way");
    // The queue study's K = 16 at m = 0.9 is the momentum study's m = 0.9 run, not retrained.
    let trained = events.iter().filter(|e| matches!(e, Event::Stage { name, state: adaptlab::events::StageState::Started, .. } if name.contains('/'))).count();
    assert_eq!(trained, 3 + 2 + 10, "momentum 3, queue 2 new (K = 16 shared, the inconsistent run is m = 0 of the momentum study), offline 5 × 2");
    let [en, fa]: [String; 2] = render_both(home.path(), &outcome.run_id).try_into().unwrap();
    for needle in ["Study (a)", "Study (b)", "Study (c)", "Recommendation for the MRI case"] {
        assert!(en.contains(needle), "{needle}");
    }
    assert!(fa.contains("بررسی (ج)") && fa.contains("پیشنهاد برای مورد"));
    // A sentence of the momentum result reads the run's numbers.
    let best = common::value(&events, "moco", "momentum_best_knn").unwrap().as_f64().unwrap();
    assert!(en.contains(&format!("{:.2}%", best * 100.0)), "the best kNN accuracy {best} is quoted");
}

#[test]
fn bad_params_are_refused_with_the_reason() {
    for (params, needle) in [
        ("      momentum: { values: [1.5], queue: 16, steps: 6 }\n", "1.5 is not in [0, 1]"),
        ("      momentum: { values: [0.9], queue: 20, steps: 6 }\n", "not a multiple of batch_size 8"),
        ("      bn_splits: 3\n", "does not divide batch_size 8"),
        ("      encoder: vgg16\n", "unknown encoder `vgg16`"),
        ("      offline: { images: 4, queue: 16 }\n", "do not fill one batch"),
    ] {
        let text = suite("demo", params).replace("      bn_splits: 2\n", if params.contains("bn_splits") { "" } else { "      bn_splits: 2\n" });
        let err = parse_suite(&text, "q2.yaml").unwrap_err().to_string();
        assert!(err.contains(needle), "{params}: {err}");
        assert!(err.contains("q2.yaml:"), "the message names the file and line: {err}");
    }
}
