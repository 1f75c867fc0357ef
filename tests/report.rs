//! Report rendering: Markdown snapshots in both languages from fixed results, HTML that
//! is well formed and self-contained, right-to-left for Persian, and escaped values.
use adaptlab::events::{ExpStatus, RunStatus};
use adaptlab::report::{self, Lang};
use adaptlab::results::{ColumnKind, ResultTable};
use adaptlab::store::{NewExperiment, Store};
use serde_json::json;

/// A store holding one run with a finished smoke experiment, a failed one, and one
/// whose result contains markup.
fn fixture() -> (tempfile::TempDir, Store, String) {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let run = store.create_run("demo", "builtin:demo", "name: demo\n", &["demo.smoke".into(), "q3.zs".into(), "q5.bad".into()]).unwrap();
    let exp = |id, part, task, title| NewExperiment { exp_id: id, part, task, title, seed: 7, device: "cpu" };
    store.add_experiment(&run, 0, &exp("demo.smoke", "demo", "smoke", "Small CNN on generated shapes")).unwrap();
    store.add_experiment(&run, 1, &exp("q3.zs", "q3a", "clip_zero_shot", "Zero-shot")).unwrap();
    store.add_experiment(&run, 2, &exp("q5.bad", "q5", "vit_lora", "<b>bold</b> title")).unwrap();
    store.experiment_started(&run, "demo.smoke", "h1", "cpu").unwrap();
    for step in 1..=4u64 {
        store.record_metric(&run, "demo.smoke", "train/loss", step, 2.0 / step as f64).unwrap();
        store.record_metric(&run, "demo.smoke", "train/accuracy", step, 0.2 * step as f64).unwrap();
        store.record_metric(&run, "demo.smoke", "test/accuracy", step, 0.21 * step as f64).unwrap();
    }
    let mut summary = ResultTable::new("summary", "Smoke", &[("test_accuracy", ColumnKind::Percent), ("parameters", ColumnKind::Integer)]);
    summary.push(vec![json!(0.84), json!(1234)]);
    store.record_table(&run, "demo.smoke", &summary).unwrap();
    let mut per_class = ResultTable::new("per_class", "Per class", &[("class", ColumnKind::Text), ("f1", ColumnKind::Percent)]);
    per_class.push(vec![json!("circle"), json!(0.9)]);
    per_class.push(vec![json!("a|b <script>alert(1)</script>"), json!(null)]);
    store.record_table(&run, "demo.smoke", &per_class).unwrap();
    let values = json!({
        "parameters": 1234, "steps": 4, "classes": 2, "test_accuracy": 0.84, "chance_accuracy": 0.5,
        "worst_class": "ring_<i>", "worst_class_f1": 0.7,
        "confused_true": "ring", "confused_predicted": "cross", "confused_count": 3,
        "findings": adaptlab::tasks::smoke::findings(0.84, 0.5)
    });
    store.experiment_ended(&run, "demo.smoke", ExpStatus::Finished, None, Some(12.5), values.as_object().unwrap(), None).unwrap();
    store.experiment_ended(&run, "q3.zs", ExpStatus::Skipped, Some("disabled in the suite"), None, &Default::default(), None).unwrap();
    store.experiment_ended(&run, "q5.bad", ExpStatus::Failed, Some("weights missing: <run> `adaptlab fetch`"), None, &Default::default(), None).unwrap();
    store.finish_run(&run, RunStatus::Failed).unwrap();
    (home, store, run)
}

/// The rendered Markdown with the run id and times replaced, for stable snapshots.
fn markdown(lang: Lang) -> String {
    let (_home, store, run) = fixture();
    let mut model = report::build(&store, &run, lang).unwrap();
    model.generated_at = "GENERATED".into();
    let rendered = report::render(&model).unwrap();
    rendered.markdown.replace(&run, "RUN_ID")
}

#[test]
fn english_markdown() {
    insta::assert_snapshot!(markdown(Lang::En));
}

#[test]
fn persian_markdown() {
    insta::assert_snapshot!(markdown(Lang::Fa));
}

fn check_well_formed(html: &str) {
    let mut reader = quick_xml::Reader::from_str(html);
    let mut depth: i64 = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("HTML is not well formed at byte {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "every element is closed");
}

#[test]
fn html_is_well_formed_self_contained_and_escaped() {
    for lang in [Lang::En, Lang::Fa] {
        let (_home, store, run) = fixture();
        let out = tempfile::tempdir().unwrap();
        let written = report::render_run(&store, &run, lang, out.path()).unwrap();
        let html = std::fs::read_to_string(&written.html).unwrap();
        check_well_formed(&html);
        let expected = match lang {
            Lang::En => "<html lang=\"en\" dir=\"ltr\">",
            Lang::Fa => "<html lang=\"fa\" dir=\"rtl\">",
        };
        assert!(html.contains(expected), "{expected}");
        // Plots are inline SVG; nothing is fetched from anywhere.
        assert_eq!(html.matches("<svg").count(), 2);
        for external in ["src=\"plots/", "src=\"http", "href=\"http", "url(http", "<link", "@import"] {
            assert!(!html.contains(external), "the HTML must not reference {external}");
        }
        // Values from results never become markup.
        assert!(!html.contains("<script>") && !html.contains("<b>bold</b>") && !html.contains("<i>"));
        assert!(html.contains("&lt;script&gt;"));
        // The Markdown references the SVG files written beside it.
        let md = std::fs::read_to_string(&written.markdown).unwrap();
        for name in ["demo.smoke-train_loss.svg", "demo.smoke-test_accuracy.svg"] {
            assert!(md.contains(&format!("(plots/{name})")));
            assert!(out.path().join("plots").join(name).is_file());
        }
    }
}

#[test]
fn the_summary_text_follows_the_findings() {
    let (_home, store, run) = fixture();
    for lang in [Lang::En, Lang::Fa] {
        let mut model = report::build(&store, &run, lang).unwrap();
        let text = report::render(&model).unwrap().markdown;
        let above = if lang == Lang::En { "above chance but not yet reliable" } else { "دقت از حدس تصادفی بیشتر است" };
        assert!(text.contains(above), "0.84 is between chance and 0.9: {text}");
        for (accuracy, learnt) in [(0.97, true), (0.5, false)] {
            let exp = model.questions.iter_mut().find(|q| q.key == "demo").unwrap().experiments.get_mut(0).unwrap();
            exp.values.insert("test_accuracy".into(), json!(accuracy));
            exp.values.insert("findings".into(), json!(adaptlab::tasks::smoke::findings(accuracy, 0.5)));
            let text = report::render(&model).unwrap().markdown;
            let (words, number) = match lang {
                Lang::En => (if learnt { "learnt the shapes themselves" } else { "did not learn beyond chance" }, format!("{:.2}%", accuracy * 100.0)),
                Lang::Fa => (if learnt { "خودِ شکل‌ها را یاد گرفته است" } else { "بیش از حدس تصادفی یاد نگرفت" }, report::i18n::localise_digits(&format!("{:.2}%", accuracy * 100.0), Lang::Fa)),
            };
            assert!(text.contains(words) && text.contains(&number), "{lang:?} {accuracy}: {text}");
        }
    }
}
