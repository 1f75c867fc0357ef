//! Past runs from the store: the list on the left; on the right the opened run's
//! experiments, or the comparison of two marked runs.
use super::app::App;
use super::theme::{status_mark, Theme};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Row, Table};
use ratatui::Frame;

pub fn draw_list(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let h = &app.history;
    let items: Vec<ListItem> = h
        .runs
        .iter()
        .map(|r| {
            let mark = if h.marked.as_deref() == Some(r.id.as_str()) { "*" } else { " " };
            ListItem::new(Line::from(vec![
                Span::styled(format!("{} ", status_mark(&r.status)), theme.status(&r.status)),
                Span::raw(format!("{mark}{} {}", r.id, r.suite_name)),
            ]))
        })
        .collect();
    let empty = items.is_empty();
    let mut state = ListState::default().with_selected((!empty).then_some(h.selected));
    let list = List::new(items).block(Block::default().borders(Borders::ALL).title(" runs ")).highlight_style(theme.selected());
    frame.render_stateful_widget(list, area, &mut state);
}

pub fn draw_detail(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let h = &app.history;
    if let Some((a, b, lines)) = &h.diff {
        let mut rows = Vec::new();
        for line in lines {
            let status = |s: &Option<String>| s.clone().unwrap_or_else(|| "absent".into());
            rows.push(Row::new(vec![line.experiment.clone(), status(&line.status_a), status(&line.status_b), String::new()]).style(theme.title()));
            for c in &line.changed_values {
                rows.push(Row::new(vec![format!("  {}", c.name), crate::report::i18n::english().shown_value(c.a.as_ref()), crate::report::i18n::english().shown_value(c.b.as_ref()), c.delta().map_or(String::new(), crate::results::format_float)]));
            }
        }
        let table = Table::new(rows, [Constraint::Fill(2), Constraint::Fill(1), Constraint::Fill(1), Constraint::Fill(1)])
            .header(Row::new(["experiment / value", "A", "B", "B − A"]).style(theme.accent()))
            .block(Block::default().borders(Borders::ALL).title(format!(" A {a} vs B {b} ")));
        frame.render_widget(table, area);
        return;
    }
    let Some((run_id, exps)) = &h.opened else {
        let text = if h.runs.is_empty() { "no runs yet: press 1, then r to run the suite" } else { "⏎ opens the selected run; m marks two runs to compare" };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())).block(Block::default().borders(Borders::ALL).title(" run ")), area);
        return;
    };
    let rows = exps.iter().map(|e| {
        Row::new(vec![
            Span::styled(format!("{} {}", status_mark(e.status.as_str()), e.exp_id), theme.status(e.status.as_str())),
            Span::raw(e.status.as_str()),
            Span::raw(e.seconds.map_or(String::new(), |s| format!("{s:.1} s"))),
        ])
    });
    let table = Table::new(rows, [Constraint::Fill(3), Constraint::Length(11), Constraint::Length(9)])
        .header(Row::new(["experiment", "status", "time"]).style(theme.title()))
        .block(Block::default().borders(Borders::ALL).title(format!(" run {run_id} ")));
    frame.render_widget(table, area);
}
