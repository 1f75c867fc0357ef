//! Template helpers: result tables as Markdown, metric plots as SVG files, number formats.
//! Helpers that emit Markdown write it directly (escaping each value themselves), so
//! templates call them with plain `{{table ...}}`.
use super::escape;
use crate::plots::{line_chart, Series};
use crate::results::{format_cell, format_float, ColumnKind, ResultTable};
use handlebars::{Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderErrorReason};
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// SVG files produced while rendering: (file name under `plots/`, SVG text).
pub type PlotSink = Arc<Mutex<Vec<(String, String)>>>;

/// `rtl`: the report is right-to-left, so numbers and identifiers are wrapped in Unicode
/// isolates (LRI … PDI) to keep their left-to-right order inside Persian sentences.
pub fn register(hb: &mut Handlebars, plots: PlotSink, rtl: bool) {
    hb.register_helper("table", Box::new(TableHelper));
    hb.register_helper("plot", Box::new(PlotHelper { plots: plots.clone() }));
    hb.register_helper("num", Box::new(NumberHelper { percent: false, rtl }));
    hb.register_helper("pct", Box::new(NumberHelper { percent: true, rtl }));
    hb.register_helper("duration", Box::new(DurationHelper { rtl }));
    hb.register_helper("ltr", Box::new(LtrHelper { rtl }));
    hb.register_helper("delta", Box::new(DeltaHelper { rtl }));
    hb.register_helper("bar_chart", Box::new(BarChartHelper { plots: plots.clone() }));
    hb.register_helper("artifact", Box::new(ArtifactHelper { plots }));
}

/// `{{delta after before}}`: the change of two fractions in percentage points, signed.
struct DeltaHelper {
    rtl: bool,
}

impl HelperDef for DeltaHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let (a, b) = (param(h, 0, "after")?.as_f64(), param(h, 1, "before")?.as_f64());
        let text = match (a, b) {
            (Some(a), Some(b)) => format!("{:+.2}", (a - b) * 100.0),
            _ => "—".into(),
        };
        out.write(&isolate(&text, self.rtl))?;
        Ok(())
    }
}

/// `{{bar_chart exp "table" "label column" "value column" where="column=value" title="..."}}`.
struct BarChartHelper {
    plots: PlotSink,
}

impl HelperDef for BarChartHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let exp = param(h, 0, "exp")?;
        let name = param(h, 1, "table")?.as_str().unwrap_or_default();
        let (label_col, value_col) = (param(h, 2, "label")?.as_str().unwrap_or_default(), param(h, 3, "value")?.as_str().unwrap_or_default());
        let title = h.hash_get("title").and_then(|v| v.value().as_str()).unwrap_or(name);
        let filter = h.hash_get("where").and_then(|v| v.value().as_str()).and_then(|w| w.split_once('='));
        let Some(table) = table_of(exp, name) else {
            out.write(&format!("*(no table `{}`)*\n", escape::markdown(name)))?;
            return Ok(());
        };
        let col = |c: &str| table.columns.iter().position(|x| x.name == c);
        let (Some(li), Some(vi)) = (col(label_col), col(value_col)) else {
            out.write("*(the chart's columns are not in the table)*\n")?;
            return Ok(());
        };
        let keep = |row: &Vec<Value>| match filter {
            Some((c, v)) => col(c).is_some_and(|i| row[i].as_str() == Some(v)),
            None => true,
        };
        let rows: Vec<&Vec<Value>> = table.rows.iter().filter(|r| keep(r)).collect();
        let labels: Vec<String> = rows.iter().map(|r| r[li].as_str().map_or_else(|| r[li].to_string(), str::to_string)).collect();
        let values: Vec<f64> = rows.iter().map(|r| r[vi].as_f64().unwrap_or(0.0)).collect();
        let svg = crate::plots::bar_chart(title, &labels, &values, &format!("{value_col} (%)")).map_err(|e| RenderErrorReason::Other(format!("bar chart {title}: {e}")))?;
        let id = exp.get("id").and_then(Value::as_str).unwrap_or("exp");
        let file = format!("{}-{}-bars.svg", slug(id), slug(name));
        show_svg(&self.plots, file, svg, title, out)?;
        Ok(())
    }
}

/// `{{artifact exp "name" title="..."}}`: an SVG the task wrote, shown like a plot.
struct ArtifactHelper {
    plots: PlotSink,
}

impl HelperDef for ArtifactHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let exp = param(h, 0, "exp")?;
        let name = param(h, 1, "name")?.as_str().unwrap_or_default();
        let title = h.hash_get("title").and_then(|v| v.value().as_str()).unwrap_or(name);
        let path = exp.get("artifacts").and_then(|a| a.get(name)).and_then(Value::as_str);
        match path.and_then(|p| std::fs::read_to_string(p).ok()).filter(|s| s.contains("<svg")) {
            Some(svg) => {
                let id = exp.get("id").and_then(Value::as_str).unwrap_or("exp");
                let file = format!("{}-{}.svg", slug(id), slug(name));
                show_svg(&self.plots, file, svg, title, out)?;
            }
            None => out.write(&format!("*({} is not available)*\n", escape::markdown(title)))?,
        }
        Ok(())
    }
}

const LRI: char = '\u{2066}';
const PDI: char = '\u{2069}';

fn isolate(text: &str, rtl: bool) -> String {
    if rtl {
        format!("{LRI}{text}{PDI}")
    } else {
        text.to_string()
    }
}

