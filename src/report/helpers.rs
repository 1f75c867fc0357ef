//! Template helpers. Layouts are language-neutral: wording comes from the catalog (`t`,
//! `term`, `terms`), tables and charts are drawn here with their headings, titles and
//! axis labels in the report's language. Helpers that emit Markdown escape every value
//! they write, so templates call them with plain `{{...}}`.
use super::escape;
use super::i18n::Catalog;
use crate::plots::{BandSeries, Series};
use crate::results::{format_cell, ColumnKind, ResultTable};
use fluent_bundle::{FluentArgs, FluentValue};
use handlebars::{Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderError, RenderErrorReason, ScopedJson};
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// SVG files produced while rendering: (file name under `plots/`, SVG text).
pub type PlotSink = Arc<Mutex<Vec<(String, String)>>>;

pub fn register(hb: &mut Handlebars, catalog: Arc<Catalog>, plots: PlotSink) {
    let c = || catalog.clone();
    hb.register_helper("t", Box::new(Translate(c())));
    hb.register_helper("term", Box::new(Term(c())));
    hb.register_helper("terms", Box::new(Terms(c())));
    hb.register_helper("has", Box::new(Has));
    hb.register_helper("table", Box::new(TableHelper(c())));
    hb.register_helper("plot", Box::new(PlotHelper { catalog: c(), plots: plots.clone() }));
    hb.register_helper("bar_chart", Box::new(BarChartHelper { catalog: c(), plots: plots.clone() }));
    hb.register_helper("few_shot_chart", Box::new(FewShotHelper { catalog: c(), plots: plots.clone() }));
    hb.register_helper("heatmap", Box::new(HeatmapHelper { catalog: c(), plots: plots.clone() }));
    hb.register_helper("artifact", Box::new(ArtifactHelper { catalog: c(), plots }));
}

fn other(e: impl std::fmt::Display) -> RenderError {
    RenderErrorReason::Other(e.to_string()).into()
}

fn param<'a>(h: &'a Helper, i: usize, name: &str) -> Result<&'a Value, RenderErrorReason> {
    h.param(i).map(|p| p.value()).ok_or_else(|| RenderErrorReason::ParamNotFoundForName("helper", name.to_string()))
}

fn str_param<'a>(h: &'a Helper, i: usize, name: &str) -> Result<&'a str, RenderError> {
    param(h, i, name)?.as_str().ok_or_else(|| other(format!("`{name}` must be a string")))
}

/// A message id given in the hash (`title="plot-loss"`), resolved in the catalog.
fn hash_message(catalog: &Catalog, h: &Helper, key: &str) -> Result<Option<String>, RenderError> {
    match h.hash_get(key).and_then(|v| v.value().as_str()) {
        Some(id) => catalog.message(id, None).map(Some).map_err(other),
        None => Ok(None),
    }
}

/// A JSON value as a message argument: numbers stay numbers (the catalog formats them),
/// strings escaped for Markdown (a class name or a prompt never becomes markup), true/false and a missing value (`none`) become
/// words a select expression can match, lists of scalars are joined.
fn fluent_value(v: &Value, catalog: &Catalog) -> Option<FluentValue<'static>> {
    match v {
        Value::Number(n) => n.as_f64().map(FluentValue::from),
        // A value stored as a term cell with values (`setting-lr?lr=0.05`) is worded.
        Value::String(s) if !crate::results::split_term(s).1.is_empty() => Some(FluentValue::from(markdown_arg(&catalog.term_in_prose(s)))),
        Value::String(s) => Some(FluentValue::from(markdown_arg(s))),
        Value::Bool(b) => Some(FluentValue::from(if *b { "true" } else { "false" })),
        Value::Null => Some(FluentValue::from("none")),
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items.iter().map(|i| i.as_str().map(markdown_arg).or_else(|| i.as_f64().map(|f| super::i18n::localise_digits(&super::i18n::plain(f, None), catalog.lang())))).collect();
            parts.map(|p| FluentValue::from(catalog.list(&p)))
        }
        Value::Object(_) => None,
    }
}

/// Text for a message argument, escaped for Markdown; a word that a select expression
/// may match (an identifier such as `held_out`) is passed as it is, since escaping
/// would change it and it cannot carry markup.
fn markdown_arg(s: &str) -> String {
    let identifier = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if identifier {
        s.to_string()
    } else {
        escape::markdown(s)
    }
}

