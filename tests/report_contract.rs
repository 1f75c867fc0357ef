//! The task → report contract. A frozen demo run where every implemented kind finished
//! (tests/fixtures/all_kinds.json, made by tests/fixtures/freeze_report_fixture.py) is
//! rendered in both languages in strict mode: every layout must find every value, table,
//! metric and message it names. The verdict sentences are checked against findings with
//! ties and reversals, and the Persian HTML is checked as a browser would lay it out:
//! every left-to-right run inside right-to-left text isolated, no English heading.
use adaptlab::events::RunStatus;
use adaptlab::report::{self, Lang};
use adaptlab::results::ResultTable;
use adaptlab::store::{NewExperiment, Store};
use serde_json::{json, Value};

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    run: String,
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/all_kinds.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let exps = doc["experiments"].as_array().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let ids: Vec<String> = exps.iter().map(|e| e["id"].as_str().unwrap().to_string()).collect();
    let run = store.create_run("demo", "builtin:demo", "name: demo\n", &ids).unwrap();
    for (i, e) in exps.iter().enumerate() {
        let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
        let (id, part, task, title, device) = (s("id"), s("part"), s("task"), s("title"), s("device"));
        store.add_experiment(&run, i, &NewExperiment { exp_id: &id, part: &part, task: &task, title: &title, seed: e["seed"].as_u64().unwrap(), device: &device }).unwrap();
        store.experiment_started(&run, &id, "frozen", &device).unwrap();
        for (name, points) in e["metrics"].as_object().unwrap() {
            for p in points.as_array().unwrap() {
                store.record_metric(&run, &id, name, p[0].as_u64().unwrap(), p[1].as_f64().unwrap()).unwrap();
            }
        }
        for t in e["tables"].as_array().unwrap() {
            store.record_table(&run, &id, &serde_json::from_value::<ResultTable>(t.clone()).unwrap()).unwrap();
        }
        for (name, a) in e["artifacts"].as_object().unwrap() {
            let file = a["file"].as_str().unwrap();
            let dir = store.exp_dir(&run, &id);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(file), a["text"].as_str().unwrap()).unwrap();
            store.record_artifact(&run, &id, name, file).unwrap();
        }
        store.experiment_ended(&run, &id, adaptlab::events::ExpStatus::parse(e["status"].as_str().unwrap()).unwrap(), e["error"].as_str(), e["seconds"].as_f64(), e["values"].as_object().unwrap(), None).unwrap();
    }
    store.finish_run(&run, RunStatus::Finished).unwrap();
    Fixture { _dir: dir, store, run }
}

fn model(f: &Fixture, lang: Lang) -> report::ReportModel {
    let mut m = report::build(&f.store, &f.run, lang).unwrap();
    m.generated_at = "GENERATED".into();
    m
}

/// Renders, requiring that no section failed.
fn render(m: &report::ReportModel) -> report::Rendered {
    let (rendered, failed) = report::render_checked(m).unwrap();
    assert!(failed.is_empty(), "sections that could not be rendered: {failed:#?}");
    rendered
}

#[test]
fn the_fixture_covers_every_implemented_kind_and_each_has_a_layout() {
    let f = fixture();
    let m = model(&f, Lang::En);
    let finished: Vec<&str> = m.questions.iter().flat_map(|q| &q.experiments).filter(|e| e.finished).map(|e| e.task.as_str()).collect();
    for task in adaptlab::tasks::TASKS.iter().filter(|t| t.implemented()) {
        assert!(finished.contains(&task.name()), "the fixture has no finished `{}` experiment; re-freeze it from a demo run", task.name());
        let layout = report::render::layout_name(task.name());
        assert!(report::i18n::TEMPLATES.iter().any(|(name, _)| *name == layout), "no templates/{layout}.md.hbs");
    }
}

#[test]
fn every_section_renders_in_both_languages() {
    let f = fixture();
    for lang in [Lang::En, Lang::Fa] {
        let md = render(&model(&f, lang)).markdown.replace(&f.run, "RUN_ID");
        assert!(!md.contains("{$") && !md.contains("{{"), "an unresolved placeholder in {lang:?}");
        insta::assert_snapshot!(format!("all_kinds_{}", lang.code()), md);
    }
}

/// Sets a finding of the first experiment of `task` and returns its section.
fn section_with(f: &Fixture, lang: Lang, task: &str, finding: &str, value: Value) -> String {
    let mut m = model(f, lang);
    let exp = m.questions.iter_mut().flat_map(|q| q.experiments.iter_mut()).find(|e| e.task == task).unwrap_or_else(|| panic!("no {task} in the fixture"));
    let findings = exp.values.entry("findings").or_insert_with(|| json!({}));
    // `study.verdict` names a finding inside a study's block.
    match finding.split_once('.') {
        Some((block, name)) => findings[block][name] = value,
        None => findings[finding] = value,
    }
    let id = exp.id.clone();
    let md = render(&m).markdown;
    // The experiment's section runs from its heading to the next one.
    let title = m.questions.iter().flat_map(|q| &q.experiments).find(|e| e.id == id).unwrap().title.clone();
    let start = md.find(&format!("### {title}")).unwrap();
    let end = md[start + 4..].find("\n### ").map_or(md.len(), |i| start + 4 + i);
    md[start..end].to_string()
}

