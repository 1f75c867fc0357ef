//! Q4's two tasks run end to end on the demo LM with user data files that carry bad lines:
//! every bad line is reported with its file and line and skipped, a prompt that does not
//! fit the context is reported and counted, the soft prompts are saved in PEFT's format,
//! and the tables and verdicts the report reads are there. ParsiNLU's files are fetched
//! with their checksums recorded and verified.
mod common;
use adaptlab::events::{Event, LogLevel, RunStatus};
use adaptlab::hub::download::Progress;
use adaptlab::hub::q4_data::{fetch_parsinlu, verify_parsinlu};
use adaptlab::run::RunOptions;
use adaptlab::tasks::parse_suite;

fn warnings(events: &[Event], exp: &str) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Log { exp: x, level: LogLevel::Warn, line } if x == exp => Some(line.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn table<'a>(events: &'a [Event], exp: &str, name: &str) -> &'a adaptlab::results::ResultTable {
    events
        .iter()
        .find_map(|e| match e {
            Event::Table { exp: x, table } if x == exp && table.name == name => Some(table),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{exp} published no table `{name}`"))
}

fn value<'a>(events: &'a [Event], exp: &str, name: &str) -> &'a serde_json::Value {
    events
        .iter()
        .find_map(|e| match e {
            Event::Value { exp: x, name: n, value } if x == exp && n == name => Some(value),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{exp} published no value `{name}`"))
}

#[test]
fn both_tasks_run_on_user_files_and_report_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let reviews = dir.path().join("reviews.jsonl");
    let mut lines: Vec<String> = Vec::new();
    for i in 0..40 {
        let (text, label) = if i % 2 == 0 { ("این غذا عالی بود.", 1) } else { ("این کفش افتضاح بود.", 0) };
        lines.push(format!("{{\"text\": \"{text}\", \"label\": {label}}}"));
    }
    lines.insert(3, "{\"label\": 1}".into()); // line 4: no text
    lines.insert(7, "not json".into()); // line 8
    std::fs::write(&reviews, lines.join("\n")).unwrap();

    let questions = dir.path().join("questions.jsonl");
    let q = [
        r#"{"question": "علی ۳ سیب داشت و ۲ سیب دیگر خرید. سپس ۱ سیب به دوستش داد. چند سیب برایش ماند؟", "answer": "۴"}"#,
        r#"{"question": "", "answer": "1"}"#,
        r#"{"question": "کدام عدد زوج است؟", "choices": ["۳", "۵", "۸", "۹"], "answer": "3"}"#,
        r#"{"question": "کدام؟", "choices": ["الف", "ب"], "answer": "5"}"#,
        r#"{"question": "مریم ۵ گل داشت و ۳ گل دیگر خرید. سپس ۲ گل به دوستش داد. چند گل برایش ماند؟", "answer": 6}"#,
    ];
    std::fs::write(&questions, q.join("\n")).unwrap();
    let long_rationale = "۱ + ۱ = ۲. ".repeat(60);
    let yaml = format!(
        r#"name: q4
defaults: {{ seed: 3, device: cpu }}
experiments:
  - id: soft
    part: q4
    task: prompt_tuning
    params:
      dataset: {reviews}
      holdout: 0.25
      labels: [{{ label: "0", word: منفی }}, {{ label: "1", word: مثبت }}]
      shots: [0, 2]
      lengths: [3]
      inits: [text]
      train: {{ steps: 6, batch_size: 4, lr: 0.05 }}
      lora: {{ r: 2, alpha: 4, steps: 4, batch_size: 4, lr: 0.01 }}
  - id: reason
    part: q4
    task: reasoning
    params:
      dataset: {questions}
      style: plain
      methods: [direct, zero_shot_cot, few_shot_cot, self_consistency]
      cues: {{ direct: "جواب:", reasoning: "پاسخ:" }}
      exemplars:
        - {{ question: "یک مسئله‌ی بلند", rationale: "{long_rationale}", answer: "۲" }}
      max_new_tokens_direct: 4
      max_new_tokens_cot: 40
      self_consistency: {{ samples: 3, votes: [1, 3], temperature: 0.7 }}
"#,
        reviews = reviews.display(),
        questions = questions.display()
    );
    let suite = parse_suite(&yaml, "q4.yaml").unwrap();
    let (events, outcome) = common::run_all(suite, RunOptions::default(), dir.path());
    let failures: Vec<String> = events.iter().filter_map(|e| match e { Event::Failed { exp, error } => Some(format!("{exp}: {error}")), _ => None }).collect();
    assert_eq!(outcome.status, RunStatus::Finished, "{failures:?}");

    let soft_warnings = warnings(&events, "soft");
    assert!(soft_warnings.contains("reviews.jsonl:4: skipped"), "{soft_warnings}");
    assert!(soft_warnings.contains("reviews.jsonl:8: skipped (not a JSON object"), "{soft_warnings}");
    let methods = table(&events, "soft", "methods");
    let kinds: Vec<String> = methods.rows.iter().map(|r| r[0].as_str().unwrap().to_string()).collect();
    assert_eq!(kinds, ["zero_shot", "in_context", "soft_prompt", "lora"]);
    assert_eq!(methods.rows[2][5], serde_json::json!(3 * 128), "a soft prompt trains n × d numbers");
    let peft = dir.path().join("home/runs").read_dir().unwrap().flatten().next().unwrap().path().join("experiments/soft/prompts/text-3");
    assert!(peft.join("adapter_config.json").is_file() && peft.join("adapter_model.safetensors").is_file(), "{}", peft.display());
    assert_eq!(table(&events, "soft", "nearest").rows.len(), 3);
    assert!(value(&events, "soft", "findings").get("soft_vs_zero_shot").is_some());

    let reason_warnings = warnings(&events, "reason");
    assert!(reason_warnings.contains("questions.jsonl:2: skipped (the question is empty)"), "{reason_warnings}");
    assert!(reason_warnings.contains("questions.jsonl:4: skipped (answer 5 is outside the 2 choices)"), "{reason_warnings}");
    assert!(reason_warnings.contains("exceed the model's context of 256"), "the long exemplar is reported: {reason_warnings}");
    let methods = table(&events, "reason", "methods");
    assert_eq!(methods.rows.len(), 3);
    let few_shot = methods.rows.iter().find(|r| r[0] == "few_shot_cot").unwrap();
    assert_eq!(few_shot[5], serde_json::json!(3), "every question's few-shot prompt is over the context");
    assert_eq!(few_shot[1], serde_json::json!(0.0));
    assert_eq!(table(&events, "reason", "votes").rows.len(), 2);
    assert_eq!(value(&events, "reason", "questions"), &serde_json::json!(3));
    assert!(value(&events, "reason", "findings").get("cot_vs_direct").is_some());
}

