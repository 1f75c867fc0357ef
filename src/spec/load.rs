//! YAML text → validated `Suite`, or every problem found as `file:line:col: message`.
use super::hint::closest;
use super::kind::{KindDef, Params};
use super::locate::{Loc, LocationIndex};
use super::model::{DeviceSpec, Experiment, Part, Suite};
use super::validate::Violations;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// One problem in a suite file.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.col, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// All problems found in one suite, in file order.
#[derive(Debug, Clone)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    name: String,
    title: Option<String>,
    description: Option<String>,
    #[serde(default)]
    defaults: RawDefaults,
    experiments: Vec<RawExperiment>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    seed: Option<u64>,
    device: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExperiment {
    id: String,
    part: String,
    task: String,
    title: Option<super::model::Title>,
    #[serde(default)]
    params: serde_norway::Value,
    seed: Option<u64>,
    device: Option<String>,
    #[serde(default)]
    needs: Vec<String>,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

const DEFAULT_SEED: u64 = 0;

/// Collects errors with positions for one file.
struct Errors<'a> {
    file: &'a str,
    index: LocationIndex,
    list: Vec<SpecError>,
}

impl Errors<'_> {
    fn at(&mut self, loc: Loc, message: impl Into<String>, hint: Option<String>) {
        self.list.push(SpecError {
            file: self.file.to_string(),
            line: loc.line,
            col: loc.col,
            message: message.into(),
            hint,
        });
    }

    fn value(&mut self, path: &str, message: impl Into<String>, hint: Option<String>) {
        let loc = self.index.value(path);
        self.at(loc, message, hint);
    }

    fn key(&mut self, path: &str, message: impl Into<String>, hint: Option<String>) {
        let loc = self.index.key(path);
        self.at(loc, message, hint);
    }
}

