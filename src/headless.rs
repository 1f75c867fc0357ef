//! Renders the event stream for `--report` and `run`: progress bars on a terminal,
//! plain lines (one per stage, one every few seconds of progress) otherwise.
use crate::events::{Event, LogLevel, RunStatus, StageState};
use crate::progress::{human_duration, Rate};
use crossbeam_channel::Receiver;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

const LINE_INTERVAL: Duration = Duration::from_secs(5);

/// Consumes events until the runner closes the channel.
pub fn print_events(events: &Receiver<Event>, terminal: bool) {
    if terminal {
        Bars::default().run(events);
    } else {
        Lines::default().run(events, &mut std::io::stderr());
    }
}

/// One-line description of an event for logs, or None for events shown otherwise.
pub fn describe(event: &Event) -> Option<String> {
    Some(match event {
        Event::RunStarted { run_id, suite, selected } => format!("run {run_id}: suite {suite}, {} experiment(s)", selected.len()),
        Event::ExperimentStarted { exp, device, .. } => format!("[{exp}] started on {device}"),
        Event::Stage { exp, name, state: StageState::Started } => format!("[{exp}] {name}"),
        Event::Log { exp, level: LogLevel::Info, line } => format!("[{exp}] {line}"),
        Event::Log { exp, level: LogLevel::Warn, line } => format!("[{exp}] warning: {line}"),
        Event::Finished { exp, seconds, reused_from: None } => format!("[{exp}] finished in {}", human_duration(Duration::from_secs_f64(*seconds))),
        Event::Finished { exp, reused_from: Some(run), .. } => format!("[{exp}] unchanged since run {run}: result reused (--force recomputes)"),
        Event::Failed { exp, error } => format!("[{exp}] FAILED: {error}"),
        Event::Cancelled { exp } => format!("[{exp}] cancelled"),
        Event::Skipped { exp, reason } => format!("[{exp}] skipped: {reason}"),
        Event::RunFinished { run_id, status } => format!("run {run_id}: {}", status_text(*status)),
        _ => return None,
    })
}

/// Experiments settled of those in the run, as a line after each one settles.
#[derive(Default)]
struct SuiteCount {
    total: usize,
    done: usize,
    eta: crate::progress::SuiteEta,
}

impl SuiteCount {
    fn on(&mut self, event: &Event, now: Instant) -> Option<String> {
        self.eta.on(event, now);
        match event {
            Event::RunStarted { selected, .. } => {
                self.total = selected.len();
                None
            }
            Event::Finished { .. } | Event::Failed { .. } | Event::Cancelled { .. } | Event::Skipped { .. } if self.total > 0 => {
                self.done += 1;
                let eta = match self.eta.remaining(now) {
                    Some(left) if self.done < self.total => format!(", ETA {} (from the last runs' times)", crate::progress::human_duration(left)),
                    _ => String::new(),
                };
                Some(format!("[suite] {}/{} experiments done{eta}", self.done, self.total))
            }
            _ => None,
        }
    }
}

fn status_text(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Finished => "all experiments finished",
        RunStatus::Failed => "finished, but some experiments did not",
        RunStatus::Cancelled => "cancelled; finished experiments are kept and reused next time",
        RunStatus::Interrupted => "interrupted",
        RunStatus::Running => "running",
    }
}

fn progress_line(exp: &str, stage: &str, rate: &Rate) -> String {
    let mut s = format!("[{exp}] {stage} {}/{} {} ({:.0}%)", rate.done, rate.total, rate.unit, rate.fraction() * 100.0);
    if let Some(r) = rate.per_second() {
        s.push_str(&format!(", {r:.1} {}/s", rate.unit));
    }
    if let Some(eta) = rate.eta() {
        s.push_str(&format!(", ETA {}", human_duration(eta)));
    }
    s
}

#[derive(Default)]
struct Lines {
    suite: SuiteCount,
    rates: HashMap<String, Rate>,
    stages: HashMap<String, String>,
    last_line: HashMap<String, Instant>,
}

impl Lines {
    fn run(&mut self, events: &Receiver<Event>, out: &mut dyn Write) {
        for event in events.iter() {
            self.handle(&event, Instant::now(), out);
        }
    }

    fn handle(&mut self, event: &Event, now: Instant, out: &mut dyn Write) {
        match event {
            Event::Stage { exp, name, state: StageState::Started } => {
                self.stages.insert(exp.clone(), name.clone());
            }
            Event::Generating { exp, label, tokens, tokens_per_s, .. } => {
                // A rate line every few seconds; the text itself is for the dashboard.
                let key = format!("{exp}\u{0}generating");
                if self.last_line.get(&key).is_none_or(|t| now.duration_since(*t) >= LINE_INTERVAL) {
                    self.last_line.insert(key, now);
                    let _ = writeln!(out, "[{exp}] generating {label}: {tokens} tokens, {tokens_per_s:.1} tokens/s");
                }
                return;
            }
            Event::Progress { exp, done, total, unit } => {
                match self.rates.get_mut(exp) {
                    Some(r) => r.update(*done, *total, unit, now),
                    None => {
                        self.rates.insert(exp.clone(), Rate::new(*done, *total, unit, now));
                    }
                }
                let due = self.last_line.get(exp).is_none_or(|t| now.duration_since(*t) >= LINE_INTERVAL);
                if due || done == total {
                    self.last_line.insert(exp.clone(), now);
                    let stage = self.stages.get(exp).map_or("", String::as_str);
                    let _ = writeln!(out, "{}", progress_line(exp, stage, &self.rates[exp]));
                }
                return;
            }
            _ => {}
        }
        if let Some(line) = describe(event) {
            let _ = writeln!(out, "{line}");
        }
        if let Some(line) = self.suite.on(event, now) {
            let _ = writeln!(out, "{line}");
        }
    }
}

