//! The validated suite: what the runner executes and the store snapshots.
use super::kind::Params;

#[derive(Debug, Clone)]
pub struct Suite {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    /// A file path, or `builtin:NAME` for an embedded suite.
    pub source: String,
    /// The YAML text as read, kept as the run's spec snapshot.
    pub text: String,
    /// In dependency order (an experiment comes after everything it `needs`).
    pub experiments: Vec<Experiment>,
}

impl Suite {
    pub fn experiment(&self, id: &str) -> Option<&Experiment> {
        self.experiments.iter().find(|e| e.id == id)
    }
}

#[derive(Debug, Clone)]
pub struct Experiment {
    pub id: String,
    pub part: Part,
    pub title: Option<Title>,
    /// The task kind's name (`task:` in YAML), as the registry spells it.
    pub task: &'static str,
    pub params: Params,
    pub seed: u64,
    pub device: DeviceSpec,
    pub needs: Vec<String>,
    pub enabled: bool,
    /// Line of the experiment's entry in the suite file.
    pub line: usize,
}

impl Experiment {
    /// What decides the experiment's result (everything but presentation), as JSON.
    /// The runner hashes it, with its inputs' hashes, to decide whether to reuse.
    pub fn identity(&self) -> serde_json::Value {
        serde_json::json!({
            "task": self.task,
            "params": self.params.json(),
            "seed": self.seed,
            "device": self.device.to_string(),
        })
    }

    /// The English title (the dashboard's), else the id.
    pub fn display_title(&self) -> &str {
        self.title.as_ref().map_or(&self.id, Title::en)
    }

    /// The title as the store keeps it (see `Title::stored`), else the id.
    pub fn stored_title(&self) -> String {
        self.title.as_ref().map_or_else(|| self.id.clone(), Title::stored)
    }
}

/// An experiment's title: one text, or one per language
/// (`title: { en: "Zero-shot accuracy", fa: "دقت بدون نمونه" }`).
#[derive(Debug, Clone, PartialEq)]
pub enum Title {
    Plain(String),
    Languages(TitleLanguages),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TitleLanguages {
    pub en: String,
    pub fa: Option<String>,
}

// By hand rather than `untagged`: serde's derived structs also read a sequence, which
// would take `title: [a, b]` as English `a` and Persian `b`.
impl<'de> serde::Deserialize<'de> for Title {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_norway::Value::deserialize(deserializer)? {
            serde_norway::Value::String(text) => Ok(Title::Plain(text)),
            map @ serde_norway::Value::Mapping(_) => serde_norway::from_value(map).map(Title::Languages).map_err(D::Error::custom),
            _ => Err(D::Error::custom("expected a title: text, or one per language (`{ en: ..., fa: ... }`)")),
        }
    }
}

impl Title {
    pub fn en(&self) -> &str {
        match self {
            Title::Plain(t) => t,
            Title::Languages(l) => &l.en,
        }
    }

    /// The title in language `code` (`en`, `fa`), else the English one.
    pub fn in_lang(&self, code: &str) -> &str {
        match self {
            Title::Languages(TitleLanguages { fa: Some(fa), .. }) if code == "fa" => fa,
            _ => self.en(),
        }
    }

    /// For the store's one title column: the plain text, or JSON when it has languages.
    pub fn stored(&self) -> String {
        match self {
            Title::Plain(t) => t.clone(),
            Title::Languages(l) => serde_json::to_string(l).unwrap_or_else(|_| l.en.clone()),
        }
    }

    /// The inverse of `stored`.
    pub fn from_stored(text: &str) -> Title {
        match serde_json::from_str::<TitleLanguages>(text) {
            Ok(l) if text.starts_with('{') => Title::Languages(l),
            _ => Title::Plain(text.to_string()),
        }
    }
}

/// The homework part an experiment answers: `q3` with sub-parts `ab`, or the demo.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Part {
    /// 1..=5; None for `demo`.
    pub question: Option<u8>,
    /// Sub-part letters in order, e.g. "abc".
    pub subs: String,
}

impl Part {
    pub fn parse(text: &str) -> Option<Part> {
        if text == "demo" {
            return Some(Part { question: None, subs: String::new() });
        }
        let rest = text.strip_prefix('q')?;
        let mut chars = rest.chars();
        let q = chars.next()?.to_digit(10)?;
        let subs: String = chars.collect();
        let ok_subs = subs.chars().all(|c| c.is_ascii_lowercase())
            && subs.as_bytes().windows(2).all(|w| w[0] < w[1]);
        ((1..=5).contains(&q) && ok_subs).then_some(Part { question: Some(q as u8), subs })
    }

    /// "q3" for grouping in the report and the dashboard; "demo" for the demo.
    pub fn question_key(&self) -> String {
        match self.question {
            Some(q) => format!("q{q}"),
            None => "demo".into(),
        }
    }
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.question {
            Some(q) => write!(f, "q{q}{}", self.subs),
            None => f.write_str("demo"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceSpec {
    Auto,
    Cpu,
    Cuda(usize),
}

impl DeviceSpec {
    pub fn parse(text: &str) -> Option<DeviceSpec> {
        match text {
            "auto" => Some(DeviceSpec::Auto),
            "cpu" => Some(DeviceSpec::Cpu),
            "cuda" => Some(DeviceSpec::Cuda(0)),
            _ => text.strip_prefix("cuda:")?.parse().ok().map(DeviceSpec::Cuda),
        }
    }
}

impl std::fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceSpec::Auto => f.write_str("auto"),
            DeviceSpec::Cpu => f.write_str("cpu"),
            DeviceSpec::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_parse_and_print() {
        assert_eq!(Part::parse("q3abc").unwrap().to_string(), "q3abc");
        assert_eq!(Part::parse("demo").unwrap().question, None);
        assert!(Part::parse("q6").is_none());
        assert!(Part::parse("q3ba").is_none(), "sub-parts must be in order");
        assert!(Part::parse("Q3").is_none());
    }

    #[test]
    fn devices_parse() {
        assert_eq!(DeviceSpec::parse("cuda:1"), Some(DeviceSpec::Cuda(1)));
        assert_eq!(DeviceSpec::parse("cuda"), Some(DeviceSpec::Cuda(0)));
        assert_eq!(DeviceSpec::parse("gpu"), None);
    }
}