/// Parses and validates a suite against the task kinds in `kinds` (the task registry);
/// `file` names it in error messages.
pub fn parse_suite(text: &str, file: &str, kinds: &[&'static dyn KindDef]) -> Result<Suite, SpecErrors> {
    // Editors on Windows start UTF-8 files with a byte-order mark; it is not content.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Err(SpecErrors(vec![SpecError {
            file: file.to_string(),
            line: 1,
            col: 1,
            message: "the suite file is empty".into(),
            hint: Some("a suite needs `name:` and a list of `experiments:` (see experiments/demo.yaml)".into()),
        }]));
    }
    let raw: RawSuite = serde_norway::from_str(text).map_err(|e| SpecErrors(vec![serde_error(&e, file, text)]))?;
    let mut errors = Errors { file, index: LocationIndex::build(text), list: Vec::new() };

    if raw.experiments.is_empty() {
        errors.value("experiments", "the suite has no experiments", Some("add at least one entry under `experiments:`".into()));
    }
    let default_device = match raw.defaults.device.as_deref() {
        None => DeviceSpec::Auto,
        Some(d) => parse_device(d, "defaults.device", &mut errors),
    };
    let default_seed = raw.defaults.seed.unwrap_or(DEFAULT_SEED);

    let ids: Vec<&str> = raw.experiments.iter().map(|e| e.id.as_str()).collect();
    let mut seen = HashSet::new();
    let mut experiments = Vec::new();
    for (i, e) in raw.experiments.iter().enumerate() {
        let at = format!("experiments[{i}]");
        if !valid_id(&e.id) {
            errors.value(&format!("{at}.id"), format!("experiment id `{}` is not valid", e.id),
                Some("use lowercase letters, digits, `_`, `-` and `.`, starting with a letter or digit".into()));
        }
        if !seen.insert(e.id.as_str()) {
            errors.value(&format!("{at}.id"), format!("experiment id `{}` is used twice", e.id),
                Some("every experiment needs its own id".into()));
        }
        let kind = kinds.iter().copied().find(|k| k.name() == e.task);
        if kind.is_none() {
            let hint = match closest(&e.task, kinds.iter().map(|k| k.name())) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("known kinds: {}", kinds.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")),
            };
            errors.value(&format!("{at}.task"), format!("unknown task kind `{}`", e.task), Some(hint));
        }
        let part = Part::parse(&e.part);
        match (&part, kind) {
            (None, _) => errors.value(&format!("{at}.part"), format!("`{}` is not a homework part", e.part),
                Some("write `q1`..`q5` with optional sub-part letters in order (`q3ab`), or `demo`".into())),
            (Some(p), Some(k)) if p.question != k.question() => {
                let expected = k.question().map_or("demo".to_string(), |q| format!("q{q}"));
                errors.value(&format!("{at}.part"), format!("task `{}` answers {expected}, but part is `{}`", k.name(), e.part),
                    Some(format!("set `part: {expected}` (sub-part letters may follow) or choose another task kind")));
            }
            _ => {}
        }
        for (j, need) in e.needs.iter().enumerate() {
            if need == &e.id {
                errors.value(&format!("{at}.needs[{j}]"), format!("experiment `{}` needs itself", e.id),
                    Some("remove the experiment's own id from `needs`".into()));
            } else if !ids.contains(&need.as_str()) {
                let hint = closest(need, ids.iter().copied()).map(|n| format!("did you mean `{n}`?"));
                errors.value(&format!("{at}.needs[{j}]"), format!("`{need}` is not an experiment in this suite"), hint);
            }
        }
        let device = match e.device.as_deref() {
            None => default_device,
            Some(d) => parse_device(d, &format!("{at}.device"), &mut errors),
        };
        let params = kind.and_then(|k| typed_params(k, &e.params, &e.needs, &format!("{at}.params"), &mut errors));
        if let (Some(part), Some(task), Some(params)) = (part, kind, params) {
            experiments.push(Experiment {
                id: e.id.clone(),
                part,
                title: e.title.clone(),
                task: task.name(),
                params,
                seed: e.seed.unwrap_or(default_seed),
                device,
                needs: e.needs.clone(),
                enabled: e.enabled,
                line: errors.index.value(&at).line,
            });
        }
    }
    if errors.list.is_empty() {
        if let Err(cycle) = dependency_order(&mut experiments) {
            let i = raw.experiments.iter().position(|e| e.id == cycle[0]).unwrap_or(0);
            errors.value(&format!("experiments[{i}].needs"), format!("`needs` form a cycle: {}", cycle.join(" → ")),
                Some("an experiment can only reuse outputs of experiments that do not need it".into()));
        }
    }
    if !errors.list.is_empty() {
        errors.list.sort_by_key(|e| (e.line, e.col));
        return Err(SpecErrors(errors.list));
    }
    Ok(Suite {
        name: raw.name,
        title: raw.title,
        description: raw.description,
        source: file.to_string(),
        text: text.to_string(),
        experiments,
    })
}

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.".contains(c))
}

fn parse_device(text: &str, path: &str, errors: &mut Errors) -> DeviceSpec {
    DeviceSpec::parse(text).unwrap_or_else(|| {
        errors.value(path, format!("`{text}` is not a device"), Some("use `auto`, `cpu`, `cuda` or `cuda:N`".into()));
        DeviceSpec::Auto
    })
}

