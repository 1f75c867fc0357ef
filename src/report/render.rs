//! Renders a run's report: handlebars → Markdown (+ plot SVGs beside it), then
//! pulldown-cmark → one self-contained HTML file with inline CSS and SVG.
use super::helpers::{self, PlotSink};
use super::i18n::{Catalog, TEMPLATES};
use super::model::ReportModel;
use crate::fsx;
use anyhow::{Context, Result};
use handlebars::Handlebars;
use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};
use std::collections::HashMap;
use std::sync::Arc;
use std::path::{Path, PathBuf};

/// The page around the report, and its style; the layouts and partials come from
/// `templates/` through the generated asset list.
const HTML_SHELL: &str = include_str!("../../templates/html.hbs");
const CSS: &str = include_str!("../../templates/report.css");

pub struct Rendered {
    pub markdown: String,
    pub html: String,
    pub plots: Vec<(String, String)>,
}

pub struct WrittenReport {
    pub markdown: PathBuf,
    pub html: PathBuf,
}

/// Every template under `templates/` by its path (`report`, `experiment`,
/// `tasks/clip_zero_shot`), in strict mode: a misspelt value is an error, not a blank.
pub fn registry(catalog: Arc<Catalog>, plots: PlotSink) -> Result<Handlebars<'static>> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(super::escape::markdown);
    for (name, text) in TEMPLATES {
        hb.register_template_string(name, *text).with_context(|| format!("template templates/{name}.md.hbs"))?;
    }
    helpers::register(&mut hb, catalog, plots);
    Ok(hb)
}

/// The layout of a task kind: `templates/tasks/<kind>.md.hbs`.
pub fn layout_name(kind: &str) -> String {
    format!("tasks/{kind}")
}

/// Renders the section of each finished experiment from its kind's layout. A section that
/// fails (a result stored by an older build, say) says why in its place instead of
/// taking the whole report down.
fn render_sections(hb: &Handlebars, catalog: &Catalog, model: &mut ReportModel) {
    for exp in model.questions.iter_mut().flat_map(|q| q.experiments.iter_mut()).filter(|e| e.finished) {
        let layout = layout_name(&exp.task);
        let rendered = match hb.has_template(&layout) {
            true => hb.render(&layout, &*exp).map_err(|e| e.to_string()),
            false => Err(format!("no layout templates/{layout}.md.hbs")),
        };
        match rendered {
            Ok(section) => exp.section = section,
            Err(error) => {
                exp.section = section_error(catalog, &exp.id, &error);
                exp.section_error = Some(error);
            }
        }
    }
}

fn section_error(catalog: &Catalog, exp: &str, error: &str) -> String {
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("exp", exp.to_string());
    args.set("error", error.to_string());
    let text = catalog.message("section-error", Some(&args)).unwrap_or_else(|_| format!("{exp}: {error}"));
    format!("> {text}\n")
}

pub fn render(model: &ReportModel) -> Result<Rendered> {
    render_checked(model).map(|(rendered, _)| rendered)
}

/// Renders, and also returns each section that could not be rendered with its reason
/// (the report shows them in place; tests require there are none).
pub fn render_checked(model: &ReportModel) -> Result<(Rendered, Vec<(String, String)>)> {
    let mut model = model.clone();
    let catalog = Arc::new(Catalog::new(model.lang)?);
    let plots = PlotSink::default();
    let hb = registry(catalog.clone(), plots.clone())?;
    render_sections(&hb, &catalog, &mut model);
    let markdown = hb.render("report", &model).context("rendering the report template")?;
    let plots = std::mem::take(&mut *plots.lock().unwrap_or_else(|p| p.into_inner()));
    let body = markdown_to_html(&markdown, &plots);
    let title = catalog.message("report-title", None)?;
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
    let failed = model.questions.iter().flat_map(|q| &q.experiments).filter_map(|e| e.section_error.clone().map(|err| (e.id.clone(), err))).collect();
    Ok((Rendered { markdown, html, plots }, failed))
}

/// Markdown → HTML body; images that point at rendered plots become inline SVG.
pub fn markdown_to_html(markdown: &str, plots: &[(String, String)]) -> String {
    let svgs: HashMap<String, &str> = plots.iter().map(|(f, s)| (format!("plots/{f}"), s.as_str())).collect();
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_HEADING_ATTRIBUTES);
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