/// `{{ltr value}}`: an identifier, path or time, escaped and kept left-to-right.
struct LtrHelper {
    rtl: bool,
}

impl HelperDef for LtrHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let text = match param(h, 0, "value")? {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        out.write(&isolate(&escape::markdown(&text), self.rtl))?;
        Ok(())
    }
}

/// The result table `name` of an experiment in the template data.
fn table_of(exp: &Value, name: &str) -> Option<ResultTable> {
    exp.get("tables")?.get(name).and_then(|t| serde_json::from_value(t.clone()).ok())
}

/// Hands an SVG to the report (a file under plots/, inline in the HTML) and writes
/// the Markdown image that refers to it.
fn show_svg(plots: &PlotSink, file: String, svg: String, title: &str, out: &mut dyn Output) -> HelperResult {
    out.write(&format!("![{}](plots/{file})", escape::markdown(title)))?;
    plots.lock().unwrap_or_else(|p| p.into_inner()).push((file, svg));
    Ok(())
}

fn param<'a>(h: &'a Helper, i: usize, name: &str) -> Result<&'a Value, RenderErrorReason> {
    h.param(i).map(|p| p.value()).ok_or_else(|| RenderErrorReason::ParamNotFoundForName("helper", name.to_string()))
}

/// `{{table exp "name"}}`: the experiment's result table as a Markdown table.
struct TableHelper;

impl HelperDef for TableHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let exp = param(h, 0, "exp")?;
        let name = param(h, 1, "name")?.as_str().unwrap_or_default();
        match table_of(exp, name) {
            Some(t) => out.write(&markdown_table(&t))?,
            None => out.write(&format!("*(no table `{}`)*\n", escape::markdown(name)))?,
        }
        Ok(())
    }
}

pub fn markdown_table(t: &ResultTable) -> String {
    let mut s = String::new();
    let header: Vec<String> = t.columns.iter().map(|c| escape::markdown(&c.name)).collect();
    s.push_str(&format!("| {} |\n", header.join(" | ")));
    let align: Vec<&str> = t.columns.iter().map(|c| if c.kind == ColumnKind::Text { ":---" } else { "---:" }).collect();
    s.push_str(&format!("| {} |\n", align.join(" | ")));
    for row in &t.rows {
        let cells: Vec<String> = row.iter().zip(&t.columns).map(|(v, c)| escape::markdown(&format_cell(v, c.kind))).collect();
        s.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    s
}

/// `{{plot exp "metric" ["metric" ...] title="..." x="step"}}`: a line chart of metrics,
/// saved as `plots/<exp>-<first metric>.svg` and referenced as a Markdown image.
struct PlotHelper {
    plots: PlotSink,
}

impl HelperDef for PlotHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let exp = param(h, 0, "exp")?;
        let id = exp.get("id").and_then(Value::as_str).unwrap_or("exp");
        let names: Vec<&str> = h.params().iter().skip(1).filter_map(|p| p.value().as_str()).collect();
        let title = h.hash_get("title").and_then(|v| v.value().as_str()).unwrap_or(names.first().copied().unwrap_or("metrics"));
        let x_label = h.hash_get("x").and_then(|v| v.value().as_str()).unwrap_or("step");
        let series: Vec<Series> = names
            .iter()
            .filter_map(|name| {
                let points = exp.get("metrics")?.get(*name)?.as_array()?;
                let points = points.iter().filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?))).collect();
                Some(Series { name: name.to_string(), points })
            })
            .collect();
        if series.is_empty() {
            out.write(&format!("*(no data for {})*\n", escape::markdown(&names.join(", "))))?;
            return Ok(());
        }
        let svg = line_chart(title, x_label, &series).map_err(|e| RenderErrorReason::Other(format!("plot {title}: {e}")))?;
        let file = format!("{}-{}.svg", slug(id), slug(names[0]));
        show_svg(&self.plots, file, svg, title, out)?;
        Ok(())
    }
}

pub fn slug(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect()
}

/// `{{num x digits=4}}` and `{{pct x digits=2}}` (a fraction shown as a percentage).
struct NumberHelper {
    percent: bool,
    rtl: bool,
}

impl HelperDef for NumberHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let value = param(h, 0, "value")?;
        let digits = h.hash_get("digits").and_then(|d| d.value().as_u64()).map(|d| d.min(12) as usize);
        let text = match value.as_f64() {
            None => "—".to_string(),
            Some(f) if self.percent => format!("{:.*}%", digits.unwrap_or(2), f * 100.0),
            Some(f) if value.is_i64() || value.is_u64() => format!("{}", f as i64),
            Some(f) => digits.map_or_else(|| format_float(f), |d| format!("{f:.d$}")),
        };
        out.write(&isolate(&text, self.rtl))?;
        Ok(())
    }
}

/// `{{duration seconds}}` → "42.1 s" or "3 min 05 s".
struct DurationHelper {
    rtl: bool,
}

impl HelperDef for DurationHelper {
    fn call<'reg: 'rc, 'rc>(&self, h: &Helper<'rc>, _: &'reg Handlebars<'reg>, _: &'rc Context, _: &mut RenderContext<'reg, 'rc>, out: &mut dyn Output) -> HelperResult {
        let text = match param(h, 0, "seconds")?.as_f64() {
            None => "—".to_string(),
            Some(s) if s < 60.0 => format!("{s:.1} s"),
            Some(s) => format!("{} min {:02} s", (s / 60.0).floor() as u64, (s % 60.0).round() as u64),
        };
        out.write(&isolate(&text, self.rtl))?;
        Ok(())
    }
}
