//! Render the report of the current (or latest) run and show where it went.
use super::app::App;
use crate::cli::DEFAULT_REPORT_DIR;
use crate::report::Lang;
use super::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let lang = match app.report_lang {
        Lang::Fa => "Persian (fa, right-to-left)",
        Lang::En => "English (en)",
    };
    let run = app.run_id.as_deref().unwrap_or("the latest run in the store");
    let mut lines = vec![
        Line::from(vec![Span::styled("run: ", theme.dim()), Span::raw(run.to_string())]),
        Line::from(vec![Span::styled("language: ", theme.dim()), Span::raw(lang), Span::styled("  (l switches)", theme.dim())]),
        Line::from(vec![Span::styled("output: ", theme.dim()), Span::raw(format!("./{DEFAULT_REPORT_DIR}/"))]),
        Line::from(""),
        Line::from(Span::styled("g renders report.md and report.html from the stored results.", theme.dim())),
        Line::from(Span::styled("p also prints report.pdf (needs a Chromium).", theme.dim())),
    ];
    if let Some((md, html)) = &app.report_paths {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("written:", theme.title())));
        lines.push(Line::from(md.display().to_string()));
        lines.push(Line::from(html.display().to_string()));
    }
    match &app.report_pdf {
        Some(Ok(pdf)) => lines.push(Line::from(pdf.display().to_string())),
        Some(Err(why)) => lines.push(Line::from(Span::styled(format!("no PDF: {why}"), theme.warn()))),
        None => {}
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(Block::default().borders(Borders::ALL).title(" report ")), area);
}