#[test]
fn verdicts_follow_the_findings_with_ties_and_reversals() {
    let f = fixture();
    // (kind, finding, value, English words, Persian words): each explanation is printed
    // only for the outcome it explains.
    let cases: &[(&str, &str, Value, &str, &str)] = &[
        ("smoke", "learning", json!("learned"), "learnt the shapes themselves", "خودِ شکل‌ها را یاد گرفته"),
        ("smoke", "learning", json!("chance"), "did not learn beyond chance", "بیش از حدس تصادفی یاد نگرفت"),
        ("clip_templates", "ensemble", json!("ahead"), "beats every single prompt", "از همه‌ی پرامپت‌های تکی بهتر است"),
        ("clip_templates", "ensemble", json!("level"), "are level, within half a point", "در محدوده‌ی نیم واحد درصد برابرند"),
        ("clip_templates", "ensemble", json!("behind"), "No ensemble beats the best single prompt", "هیچ مجموعه‌ای از بهترین پرامپت تکی بهتر نیست"),
        ("clip_templates", "names", json!("level"), "the same accuracy here within half a point", "دقت یکسانی دارند"),
        ("clip_templates", "names", json!("behind"), "Raw folder names are better", "نام‌های خام پوشه‌ها به‌طور میانگین بهترند"),
        ("clip_per_class", "prompt_changed", json!(false), "No candidate beat the original prompt", "هیچ نامزدی"),
        ("clip_class_embedding", "coop_vs_head", json!("level"), "It is level with the joint-space head", "در محدوده‌ی نیم واحد درصد برابر است"),
        ("clip_class_embedding", "coop_vs_head", json!("behind"), "It does not reach the joint-space head", "نمی‌رسد"),
        ("clip_class_embedding", "coop_vs_head", json!("ahead"), "It beats the joint-space head", "از سرِ فضای مشترک"),
        ("clip_class_embedding", "best_tie", json!(true), "together at", "با هم به"),
        ("clip_compare", "scale", json!("behind"), "Here scale does not pay off", "نتیجه نمی‌دهد"),
        ("clip_compare", "scale", json!("level"), "The two models are level in top-1", "برابرند"),
        ("clip_compare", "scale", json!("ahead"), "Scale pays off", "بزرگ‌تر کردن مدل نتیجه می‌دهد"),
        ("vit_lora", "lora_time", json!("ahead"), "LoRA is even slower here", "حتی کندتر است"),
        ("vit_lora", "lora_time", json!("level"), "The two take about as long", "تقریباً به یک اندازه طول می‌کشند"),
        ("vit_lora", "lora_time", json!("behind"), "LoRA is faster, but the saving in time is far smaller", "سریع‌تر است"),
        ("vit_lora", "lora_vs_full", json!("behind"), "LoRA falls short of full fine-tuning here", "به تنظیم دقیق کامل نمی‌رسد"),
        ("vit_lora", "lora_vs_full", json!("level"), "LoRA reaches full fine-tuning's accuracy", "به دقت تنظیم دقیق کامل می‌رسد"),
        ("vit_lora", "lora_vs_full", json!("ahead"), "LoRA beats full fine-tuning here", "از تنظیم دقیق کامل بهتر است"),
        ("moco", "momentum.zero_vs_best", json!("behind"), "points below the best momentum", "پایین‌تر از بهترین تکانه"),
        ("moco", "momentum.zero_vs_best", json!("level"), "the failure the paper reports does not show", "شکستی که مقاله گزارش می‌کند در دقت دیده نمی‌شود"),
        ("moco", "momentum.zero_vs_best", json!("ahead"), "which contradicts the paper on this short run", "با مقاله ناسازگار است"),
        ("moco", "queue.inconsistent_vs_consistent", json!("behind"), "helps only when its keys are consistent", "تنها وقتی کمک می‌کند"),
        ("moco", "queue.inconsistent_vs_consistent", json!("ahead"), "against the paper's argument", "برخلاف استدلال مقاله"),
        ("moco", "offline.offline_vs_online", json!("behind"), "offline copies cost", "هزینه دارند"),
        ("moco", "offline.offline_vs_online", json!("level"), "offline copies change nothing measurable", "تغییر قابل‌اندازه‌گیری‌ای ایجاد نمی‌کنند"),
        ("moco", "offline.offline_vs_online", json!("ahead"), "here offline copies help by", "کمک می‌کنند"),
    ];
    let others = |task: &str, finding: &str, value: &Value| -> Vec<(&'static str, &'static str)> {
        cases.iter().filter(|c| c.0 == task && c.1 == finding && &c.2 != value).map(|c| (c.3, c.4)).collect()
    };
    for (task, finding, value, en, fa) in cases {
        let section = section_with(&f, Lang::En, task, finding, value.clone());
        assert!(section.contains(en), "{task}.{finding} = {value}: missing `{en}` in\n{section}");
        for (other_en, _) in others(task, finding, value) {
            assert!(!section.contains(other_en), "{task}.{finding} = {value}: also says `{other_en}`");
        }
        let section = section_with(&f, Lang::Fa, task, finding, value.clone());
        assert!(section.contains(fa), "{task}.{finding} = {value}: missing `{fa}` in\n{section}");
    }
}

