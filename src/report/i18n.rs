//! The report's wording: one Fluent catalog per language (`locales/<lang>/*.ftl`), sharing
//! message ids. Templates say which message goes where; the catalog says it, picking the
//! sentence with select expressions over the task's findings, and formats numbers with
//! the functions registered here (PCT, NUM, POINTS, GAP, RATIO, SECS). In the right-to-left
//! catalog every placeable is isolated (FSI … PDI), so numbers, names and prompts keep
//! their order inside Persian sentences, and digits in prose are Persian digits.
use super::model::Lang;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

pub struct Catalog {
    lang: Lang,
    bundle: FluentBundle<FluentResource>,
    /// Per message: the variables it selects on. One the caller did not give is passed as
    /// `none`, so a select can say what to write when a result is absent; any other
    /// missing variable is an error.
    selectors: HashMap<String, Vec<String>>,
    /// Per message: the variant keys of its select expressions, in order (the shape the
    /// two languages must share).
    shapes: BTreeMap<String, Vec<String>>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Catalog({})", self.lang.code())
    }
}

/// The catalog files of `lang`: (file name, text).
pub fn files(lang: Lang) -> impl Iterator<Item = (&'static str, &'static str)> {
    LOCALES.iter().filter(move |(l, _, _)| *l == lang.code()).map(|&(_, file, text)| (file, text))
}

/// The English catalog, built once: the dashboard and `runs show` head their tables with it.
pub fn english() -> &'static Catalog {
    static ENGLISH: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    ENGLISH.get_or_init(|| Catalog::new(Lang::En).expect("the English catalog compiled into the binary is valid (tested)"))
}