/// `{{t "id" [experiment] [scope="name"] key=value ...}}`: the message `id`, given every
/// scalar value of the experiment and its findings (a finding wins over a value of the
/// same name), the scope's values and findings without their prefix, and the hash; a message the catalog lacks, or a variable it needs but did not get, is an
/// error.
struct Translate(Arc<Catalog>);

impl HelperDef for Translate {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let id = str_param(h, 0, "message id")?;
        let mut args = FluentArgs::new();
        if let Some(exp) = h.param(1).map(|p| p.value()) {
            let values = exp.get("values").and_then(Value::as_object);
            let findings = values.and_then(|v| v.get("findings")).and_then(Value::as_object);
            for (k, v) in values.into_iter().flatten().chain(findings.into_iter().flatten()) {
                if let Some(fv) = fluent_value(v, &self.0) {
                    args.set(k.clone(), fv);
                }
            }
        }
        // `scope="lora"`: the values named `lora_<name>` and the findings under `lora` are
        // also given as `<name>`, so one message serves every method of a task.
        if let (Some(scope), Some(exp)) = (h.hash_get("scope").and_then(|v| v.value().as_str()), h.param(1).map(|p| p.value())) {
            let values = exp.get("values").and_then(Value::as_object);
            let prefix = format!("{scope}_");
            for (k, v) in values.into_iter().flatten() {
                if let (Some(name), Some(fv)) = (k.strip_prefix(&prefix), fluent_value(v, &self.0)) {
                    args.set(name.to_string(), fv);
                }
            }
            let scoped = values.and_then(|v| v.get("findings")).and_then(|f| f.get(scope)).and_then(Value::as_object);
            for (k, v) in scoped.into_iter().flatten() {
                if let Some(fv) = fluent_value(v, &self.0) {
                    args.set(k.clone(), fv);
                }
            }
        }
        for (k, v) in h.hash() {
            if let Some(fv) = fluent_value(v.value(), &self.0) {
                args.set(k.to_string(), fv);
            }
        }
        let text = self.0.message(id, Some(&args)).map_err(other)?;
        out.write(&text)?;
        Ok(())
    }
}

/// `{{term key}}`: a term of the vocabulary in the report's language (usable as a
/// subexpression: `best=(term values.best_method)`).
struct Term(Arc<Catalog>);

impl HelperDef for Term {
    fn call_inner<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>) -> Result<ScopedJson<'rc>, RenderError> {
        let key = param(h, 0, "term")?;
        let text = key.as_str().map_or_else(|| key.to_string(), |k| self.0.term(k));
        Ok(ScopedJson::Derived(Value::String(text)))
    }
}

/// `{{terms list}}`: the terms of a list, joined in the report's language.
struct Terms(Arc<Catalog>);

impl HelperDef for Terms {
    fn call_inner<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>) -> Result<ScopedJson<'rc>, RenderError> {
        let items: Vec<String> = param(h, 0, "list")?.as_array().map(|a| a.iter().filter_map(Value::as_str).map(|k| self.0.term(k)).collect()).unwrap_or_default();
        Ok(ScopedJson::Derived(Value::String(self.0.list(&items))))
    }
}

/// `{{#if (has exp "value")}}`: the experiment stored the value (0 and false count as
/// present; only a missing or null value does not).
struct Has;

impl HelperDef for Has {
    fn call_inner<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>) -> Result<ScopedJson<'rc>, RenderError> {
        let exp = param(h, 0, "exp")?;
        let name = str_param(h, 1, "value name")?;
        let present = exp.get("values").and_then(|v| v.get(name)).is_some_and(|v| !v.is_null());
        Ok(ScopedJson::Derived(Value::Bool(present)))
    }
}

/// The result table `name` of an experiment in the template data.
fn table_of(exp: &Value, name: &str) -> Option<ResultTable> {
    exp.get("tables")?.get(name).and_then(|t| serde_json::from_value(t.clone()).ok())
}

fn require_table(exp: &Value, name: &str) -> Result<ResultTable, RenderError> {
    let id = exp.get("id").and_then(Value::as_str).unwrap_or("?");
    table_of(exp, name).ok_or_else(|| other(format!("experiment `{id}` has no result table `{name}`")))
}

/// `{{table exp "name"}}`: the experiment's result table as a Markdown table, headed in
/// the report's language; a missing table is an error.
struct TableHelper(Arc<Catalog>);

