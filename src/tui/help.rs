//! The `?` overlay: every key, grouped by tab.
use super::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

const KEYS: &[(&str, &str)] = &[
    ("Tab, 1-4", "switch tab: Live, Results, History, Report"),
    ("↑ ↓ / j k", "select an experiment (or a run in History)"),
    ("f", "follow the running experiment (moving the selection stops it)"),
    ("r", "run the whole suite (finished experiments are reused)"),
    ("⏎", "run the selected experiment (and what it needs)"),
    ("F", "run the selected experiment again, recomputing"),
    ("c", "cancel the run at the next step"),
    ("m", "Live: next metric in the chart; History: mark to compare"),
    ("⏎ (History)", "open the selected run"),
    ("g / l", "Report: render the report / switch en ↔ fa"),
    ("?", "this help (any key closes it)"),
    ("q", "quit (cancel a running suite first)"),
];

pub fn draw(frame: &mut Frame, theme: &Theme) {
    let area = frame.area();
    let width = area.width.min(78);
    let height = (KEYS.len() as u16 + 2).min(area.height);
    let rect = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    let lines: Vec<Line> = KEYS.iter().map(|(k, d)| Line::from(vec![Span::styled(format!("{k:<13}"), theme.accent()), Span::raw(*d)])).collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" keys ")), rect);
}