impl Catalog {
    /// The compiled-in catalog of `lang`. The files are part of the binary and checked by
    /// the tests, so a syntax error here is a build defect, reported with its file.
    pub fn new(lang: Lang) -> anyhow::Result<Catalog> {
        let id: unic_langid::LanguageIdentifier = lang.code().parse().map_err(|e| anyhow::anyhow!("language {}: {e}", lang.code()))?;
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // Isolation marks only where they matter: inside right-to-left text.
        bundle.set_use_isolating(lang == Lang::Fa);
        bundle.set_formatter(Some(match lang {
            Lang::En => format_value,
            Lang::Fa => format_value_fa,
        }));
        let (mut selectors, mut shapes) = (HashMap::new(), BTreeMap::new());
        for (file, text) in files(lang) {
            let resource = FluentResource::try_new(text.to_string()).map_err(|(_, errors)| anyhow::anyhow!("locales/{}/{file}: {errors:?}", lang.code()))?;
            for entry in resource.entries() {
                if let ast::Entry::Message(m) = entry {
                    let (mut vars, mut keys) = (Vec::new(), Vec::new());
                    if let Some(p) = &m.value {
                        walk(p, &mut vars, &mut keys);
                    }
                    selectors.insert(m.id.name.to_string(), vars);
                    shapes.insert(m.id.name.to_string(), keys);
                }
            }
            bundle.add_resource(resource).map_err(|errors| anyhow::anyhow!("locales/{}/{file}: {errors:?}", lang.code()))?;
        }
        register_functions(&mut bundle, lang)?;
        Ok(Catalog { lang, bundle, selectors, shapes })
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn has(&self, id: &str) -> bool {
        self.bundle.has_message(id)
    }

    /// Every message id with the variant keys of its selects (for the test that both
    /// languages define the same messages and variants).
    pub fn shapes(&self) -> &BTreeMap<String, Vec<String>> {
        &self.shapes
    }

    /// The message `id` with `args`; a missing message, attribute or variable is an error
    /// (the report's contract), never a silently wrong sentence.
    pub fn message(&self, id: &str, args: Option<&FluentArgs>) -> anyhow::Result<String> {
        let message = self.bundle.get_message(id).ok_or_else(|| anyhow::anyhow!("no message `{id}` in the {} catalog", self.lang.code()))?;
        let pattern = message.value().ok_or_else(|| anyhow::anyhow!("message `{id}` has no value"))?;
        let absent: Vec<&String> = self.selectors.get(id).into_iter().flatten().filter(|v| args.is_none_or(|a| a.get(v.as_str()).is_none())).collect();
        let completed;
        let args = if absent.is_empty() {
            args
        } else {
            let mut all: FluentArgs = args.map(|a| a.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()).unwrap_or_default();
            for v in absent {
                all.set(v.clone(), "none");
            }
            completed = all;
            Some(&completed)
        };
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        anyhow::ensure!(errors.is_empty(), "message `{id}` ({}): {:?}", self.lang.code(), errors);
        Ok(match self.lang {
            Lang::Fa => super::bidi::isolate_ltr_runs(&text),
            Lang::En => text.into_owned(),
        })
    }

    /// `id` when the catalog has it, else `fallback` (data the catalog does not name).
    pub fn message_or(&self, id: &str, fallback: &str) -> String {
        if self.has(id) {
            self.message(id, None).unwrap_or_else(|_| fallback.to_string())
        } else {
            fallback.to_string()
        }
    }

    /// A term of the vocabulary (`term-<key>`: methods, roles, kinds of prompt), with the
    /// values a term cell carries (`key?name=value&…`) as the message's variables. A cell
    /// the catalog does not know is shown as it is.
    pub fn term(&self, cell: &str) -> String {
        self.word_term(cell, false)
    }

    /// A term inside a sentence: its numbers written as prose writes them (Persian
    /// digits in Persian), where a table keeps Latin digits.
    pub fn term_in_prose(&self, cell: &str) -> String {
        self.word_term(cell, true)
    }

    fn word_term(&self, cell: &str, prose: bool) -> String {
        let (key, values) = crate::results::split_term(cell);
        let id = format!("term-{key}");
        if !self.has(&id) {
            return cell.to_string();
        }
        let digits = |v: &str| if prose && v.parse::<f64>().is_ok() { localise_digits(v, self.lang) } else { v.to_string() };
        let args: FluentArgs = values.into_iter().map(|(name, value)| (name.to_string(), FluentValue::from(digits(value)))).collect();
        let worded = if args.iter().next().is_some() { self.message(&id, Some(&args)) } else { self.message(&id, None) };
        worded.unwrap_or_else(|_| cell.to_string())
    }

    /// A term among data (`@key` in a text column: a table's summary row) in this
    /// language's words; None for data.
    pub fn term_in_data(&self, cell: &str) -> Option<String> {
        let key = cell.strip_prefix('@')?;
        self.has(&format!("term-{}", crate::results::split_term(key).0)).then(|| self.term(key))
    }

    /// A stored value as the dashboard and `runs` show it: a term cell with values in this
    /// language's words, anything else as `value_text` writes it.
    pub fn shown_value(&self, v: Option<&serde_json::Value>) -> String {
        match v {
            Some(serde_json::Value::String(s)) if !crate::results::split_term(s).1.is_empty() => self.term(s),
            _ => crate::store::diff::value_text(v),
        }
    }

    /// The heading of a result-table column (`col-<key>`).
    pub fn column(&self, key: &str) -> String {
        self.message_or(&format!("col-{key}"), key)
    }

    /// A table cell as shown to a reader: terms in this language's words, the rest as the
    /// table formats it.
    pub fn cell(&self, table: &crate::results::ResultTable, row: usize, col: usize) -> String {
        self.worded_cell(&table.rows[row][col], table.columns[col].kind).unwrap_or_else(|| table.cell_text(row, col))
    }

    /// A cell this catalog words: a term, or a term among data; None for data and numbers.
    pub fn worded_cell(&self, value: &serde_json::Value, kind: crate::results::ColumnKind) -> Option<String> {
        match (kind, value.as_str()) {
            (crate::results::ColumnKind::Term, Some(key)) => Some(self.term(key)),
            (crate::results::ColumnKind::Text, Some(cell)) => self.term_in_data(cell),
            _ => None,
        }
    }

    /// A list in this language's words: "a, b and c".
    pub fn list(&self, items: &[String]) -> String {
        match items {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => {
                let and = self.message_or("list-and", "and");
                let sep = self.message_or("list-separator", ", ");
                format!("{} {and} {last}", init.join(&sep))
            }
        }
    }
}

/// Collects the variables a pattern selects on and its variant keys, nested selects too.
fn walk(pattern: &ast::Pattern<&str>, vars: &mut Vec<String>, keys: &mut Vec<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression: ast::Expression::Select { selector, variants } } = element {
            if let ast::InlineExpression::VariableReference { id } = selector {
                if !vars.iter().any(|v| v == id.name) {
                    vars.push(id.name.to_string());
                }
            }
            let names: Vec<String> = variants
                .iter()
                .map(|v| match &v.key {
                    ast::VariantKey::Identifier { name } => name.to_string(),
                    ast::VariantKey::NumberLiteral { value } => value.to_string(),
                })
                .collect();
            keys.push(names.join("|"));
            for v in variants {
                walk(&v.value, vars, keys);
            }
        }
    }
}

