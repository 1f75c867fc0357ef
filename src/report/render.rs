//! Renders a run's report: handlebars → Markdown (+ plot SVGs beside it), then
//! pulldown-cmark → one self-contained HTML file with inline CSS and SVG.
use super::helpers::{self, PlotSink};
use super::model::{Lang, ReportModel};
use crate::fsx;
use anyhow::{Context, Result};
use handlebars::Handlebars;
use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Templates are compiled into the binary so a report renders from any directory.
const REPORT: &str = include_str!("../../templates/report.md.hbs");
const HTML_SHELL: &str = include_str!("../../templates/html.hbs");
const CSS: &str = include_str!("../../templates/report.css");

const PARTIALS: [&str; 10] = ["header", "experiment", "pending", "demo", "q1", "q2", "q3", "q4", "q5", "footer"];

macro_rules! lang_partials {
    ($lang:literal) => {
        [
            include_str!(concat!("../../templates/", $lang, "/header.md.hbs")),
            include_str!(concat!("../../templates/", $lang, "/experiment.md.hbs")),
            include_str!(concat!("../../templates/", $lang, "/pending.md.hbs")),
            include_str!(concat!("../../templates/", $lang, "/demo.md.hbs")),
            include_str!(concat!("../../templates/", $lang, "/q1.md.hbs")),
            include_str!(concat!("../../templates/", $lang, "/q2.md.hbs")),
            include_str!(concat!("../../templates/", $lang, "/q3.md.hbs")),
            include_str!(concat!("../../templates/", $lang, "/q4.md.hbs")),
            include_str!(concat!("../../templates/", $lang, "/q5.md.hbs")),
            include_str!(concat!("../../templates/", $lang, "/footer.md.hbs")),
        ]
    };
}

pub struct Rendered {
    pub markdown: String,
    pub html: String,
    pub plots: Vec<(String, String)>,
}

pub struct WrittenReport {
    pub markdown: PathBuf,
    pub html: PathBuf,
}

fn registry(lang: Lang, plots: PlotSink) -> Result<Handlebars<'static>> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(false);
    hb.register_escape_fn(super::escape::markdown);
    hb.register_template_string("report", REPORT).context("template report.md.hbs")?;
    let texts = match lang {
        Lang::En => lang_partials!("en"),
        Lang::Fa => lang_partials!("fa"),
    };
    for (name, text) in PARTIALS.iter().zip(texts) {
        hb.register_partial(name, text).with_context(|| format!("template {}/{name}", lang.code()))?;
    }
    if lang == Lang::Fa {
        hb.register_partial("status_fa", include_str!("../../templates/fa/status_fa.md.hbs")).context("template fa/status_fa")?;
    }
    helpers::register(&mut hb, plots, lang == Lang::Fa);
    Ok(hb)
}

pub fn render(model: &ReportModel) -> Result<Rendered> {
    let plots = PlotSink::default();
    let hb = registry(model.lang, plots.clone())?;
    let markdown = hb.render("report", model).context("rendering the report template")?;
    let plots = std::mem::take(&mut *plots.lock().unwrap_or_else(|p| p.into_inner()));
    let body = markdown_to_html(&markdown, &plots);
    let title = format!("HW5 — {}", model.run.suite_name);
    // The shell is HTML, so it keeps handlebars' HTML escaping.
    let html = Handlebars::new()
        .render_template(HTML_SHELL, &serde_json::json!({
            "lang": model.lang.code(),
            "dir": model.dir,
            "title": title,
            "css": CSS,
            "body": body,
        }))
        .context("rendering the HTML shell")?;
    Ok(Rendered { markdown, html, plots })
}

/// Markdown → HTML body; images that point at rendered plots become inline SVG.
pub fn markdown_to_html(markdown: &str, plots: &[(String, String)]) -> String {
    let svgs: HashMap<String, &str> = plots.iter().map(|(f, s)| (format!("plots/{f}"), s.as_str())).collect();
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let mut events = Vec::new();
    let mut skipping_image = false;
    for event in parser {
        match event {
            Event::Start(Tag::Image { ref dest_url, .. }) if svgs.contains_key(dest_url.as_ref()) => {
                let svg = svgs[dest_url.as_ref()];
                events.push(Event::Html(format!("<figure class=\"plot\">{}</figure>", strip_xml_prolog(svg)).into()));
                skipping_image = true;
            }
            Event::End(TagEnd::Image) if skipping_image => skipping_image = false,
            _ if skipping_image => {}
            other => events.push(other),
        }
    }
    let mut out = String::new();
    html::push_html(&mut out, events.into_iter());
    out
}

fn strip_xml_prolog(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

/// Writes `report.md`, `report.html` and `plots/*.svg` into `out_dir` (atomically, each).
pub fn write(rendered: &Rendered, out_dir: &Path) -> Result<WrittenReport> {
    std::fs::create_dir_all(out_dir.join("plots")).with_context(|| format!("creating {}", out_dir.display()))?;
    for (file, svg) in &rendered.plots {
        fsx::write_atomic(&out_dir.join("plots").join(file), svg.as_bytes())?;
    }
    let markdown = out_dir.join("report.md");
    let html = out_dir.join("report.html");
    fsx::write_atomic(&markdown, rendered.markdown.as_bytes())?;
    fsx::write_atomic(&html, rendered.html.as_bytes())?;
    Ok(WrittenReport { markdown, html })
}
