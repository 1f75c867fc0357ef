//! The suite tree: questions, then their experiments with a status mark.
use super::app::App;
use super::theme::{status_mark, Theme};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut items = Vec::new();
    let mut selected_row = 0;
    let mut last_question = None;
    for (i, e) in app.suite.experiments.iter().enumerate() {
        let q = e.part.question_key();
        if last_question.as_ref() != Some(&q) {
            items.push(ListItem::new(Line::from(Span::styled(q.clone(), theme.title()))));
            last_question = Some(q);
        }
        let status = app.exps.get(&e.id).map_or(crate::events::ExpStatus::Pending, |x| x.status).as_str();
        if i == app.selected {
            selected_row = items.len();
        }
        items.push(ListItem::new(Line::from(vec![
            Span::styled(format!(" {} ", status_mark(status)), theme.status(status)),
            Span::raw(e.id.clone()),
        ])));
    }
    let mut state = ListState::default().with_selected(Some(selected_row));
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).title(format!(" suite {} ", app.suite.name)))
        .highlight_style(theme.selected());
    frame.render_stateful_widget(list, area, &mut state);
}