fn register_functions(bundle: &mut FluentBundle<FluentResource>, lang: Lang) -> anyhow::Result<()> {
    let add = |bundle: &mut FluentBundle<FluentResource>, name: &str, f: fn(f64, Option<usize>, Lang) -> String| {
        bundle
            .add_function(name, move |positional: &[FluentValue], named: &FluentArgs| {
                let digits = named.get("digits").and_then(number).map(|d| d.clamp(0.0, 12.0) as usize);
                match positional.first().and_then(number) {
                    Some(x) if x.is_finite() => FluentValue::String(Cow::Owned(f(x, digits, lang))),
                    _ => FluentValue::String(Cow::Borrowed("—")),
                }
            })
            .map_err(|e| anyhow::anyhow!("registering {name}: {e:?}"))
    };
    add(bundle, "NUM", |x, d, lang| localise_digits(&plain(x, d), lang))?;
    add(bundle, "PCT", |x, d, lang| localise_digits(&format!("{:.*}%", d.unwrap_or(2), x * 100.0), lang))?;
    add(bundle, "POINTS", |x, d, lang| localise_digits(&format!("{:+.*}", d.unwrap_or(2), x * 100.0), lang))?;
    // The size of a difference, for sentences that already say which way it goes.
    add(bundle, "GAP", |x, d, lang| localise_digits(&format!("{:.*}", d.unwrap_or(2), (x * 100.0).abs()), lang))?;
    add(bundle, "RATIO", |x, d, lang| localise_digits(&format!("{:.*}×", d.unwrap_or(2), x), lang))?;
    add(bundle, "SECS", |x, _, lang| duration(x, lang))?;
    Ok(())
}

