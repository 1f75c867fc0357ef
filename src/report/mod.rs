//! The submission report: model from the store, handlebars templates, Markdown and HTML.
pub mod bidi;
pub mod escape;
pub mod helpers;
pub mod i18n;
pub mod model;
pub mod pdf;
pub mod render;

pub use model::{build, Lang, ReportModel};
pub use render::{render, render_checked, write, Rendered, WrittenReport};

use crate::store::Store;
use anyhow::Result;
use std::path::Path;

/// Builds, renders and writes the report of one run.
pub fn render_run(store: &Store, run_id: &str, lang: Lang, out_dir: &Path) -> Result<WrittenReport> {
    let model = build(store, run_id, lang)?;
    let rendered = render(&model)?;
    // What a killed render left behind (report files, plots) goes first.
    crate::fsx::sweep_stale(out_dir, 2);
    write(&rendered, out_dir)
}