fn arabic_letter(c: char) -> bool {
    ('\u{0600}'..='\u{06FF}').contains(&c) && c.is_alphabetic()
}

fn latin(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// The text of each block element (paragraphs, list items, headings, cells), leaving out
/// code, preformatted text, styles and charts; with the heading cells flagged.
fn blocks(html: &str) -> Vec<(String, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(html);
    reader.config_mut().check_end_names = false;
    let mut stack: Vec<String> = Vec::new();
    let mut out: Vec<(String, String)> = Vec::new();
    let block = |n: &str| matches!(n, "p" | "li" | "h1" | "h2" | "h3" | "h4" | "td" | "th" | "blockquote" | "title");
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).to_string();
                if block(&name) {
                    out.push((name.clone(), String::new()));
                }
                stack.push(name);
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(t) => {
                let skipped = stack.iter().any(|n| matches!(n.as_str(), "code" | "pre" | "style" | "svg" | "script"));
                if !skipped && stack.iter().any(|n| block(n)) {
                    if let Some(last) = out.last_mut() {
                        last.1.push_str(&t.decode().unwrap());
                    }
                }
            }
            // An entity (`&lt;`) is punctuation: a neutral stands in for it.
            Event::GeneralRef(_) => {
                if let Some(last) = out.last_mut() {
                    last.1.push(' ');
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn the_persian_report_isolates_left_to_right_runs_and_has_no_english_headings() {
    let f = fixture();
    let html = render(&model(&f, Lang::Fa)).html;
    let mut problems = Vec::new();
    for (element, text) in blocks(&html) {
        if matches!(element.as_str(), "th" | "h1" | "h2" | "h3" | "title") && !text.chars().any(arabic_letter) {
            problems.push(format!("<{element}> is not Persian: {text:?}"));
        }
        if !text.chars().any(arabic_letter) {
            continue; // a cell of data (a class name, a number) is not right-to-left text
        }
        let mut depth = 0usize;
        for c in text.chars() {
            match c {
                '\u{2066}' | '\u{2067}' | '\u{2068}' => depth += 1,
                '\u{2069}' => depth = depth.saturating_sub(1),
                c if latin(c) && depth == 0 => {
                    problems.push(format!("<{element}> has a left-to-right run outside an isolate: {text:?}"));
                    break;
                }
                _ => {}
            }
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

/// Cells the program writes (a grid's settings and peaks, L-BFGS iterations, the whole
/// training split's point, the per-class averages, kinds of prompt) are stored as terms,
/// so the Persian report words them; no term cell reaches a reader unworded.
#[test]
fn program_written_cells_are_worded_in_each_language() {
    let f = fixture();
    let (en, fa) = (render(&model(&f, Lang::En)), render(&model(&f, Lang::Fa)));
    let raw = regex::Regex::new(r"[a-z][a-z_-]*\?[a-z_]+=").unwrap();
    for (lang, md) in [("en", &en.markdown), ("fa", &fa.markdown)] {
        assert!(!raw.is_match(md), "{lang}: a term cell shown raw: {:?}", raw.find(md).map(|m| &md[m.start()..(m.start() + 60).min(md.len())]));
        assert!(!md.contains("| @"), "{lang}: a summary-row term shown raw");
    }
    let cells: Vec<String> = blocks(&fa.html).into_iter().filter(|(e, _)| e == "td").map(|(_, t)| t).collect();
    for english in [r"step \d+ of \d+", r"\d+ iterations", "weight decay", r"\blr \d", "macro average", "weighted average", "dog-specific", r"full \(\d"] {
        let pattern = regex::Regex::new(english).unwrap();
        let hit: Vec<&String> = cells.iter().filter(|c| pattern.is_match(c)).collect();
        assert!(hit.is_empty(), "English `{english}` in Persian table cells: {hit:?}");
    }
    for worded in ["گام", "نرخ یادگیری", "تکرار", "میانگین ماکرو", "میانگین وزن‌دار", "ویژه‌ی سگ", "همه ("] {
        assert!(cells.iter().any(|c| c.contains(worded)), "no Persian cell says `{worded}`");
    }
    // A run stored before term settings existed words its choice as it stored it.
    for (lang, words) in [(Lang::En, "(lr 0.05)"), (Lang::Fa, "نرخ یادگیری")] {
        let mut m = model(&f, lang);
        let probe = m.questions.iter_mut().flat_map(|q| q.experiments.iter_mut()).find(|e| e.task == "clip_linear_probe").unwrap();
        let setting = probe.values.remove("probe_setting");
        assert!(setting.is_some(), "the fixture stores probe_setting");
        let md = render(&m).markdown;
        let line = md.lines().find(|l| l.starts_with("**(e) Linear probe") || l.starts_with("**(ه) کاوشگر خطی")).unwrap();
        assert!(line.contains("lr 0.05"), "{line}");
        let fresh = render(&model(&f, lang)).markdown;
        assert!(fresh.lines().any(|l| l.contains(words)), "{lang:?}");
    }
    assert!(en.markdown.contains("| step 45 of 150 |") && en.markdown.contains("| macro average |") && en.markdown.contains("774 iterations"), "English wording");
}

#[test]
fn persian_prose_writes_persian_digits() {
    let f = fixture();
    let md = render(&model(&f, Lang::Fa)).markdown;
    let demo = md.find("## بررسی خط لوله").unwrap();
    let sentence = md[demo..].lines().find(|l| l.starts_with("یک شبکه‌ی کانولوشنی")).unwrap();
    assert!(sentence.chars().any(|c| ('۰'..='۹').contains(&c)), "{sentence}");
    assert!(!sentence.chars().any(|c| c.is_ascii_digit()), "Latin digits in Persian prose: {sentence}");
    // A setting worded from a term cell takes prose digits too (a table keeps Latin ones).
    let probe = md.lines().find(|l| l.starts_with("**(ه) کاوشگر خطی")).unwrap();
    let at = probe.find("نرخ یادگیری \u{2068}").unwrap_or_else(|| panic!("{probe}"));
    let setting: String = probe[at..].chars().take(20).collect();
    assert!(setting.chars().any(|c| ('۰'..='۹').contains(&c)) && !setting.chars().any(|c| c.is_ascii_digit()), "{setting}");
}

/// `--pdf`: the Persian report printed by headless Chromium, checked as pages: more than
/// one, none blank, every font embedded, the Persian text extractable in reading order,
/// and the plots drawn (pages with plots carry far more ink than text pages).
#[test]
fn the_persian_report_prints_to_a_pdf_with_embedded_fonts() {
    let needs = "the PDF check needs chromium and poppler-utils (`apt install chromium poppler-utils fonts-noto-core`; `make test` installs them when run as root)";
    assert!(report::pdf::find_chromium().is_some(), "{needs}");
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    let written = report::render_run(&f.store, &f.run, Lang::Fa, out.path()).unwrap();
    let pdf = report::pdf::print(&written.html, &out.path().join("report.pdf")).unwrap();
    let run = |cmd: &str, args: &[&str]| -> String {
        let o = std::process::Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("{cmd}: {e}; {needs}"));
        assert!(o.status.success(), "{cmd} failed: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let pdf_s = pdf.to_str().unwrap();
    let pages: usize = run("pdfinfo", &[pdf_s]).lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
    assert!(pages >= 5, "{pages} pages");
    let fonts = run("pdffonts", &[pdf_s]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty() && rows.iter().all(|r| r.split_whitespace().rev().nth(3) == Some("yes")), "every font embedded:\n{fonts}");
    assert!(rows.iter().any(|r| r.contains("Arabic") || r.contains("Vazir")), "a font with Persian letters:\n{fonts}");
    let text = run("pdftotext", &["-layout", pdf_s, "-"]);
    assert!(text.contains("یادگیری عمیق") || text.contains("عمیق"), "the Persian title is in the text layer");
    // Every page rendered: none blank, and some carry plots.
    run("pdftoppm", &["-r", "20", "-png", pdf_s, out.path().join("page").to_str().unwrap()]);
    let mut ink = Vec::new();
    for entry in std::fs::read_dir(out.path()).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().starts_with("page")) {
        let img = adaptlab::data::image::decode_file(&entry.path()).unwrap();
        let dark = img.data.iter().filter(|&&v| v < 200).count() as f64 / img.data.len() as f64;
        ink.push(dark);
    }
    assert_eq!(ink.len(), pages);
    assert!(ink.iter().all(|&d| d > 0.0005), "a blank page: {ink:?}");
    let most = ink.iter().cloned().fold(0.0, f64::max);
    assert!(most > 0.03, "no page with a plot's worth of ink: {ink:?}");
}