impl HelperDef for TableHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let table = require_table(param(h, 0, "exp")?, str_param(h, 1, "table")?)?;
        out.write(&markdown_table(&table, &self.0))?;
        Ok(())
    }
}

/// Headings from the catalog, terms in its words, numbers as the tables always show them
/// (Latin digits, a fixed number of decimals).
pub fn markdown_table(t: &ResultTable, catalog: &Catalog) -> String {
    let mut s = String::new();
    let header: Vec<String> = t.columns.iter().map(|c| escape::markdown(&catalog.column(&c.key))).collect();
    s.push_str(&format!("| {} |\n", header.join(" | ")));
    let align: Vec<&str> = t.columns.iter().map(|c| if matches!(c.kind, ColumnKind::Text | ColumnKind::Term) { ":---" } else { "---:" }).collect();
    s.push_str(&format!("| {} |\n", align.join(" | ")));
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&t.columns)
            .map(|(v, c)| {
                let text = match (catalog.worded_cell(v, c.kind), v.as_str()) {
                    (Some(worded), _) => worded,
                    // Data that mixes Persian with Latin (a model's output, a list of tokens)
                    // needs its Latin runs isolated in the right-to-left report, as prose does.
                    (None, Some(data)) if c.kind == ColumnKind::Text && catalog.lang() == super::Lang::Fa && data.chars().any(super::bidi::arabic_letter) => {
                        super::bidi::isolate_ltr_runs(data)
                    }
                    _ => format_cell(v, c.kind),
                };
                escape::markdown(&text)
            })
            .collect();
        s.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    s
}

/// Hands an SVG to the report (a file under plots/, inline in the HTML) and writes
/// the Markdown image that refers to it.
fn show_svg(plots: &PlotSink, file: String, svg: String, title: &str, out: &mut dyn Output) -> HelperResult {
    out.write(&format!("![{}](plots/{file})", escape::markdown(title)))?;
    plots.lock().unwrap_or_else(|p| p.into_inner()).push((file, svg));
    Ok(())
}

pub fn slug(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect()
}

/// What every chart helper takes first: the experiment, the name of what it draws (a table,
/// a value, an artifact) and its title (the `title=` message, else the name).
fn chart_params<'a>(catalog: &Catalog, h: &'a Helper, what: &str) -> Result<(&'a Value, &'a str, String), RenderError> {
    let exp = param(h, 0, "exp")?;
    let name = str_param(h, 1, what)?;
    let title = hash_message(catalog, h, "title")?.unwrap_or_else(|| name.to_string());
    Ok((exp, name, title))
}

fn exp_id(exp: &Value) -> &str {
    exp.get("id").and_then(Value::as_str).unwrap_or("exp")
}

/// `{{plot exp "metric" ["metric" ...] title="message" x="message" [x_scale=0.01]}}`: a line chart of
/// metrics, saved as `plots/<exp>-<first metric>.svg`; each line is named by the
/// catalog's `series-<metric>` when it has one. A name with one `*` stands for every
/// recorded metric it matches (`momentum/*/knn`: one line per momentum; `series_terms=true`
/// names each by the vocabulary's term for the matched part). A metric the run
/// did not record is skipped; none at all is an error.
struct PlotHelper {
    catalog: Arc<Catalog>,
    plots: PlotSink,
}

