//! Layout: tabs on top, the suite tree on the left, the tab's pane on the right,
//! key hints at the bottom; `?` draws the help over everything. Fits 80x24.
use super::app::{App, Tab, TABS};
use super::theme::Theme;
use super::{help, history_pane, live_pane, report_pane, results_pane, suite_pane};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let [top, body, footer] = Layout::vertical([Constraint::Length(1), Constraint::Min(5), Constraint::Length(1)]).areas(frame.area());
    draw_tabs(frame, top, app, theme);
    let tree_width = (body.width / 3).clamp(24, 40);
    let [left, right] = Layout::horizontal([Constraint::Length(tree_width), Constraint::Min(20)]).areas(body);
    match app.tab {
        Tab::History => history_pane::draw_list(frame, left, app, theme),
        _ => suite_pane::draw(frame, left, app, theme),
    }
    match app.tab {
        Tab::Live => live_pane::draw(frame, right, app, theme),
        Tab::Results => results_pane::draw(frame, right, app, theme),
        Tab::History => history_pane::draw_detail(frame, right, app, theme),
        Tab::Report => report_pane::draw(frame, right, app, theme),
    }
    draw_footer(frame, footer, app, theme);
    if app.show_help {
        help::draw(frame, theme);
    }
}

fn draw_tabs(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let [name, tabs] = Layout::horizontal([Constraint::Length(area.width.saturating_sub(44).max(10)), Constraint::Length(44)]).areas(area);
    let state = match app.run_progress() {
        Some((done, total)) => match app.eta.remaining(std::time::Instant::now()).filter(|_| done < total) {
            Some(left) => format!(" ▶ {done}/{total} done, ETA {}", crate::progress::human_duration(left)),
            None => format!(" ▶ {done}/{total} done"),
        },
        None => String::new(),
    };
    let title = Line::from(vec![Span::styled("adaptlab", theme.title()), Span::raw(format!(" · {}{state}", app.suite.name))]);
    frame.render_widget(Paragraph::new(title), name);
    let selected = TABS.iter().position(|t| *t == app.tab).unwrap_or(0);
    let titles = TABS.iter().map(|t| t.title());
    frame.render_widget(Tabs::new(titles).select(selected).highlight_style(theme.selected()).divider("|"), tabs);
}

fn draw_footer(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let line = match &app.message {
        Some(m) => Line::from(Span::styled(m.clone(), theme.warn())),
        None => {
            let keys = match app.tab {
                Tab::History => "↑↓ run  ⏎ open  m compare  Tab/1-4 tabs  ? help  q quit",
                Tab::Report => "g render  l language  Tab/1-4 tabs  ? help  q quit",
                _ if app.running && app.follow => "following the run  ↑↓ select  m metric  c cancel  ? help",
                _ if app.running => "↑↓ select  f follow the run  m metric  c cancel  ? help",
                _ => "↑↓ select  ⏎ run one  r run all  F force  Tab/1-4  ? help  q quit",
            };
            Line::from(Span::styled(keys, theme.dim()))
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}