#[test]
fn parsinlu_checksums_are_recorded_then_verified() {
    let dir = tempfile::tempdir().unwrap();
    let mirror = dir.path().join("mirror");
    std::fs::create_dir_all(&mirror).unwrap();
    for f in ["train.jsonl", "test.jsonl"] {
        std::fs::write(mirror.join(f), format!("{{\"question\": \"{f}\", \"candidates\": [\"a\", \"b\"], \"answer\": \"1\", \"category\": \"math_and_logic\"}}\n")).unwrap();
    }
    let cache = dir.path().join("cache");
    let quiet = Progress { report: &|_, _| {} };
    let url = format!("file://{}", mirror.display());
    let wrong = vec![("test.jsonl".to_string(), "0".repeat(64))];
    let err = format!("{:#}", fetch_parsinlu(&url, &cache, &wrong, &quiet).unwrap_err());
    assert!(err.contains("sha256") || err.contains("checksum"), "{err}");
    let _ = std::fs::remove_dir_all(&cache);
    let (folder, sums) = fetch_parsinlu(&url, &cache, &[], &quiet).unwrap();
    assert_eq!(sums.len(), 2);
    assert_eq!(verify_parsinlu(&cache).unwrap(), folder);
    std::fs::write(folder.join("test.jsonl"), "changed").unwrap();
    let err = format!("{:#}", verify_parsinlu(&cache).unwrap_err());
    assert!(err.contains("test.jsonl") && err.contains("changed"), "{err}");
}