impl HelperDef for PlotHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let exp = param(h, 0, "exp")?;
        let names: Vec<&str> = h.params().iter().skip(1).filter_map(|p| p.value().as_str()).collect();
        let title = hash_message(&self.catalog, h, "title")?.unwrap_or_else(|| names.join(", "));
        let x_label = hash_message(&self.catalog, h, "x")?.unwrap_or_default();
        // Metrics are recorded at whole steps; a sweep over λ ∈ [0, 1] records 100·λ and
        // plots it back with `x_scale=0.01`.
        let x_scale = h.hash_get("x_scale").and_then(|v| v.value().as_f64()).unwrap_or(1.0);
        let metrics = exp.get("metrics").and_then(Value::as_object);
        let to_points = |v: &Value| -> Option<Vec<(f64, f64)>> { Some(v.as_array()?.iter().filter_map(|p| Some((p.get(0)?.as_f64()? * x_scale, p.get(1)?.as_f64()?))).collect()) };
        let mut series: Vec<Series> = Vec::new();
        for name in &names {
            match name.split_once('*') {
                // A pattern: one line per recorded metric it matches, named by the part the
                // `*` stands for (numbers in numeric order), through `series-<pattern>`
                // with `$value` when the catalog has it.
                Some((pre, post)) => {
                    let mut found: Vec<(&str, &Value)> = metrics.into_iter().flatten().filter_map(|(k, v)| k.strip_prefix(pre)?.strip_suffix(post).filter(|m| !m.is_empty()).map(|m| (m, v))).collect();
                    found.sort_by(|a, b| match (a.0.parse::<f64>(), b.0.parse::<f64>()) {
                        (Ok(x), Ok(y)) => x.total_cmp(&y),
                        _ => a.0.cmp(b.0),
                    });
                    let id = format!("series-{}", slug(name));
                    let as_terms = h.hash_get("series_terms").and_then(|v| v.value().as_bool()).unwrap_or(false);
                    for (value, points) in found {
                        let label = if as_terms {
                            self.catalog.term(value)
                        } else if self.catalog.has(&id) {
                            let mut args = FluentArgs::new();
                            args.set("value", value.to_string());
                            self.catalog.message(&id, Some(&args)).unwrap_or_else(|_| value.to_string())
                        } else {
                            value.to_string()
                        };
                        if let Some(points) = to_points(points) {
                            series.push(Series { name: label, points });
                        }
                    }
                }
                None => {
                    if let Some(points) = metrics.and_then(|m| m.get(*name)).and_then(to_points) {
                        series.push(Series { name: self.catalog.message_or(&format!("series-{}", slug(name)), name), points });
                    }
                }
            }
        }
        if series.is_empty() {
            return Err(other(format!("experiment `{}` recorded none of the metrics {}", exp_id(exp), names.join(", "))));
        }
        let svg = crate::plots::line_chart(&title, &x_label, &series).map_err(|e| other(format!("plot {title}: {e}")))?;
        show_svg(&self.plots, format!("{}-{}.svg", slug(exp_id(exp)), slug(names[0])), svg, &title, out)
    }
}

/// `{{bar_chart exp "table" "label column" "value column" where="column=value" title="message"}}`.
struct BarChartHelper {
    catalog: Arc<Catalog>,
    plots: PlotSink,
}

impl HelperDef for BarChartHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let (exp, name, title) = chart_params(&self.catalog, h, "table")?;
        let (label_col, value_col) = (str_param(h, 2, "label column")?, str_param(h, 3, "value column")?);
        let filter = h.hash_get("where").and_then(|v| v.value().as_str()).and_then(|w| w.split_once('='));
        let table = require_table(exp, name)?;
        let (Some(li), Some(vi)) = (table.column(label_col), table.column(value_col)) else {
            return Err(other(format!("table `{name}` has no column `{label_col}` or `{value_col}`")));
        };
        let keep = |row: &Vec<Value>| match filter {
            Some((c, v)) => table.column(c).is_some_and(|i| row[i].as_str() == Some(v)),
            None => true,
        };
        let rows: Vec<&Vec<Value>> = table.rows.iter().filter(|r| keep(r)).collect();
        let term = table.columns[li].kind == ColumnKind::Term;
        let labels: Vec<String> = rows.iter().map(|r| r[li].as_str().map_or_else(|| r[li].to_string(), |s| if term { self.catalog.term(s) } else { s.to_string() })).collect();
        let values: Vec<f64> = rows.iter().map(|r| r[vi].as_f64().unwrap_or(0.0)).collect();
        let axis = format!("{} (%)", self.catalog.column(value_col));
        let svg = crate::plots::bar_chart(&title, &labels, &values, &axis).map_err(|e| other(format!("bar chart {title}: {e}")))?;
        show_svg(&self.plots, format!("{}-{}-bars.svg", slug(exp_id(exp)), slug(name)), svg, &title, out)
    }
}

/// `{{few_shot_chart exp "table" title="message"}}`: the curves of a few-shot table (mean
/// ± std per number of shots), with zero-shot CLIP as the reference line.
struct FewShotHelper {
    catalog: Arc<Catalog>,
    plots: PlotSink,
}