#[derive(Default)]
struct Bars {
    suite: SuiteCount,
    bars: HashMap<String, ProgressBar>,
    stages: HashMap<String, String>,
}

impl Bars {
    fn run(&mut self, events: &Receiver<Event>) {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{prefix:.bold} {msg} [{bar:30}] {pos}/{len} {per_sec} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        for event in events.iter() {
            match &event {
                Event::ExperimentStarted { exp, .. } => {
                    let bar = multi.add(ProgressBar::new(0).with_style(style.clone()).with_prefix(exp.clone()));
                    self.bars.insert(exp.clone(), bar);
                }
                Event::Stage { exp, name, state: StageState::Started } => {
                    self.stages.insert(exp.clone(), name.clone());
                    if let Some(bar) = self.bars.get(exp) {
                        bar.set_message(name.clone());
                        bar.reset();
                    }
                }
                Event::Progress { exp, done, total, unit } => {
                    if let Some(bar) = self.bars.get(exp) {
                        bar.set_length(*total);
                        bar.set_position(*done);
                        let stage = self.stages.get(exp).cloned().unwrap_or_default();
                        bar.set_message(format!("{stage} ({unit})"));
                    }
                }
                Event::Generating { exp, label, tokens, tokens_per_s, .. } => {
                    if let Some(bar) = self.bars.get(exp) {
                        bar.set_message(format!("generating {label}: {tokens} tokens, {tokens_per_s:.1} tokens/s"));
                    }
                }
                Event::Finished { exp, .. } | Event::Failed { exp, .. } | Event::Cancelled { exp } => {
                    if let Some(bar) = self.bars.remove(exp) {
                        bar.finish_and_clear();
                        multi.remove(&bar);
                    }
                }
                _ => {}
            }
            if let Some(line) = describe(&event) {
                let _ = multi.println(line);
            }
            if let Some(line) = self.suite.on(&event, Instant::now()) {
                let _ = multi.println(line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_prints_a_throttled_rate_line_without_the_text() {
        let mut lines = Lines::default();
        let mut out = Vec::new();
        let t0 = Instant::now();
        for (i, secs) in [0u64, 1, 2, 6].into_iter().enumerate() {
            let e = Event::Generating { exp: "q4".into(), label: "q17".into(), text: "متن تولیدشده".into(), tokens: 10 * (i as u64 + 1), tokens_per_s: 12.5 };
            lines.handle(&e, t0 + Duration::from_secs(secs), &mut out);
        }
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 2, "one line now and one after five seconds: {text}");
        assert!(text.starts_with("[q4] generating q17: 10 tokens, 12.5 tokens/s"), "{text}");
        assert!(!text.contains("متن"), "the text is for the dashboard");
    }

    #[test]
    fn plain_lines_throttle_progress_and_show_rate() {
        let mut lines = Lines::default();
        let mut out = Vec::new();
        let t0 = Instant::now();
        let stage = Event::Stage { exp: "e".into(), name: "train".into(), state: StageState::Started };
        lines.handle(&stage, t0, &mut out);
        for step in 1..=10u64 {
            let p = Event::Progress { exp: "e".into(), done: step, total: 10, unit: "steps".into() };
            lines.handle(&p, t0 + Duration::from_secs(step), &mut out);
        }
        let text = String::from_utf8(out).unwrap();
        let progress: Vec<&str> = text.lines().filter(|l| l.contains("steps (")).collect();
        // First update, then every 5 s, then the last one.
        assert_eq!(progress.len(), 3, "{text}");
        assert!(progress[2].starts_with("[e] train 10/10 steps (100%), 1.0 steps/s"), "{text}");
    }

    #[test]
    fn each_settled_experiment_prints_the_suite_count() {
        let mut lines = Lines::default();
        let mut out = Vec::new();
        let now = Instant::now();
        lines.handle(&Event::RunStarted { run_id: "r".into(), suite: "s".into(), selected: vec!["a".into(), "b".into(), "c".into()] }, now, &mut out);
        lines.handle(&Event::Finished { exp: "a".into(), seconds: 1.0, reused_from: None }, now, &mut out);
        lines.handle(&Event::Failed { exp: "b".into(), error: "x".into() }, now, &mut out);
        lines.handle(&Event::Skipped { exp: "c".into(), reason: "y".into() }, now, &mut out);
        let text = String::from_utf8(out).unwrap();
        let counts: Vec<&str> = text.lines().filter(|l| l.starts_with("[suite]")).collect();
        assert_eq!(counts, ["[suite] 1/3 experiments done", "[suite] 2/3 experiments done", "[suite] 3/3 experiments done"], "{text}");
    }
}