/// Deserializes and checks the params of `kind`; errors point into the params block.
fn typed_params(kind: &dyn KindDef, value: &serde_norway::Value, needs: &[String], path: &str, errors: &mut Errors) -> Option<Params> {
    let mut value = match value {
        serde_norway::Value::Null => serde_norway::Value::Mapping(Default::default()),
        v => v.clone(),
    };
    // YAML merge keys (`<<: *anchor`) let experiments share params.
    // A merged anchor may itself hold a `<<`; merge until nothing changes.
    for _ in 0..16 {
        let before = value.clone();
        if let Err(e) = value.apply_merge() {
            errors.value(path, format!("cannot merge `<<` keys: {e}"), Some("`<<` must refer to a mapping (an anchor like `&common`)".into()));
            return None;
        }
        if value == before {
            break;
        }
    }
    let mut v = Violations::default();
    match kind.parse_params(value, needs, &mut v) {
        Ok(params) => {
            for violation in v.0 {
                errors.value(&super::locate::join_key(path, &violation.field), violation.message, violation.hint);
            }
            Some(params)
        }
        Err(e) => {
            let inner = e.path().to_string();
            let field_path = if inner == "." { path.to_string() } else { super::locate::join_key(path, &inner) };
            let (message, explained) = super::explain::explain(&e.inner().to_string());
            match unknown_field(&message) {
                Some((field, expected)) => {
                    let hint = unknown_field_hint(&field, &expected);
                    // The field sits in the mapping serde was reading (nested blocks too).
                    let parent = match inner.strip_suffix(&format!(".{field}")) {
                        Some(mapping) => super::locate::join_key(path, mapping),
                        None if inner == field || inner == "." => path.to_string(),
                        None => field_path.clone(),
                    };
                    errors.key(&super::locate::join_key(&parent, &field), message, Some(hint));
                }
                None if inner == "." => errors.value(&field_path, format!("params: {message}"), Some(explained)),
                None => errors.value(&field_path, format!("`{inner}`: {message}"), Some(explained)),
            }
            None
        }
    }
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" (or "expected `a`").
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.split("unknown field `").nth(1)?;
    let (field, tail) = rest.split_once('`')?;
    let expected = tail.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((field.to_string(), expected))
}

/// "did you mean `x`?" for a near miss, else the keys that are allowed.
fn unknown_field_hint(field: &str, expected: &[String]) -> String {
    closest(field, expected.iter().map(String::as_str))
        .map(|n| format!("did you mean `{n}`?"))
        .unwrap_or_else(|| format!("allowed keys here: {}", expected.join(", ")))
}

fn serde_error(e: &serde_norway::Error, file: &str, text: &str) -> SpecError {
    let (line, col) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
    let (message, explained) = super::explain::explain(&e.to_string());
    let tab_in_indent = text.lines().nth(line.saturating_sub(1)).is_some_and(|l| l.chars().take_while(|c| c.is_whitespace()).any(|c| c == '\t'));
    let hint = match unknown_field(&message) {
        Some((field, expected)) => Some(unknown_field_hint(&field, &expected)),
        None if tab_in_indent => Some(format!("YAML indents with spaces, not tabs: replace the tab at the start of line {line} with spaces")),
        None if message.contains("missing field `") => {
            let field = message.split("missing field `").nth(1).and_then(|r| r.split('`').next()).unwrap_or("");
            Some(format!("add `{field}: ...` here (see experiments/demo.yaml for a complete entry)"))
        }
        None => Some(explained),
    };
    SpecError { file: file.to_string(), line, col, message, hint }
}

/// Reorders experiments so each comes after what it needs (stable otherwise);
/// on a cycle returns the ids on it.
fn dependency_order(experiments: &mut Vec<Experiment>) -> Result<(), Vec<String>> {
    let position: HashMap<String, usize> = experiments.iter().enumerate().map(|(i, e)| (e.id.clone(), i)).collect();
    let mut state = vec![0u8; experiments.len()]; // 0 new, 1 on stack, 2 done
    let mut order = Vec::with_capacity(experiments.len());
    fn visit(i: usize, exps: &[Experiment], pos: &HashMap<String, usize>, state: &mut [u8], order: &mut Vec<usize>, trail: &mut Vec<String>) -> Result<(), Vec<String>> {
        match state[i] {
            2 => return Ok(()),
            1 => {
                let start = trail.iter().position(|id| *id == exps[i].id).unwrap_or(0);
                let mut cycle = trail[start..].to_vec();
                cycle.push(exps[i].id.clone());
                return Err(cycle);
            }
            _ => {}
        }
        state[i] = 1;
        trail.push(exps[i].id.clone());
        for need in &exps[i].needs {
            if let Some(&j) = pos.get(need) {
                visit(j, exps, pos, state, order, trail)?;
            }
        }
        trail.pop();
        state[i] = 2;
        order.push(i);
        Ok(())
    }
    for i in 0..experiments.len() {
        visit(i, experiments, &position, &mut state, &mut order, &mut Vec::new())?;
    }
    let mut taken: Vec<Option<Experiment>> = experiments.drain(..).map(Some).collect();
    experiments.extend(order.into_iter().filter_map(|i| taken[i].take()));
    Ok(())
}