impl HelperDef for FewShotHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let (exp, name, title) = chart_params(&self.catalog, h, "table")?;
        let table = require_table(exp, name)?;
        let cols = ["method", "shots", "top1_mean", "top1_std"].map(|c| table.column(c));
        let [Some(mi), Some(si), Some(ai), Some(di)] = cols else {
            return Err(other(format!("table `{name}` is not a few-shot table")));
        };
        let mut shots: Vec<String> = Vec::new();
        let mut methods: Vec<String> = Vec::new();
        for row in &table.rows {
            let (m, s) = (row[mi].as_str().unwrap_or_default().to_string(), row[si].as_str().unwrap_or_default().to_string());
            if !shots.contains(&s) {
                shots.push(s);
            }
            if !methods.contains(&m) {
                methods.push(m);
            }
        }
        let series: Vec<BandSeries> = methods
            .iter()
            .map(|m| BandSeries {
                name: self.catalog.term(m),
                points: shots
                    .iter()
                    .map(|s| table.rows.iter().find(|r| r[mi].as_str() == Some(m) && r[si].as_str() == Some(s)).map_or((f64::NAN, 0.0), |r| (r[ai].as_f64().unwrap_or(f64::NAN), r[di].as_f64().unwrap_or(0.0))))
                    .collect(),
            })
            .collect();
        // A point is a count ("4"), the whole split as a term cell, or "full" as older runs stored it.
        let shot_labels: Vec<String> = shots.iter().map(|s| if s == "full" { self.catalog.message_or("term-shots-full", s) } else { self.catalog.term(s) }).collect();
        let zero_shot = exp.get("values").and_then(|v| v.get("zero_shot_top1")).and_then(Value::as_f64);
        let reference = self.catalog.term("zero_shot");
        let axes = (self.catalog.message("axis-shots", None).map_err(other)?, self.catalog.message("axis-test-top1-pct", None).map_err(other)?);
        let svg = crate::plots::few_shot_chart(&title, (&axes.0, &axes.1), &shot_labels, &series, zero_shot.map(|z| (reference.as_str(), z))).map_err(|e| other(format!("few-shot chart: {e}")))?;
        show_svg(&self.plots, format!("{}-{}.svg", slug(exp_id(exp)), slug(name)), svg, &title, out)
    }
}

/// `{{heatmap exp "value" title="message"}}`: a matrix the task stored as a value
/// (`{"classes": [...], "rows": [[...]]}`), drawn as a heatmap.
struct HeatmapHelper {
    catalog: Arc<Catalog>,
    plots: PlotSink,
}

impl HelperDef for HeatmapHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let (exp, name, title) = chart_params(&self.catalog, h, "value")?;
        let matrix = exp.get("values").and_then(|v| v.get(name)).ok_or_else(|| other(format!("experiment `{}` stored no matrix `{name}`", exp_id(exp))))?;
        let classes: Vec<String> = matrix.get("classes").and_then(Value::as_array).map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_string)).collect()).unwrap_or_default();
        let rows: Vec<Vec<f64>> = matrix.get("rows").and_then(Value::as_array).map(|r| r.iter().map(|row| row.as_array().map(|c| c.iter().filter_map(Value::as_f64).collect()).unwrap_or_default()).collect()).unwrap_or_default();
        let svg = crate::plots::heatmap(&title, &classes, &rows).map_err(|e| other(format!("heatmap: {e}")))?;
        show_svg(&self.plots, format!("{}-{}.svg", slug(exp_id(exp)), slug(name)), svg, &title, out)
    }
}

/// `{{artifact exp "name" title="message"}}`: an SVG the task wrote (an image card),
/// shown like a plot.
struct ArtifactHelper {
    catalog: Arc<Catalog>,
    plots: PlotSink,
}

impl HelperDef for ArtifactHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let (exp, name, title) = chart_params(&self.catalog, h, "name")?;
        let path = exp.get("artifacts").and_then(|a| a.get(name)).and_then(Value::as_str);
        match path.and_then(|p| std::fs::read_to_string(p).ok()).filter(|s| s.contains("<svg")) {
            Some(svg) => show_svg(&self.plots, format!("{}-{}.svg", slug(exp_id(exp)), slug(name)), svg, &title, out),
            None => {
                let missing = self.catalog.message("artifact-missing", Some(&FluentArgs::from_iter([("title", FluentValue::from(title.clone()))]))).map_err(other)?;
                out.write(&format!("*{missing}*\n"))?;
                Ok(())
            }
        }
    }
}
