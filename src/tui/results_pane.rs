//! The selected experiment's named values and result tables.
use super::app::App;
use super::theme::Theme;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = Block::default().borders(Borders::ALL).title(" results ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(live) = app.selected_live() else { return };
    if live.values.is_empty() && live.tables.is_empty() {
        let text = match &live.error {
            Some(e) => format!("no results: {e}"),
            None => "no results yet: run the experiment (⏎) or open a past run in History".into(),
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())).wrap(Wrap { trim: true }), inner);
        return;
    }
    let mut y = inner.y;
    let bottom = inner.y + inner.height;
    let values: Vec<Line> = live.values.iter().map(|(k, v)| Line::from(vec![Span::styled(format!("{k}: "), theme.dim()), Span::raw(crate::report::i18n::english().shown_value(Some(v)))])).collect();
    let h = (values.len() as u16).min(bottom.saturating_sub(y));
    frame.render_widget(Paragraph::new(values), Rect { x: inner.x, y, width: inner.width, height: h });
    y += h;
    for table in &live.tables {
        if y + 3 > bottom {
            break;
        }
        let height = (table.rows.len() as u16 + 2).min(bottom - y);
        let widths: Vec<Constraint> = table.columns.iter().map(|_| Constraint::Fill(1)).collect();
        let rows = (0..table.rows.len()).map(|r| Row::new((0..table.columns.len()).map(|c| crate::report::i18n::english().cell(table, r, c))));
        let widget = Table::new(rows, widths)
            .header(Row::new(table.columns.iter().map(|c| crate::report::i18n::english().column(&c.key))).style(theme.title()))
            .block(Block::default().title(Span::styled(table.title.clone(), theme.accent())));
        frame.render_widget(widget, Rect { x: inner.x, y, width: inner.width, height });
        y += height;
    }
}