fn number(v: &FluentValue) -> Option<f64> {
    match v {
        FluentValue::Number(n) => Some(n.value),
        FluentValue::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A number as a reader writes it: integers without a fraction, others with at most four
/// decimals and no trailing zeros (`8`, `0.01`, `3.1416`), tiny ones in e-notation
/// (`1e-4`); `digits` fixes the decimals.
pub fn plain(x: f64, digits: Option<usize>) -> String {
    if let Some(d) = digits {
        return format!("{x:.d$}");
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    if x != 0.0 && x.abs() < 1e-3 {
        let s = format!("{x:e}");
        return s;
    }
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// `42.1 s` under a minute, else `3 min 05 s` (seconds rounded before splitting, so
/// 239.6 s is `4 min 00 s`).
pub fn duration(seconds: f64, lang: Lang) -> String {
    let (min_unit, sec_unit, joiner) = match lang {
        Lang::En => ("min", "s", " "),
        Lang::Fa => ("دقیقه", "ثانیه", " و "),
    };
    let text = if seconds < 59.95 {
        format!("{seconds:.1} {sec_unit}")
    } else {
        let total = seconds.round() as u64;
        format!("{} {min_unit}{joiner}{:02} {sec_unit}", total / 60, total % 60)
    };
    localise_digits(&text, lang)
}

/// Persian prose writes Persian digits, the Persian decimal separator and percent sign.
pub fn localise_digits(text: &str, lang: Lang) -> String {
    match lang {
        Lang::En => text.to_string(),
        Lang::Fa => text
            .chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32('۰' as u32 + (c as u32 - '0' as u32)).unwrap_or(c),
                '.' => '٫',
                '%' => '٪',
                other => other,
            })
            .collect(),
    }
}

/// How a number is written into a sentence: as a reader writes it (`8`, `0.01`).
fn format_value(value: &FluentValue, _: &intl_memoizer::concurrent::IntlLangMemoizer) -> Option<String> {
    match value {
        FluentValue::Number(n) => Some(plain(n.value, None)),
        _ => None,
    }
}

/// The same, with Persian digits for numbers.
fn format_value_fa(value: &FluentValue, memoizer: &intl_memoizer::concurrent::IntlLangMemoizer) -> Option<String> {
    match value {
        FluentValue::Number(n) => Some(localise_digits(&plain(n.value, None), Lang::Fa)),
        other => format_value(other, memoizer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_and_persian_define_the_same_messages_and_variants() {
        let (en, fa) = (Catalog::new(Lang::En).unwrap(), Catalog::new(Lang::Fa).unwrap());
        let only = |a: &Catalog, b: &Catalog| a.shapes().keys().filter(|k| !b.shapes().contains_key(*k)).cloned().collect::<Vec<_>>();
        assert!(only(&en, &fa).is_empty(), "only in en: {:?}", only(&en, &fa));
        assert!(only(&fa, &en).is_empty(), "only in fa: {:?}", only(&fa, &en));
        for (id, shape) in en.shapes() {
            assert_eq!(Some(shape), fa.shapes().get(id), "the variants of `{id}` differ");
        }
        assert!(en.shapes().len() > 150, "{} messages", en.shapes().len());
    }

    #[test]
    fn term_cells_are_worded_in_tables_prose_and_values() {
        let (en, fa) = (Catalog::new(Lang::En).unwrap(), Catalog::new(Lang::Fa).unwrap());
        let cell = "best-step?step=45&steps=150";
        assert_eq!(en.term(cell), "step 45 of 150");
        assert!(fa.term(cell).contains("45") && fa.term(cell).contains("گام"), "{}", fa.term(cell));
        assert!(fa.term_in_prose(cell).contains("۴۵"), "{}", fa.term_in_prose(cell));
        assert_eq!(en.term("lbfgs-iterations?iterations=51&converged=no"), "51 iterations (not converged)");
        assert_eq!(en.term("lbfgs-iterations?iterations=51&converged=yes"), "51 iterations");
        assert_eq!(en.term("unknown-key?a=1"), "unknown-key?a=1", "a cell the catalog does not know is shown as it is");
        assert_eq!(en.term_in_data("@macro_average").as_deref(), Some("macro average"));
        assert_eq!(en.term_in_data("pug"), None);
        assert_eq!(en.term_in_data("@not_a_term"), None);
        assert_eq!(en.shown_value(Some(&serde_json::json!("setting-lr?lr=0.05"))), "lr 0.05");
        assert_eq!(en.shown_value(Some(&serde_json::json!("a photo of a {}?"))), "a photo of a {}?");
    }

    #[test]
    fn absent_results_select_none_and_missing_variables_are_errors() {
        let en = Catalog::new(Lang::En).unwrap();
        let mut args = FluentArgs::new();
        for (k, v) in [("worst_class", "pug"), ("worst_f1_before", "0.5"), ("candidates", "3"), ("heldout_images", "10")] {
            args.set(k, v);
        }
        let text = en.message("q3c-worst", Some(&args)).unwrap();
        assert!(text.starts_with("The worst class is **pug** (F1 50.00%). To find"), "{text}");
        let mut partial = FluentArgs::new();
        partial.set("worst_class", "pug");
        assert!(en.message("q3c-worst", Some(&partial)).is_err(), "a variable the sentence prints is required");
        assert!(en.message("no-such-message", None).is_err());
    }

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(plain(8.0, None), "8");
        assert_eq!(plain(0.01, None), "0.01");
        assert_eq!(plain(0.0001, None), "1e-4");
        assert_eq!(plain(1.234567, None), "1.2346");
        assert_eq!(plain(0.5, Some(3)), "0.500");
        assert_eq!(duration(42.14, Lang::En), "42.1 s");
        assert_eq!(duration(239.6, Lang::En), "4 min 00 s");
        assert_eq!(duration(125.0, Lang::Fa), "۲ دقیقه و ۰۵ ثانیه");
        assert_eq!(localise_digits("83.33%", Lang::Fa), "۸۳٫۳۳٪");
    }
}
