//! The selected experiment live: status and stage, progress with rate and ETA,
//! a chart of one metric (m cycles), and the tail of its log.
use super::app::App;
use super::theme::Theme;
use crate::events::LogLevel;
use crate::progress::human_duration;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, Gauge, GraphType, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = Block::default().borders(Borders::ALL).title(" live ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (Some(exp), Some(live)) = (app.suite.experiments.get(app.selected), app.selected_live()) else { return };
    let [head, gauge, chart, log] = Layout::vertical([Constraint::Length(2), Constraint::Length(1), Constraint::Min(6), Constraint::Length(5)]).areas(inner);

    let stage = live.stage.as_deref().map(|s| format!(" · {s}")).unwrap_or_default();
    let mut status_line = vec![Span::styled(live.status.as_str(), theme.status(live.status.as_str())), Span::raw(stage)];
    if let Some(s) = live.seconds {
        status_line.push(Span::raw(format!(" · {s:.1} s")));
    }
    if let Some(r) = &live.reused_from {
        status_line.push(Span::styled(format!(" · reused from {r}"), theme.dim()));
    }
    let header = vec![Line::from(Span::styled(exp.display_title().to_string(), theme.title())), Line::from(status_line)];
    frame.render_widget(Paragraph::new(header), head);

    let (ratio, label) = match &live.rate {
        Some(r) => {
            let mut label = format!("{}/{} {}", r.done, r.total, r.unit);
            if let Some(per) = r.per_second() {
                label.push_str(&format!(" · {per:.1}/s"));
            }
            if let Some(eta) = r.eta().filter(|_| r.done < r.total) {
                label.push_str(&format!(" · ETA {}", human_duration(eta)));
            }
            (r.fraction(), label)
        }
        None if live.status == crate::events::ExpStatus::Finished => (1.0, "done".to_string()),
        None => (0.0, String::new()),
    };
    frame.render_widget(Gauge::default().ratio(ratio).label(label).gauge_style(theme.accent()), gauge);

    match &live.generating {
        // While a language model writes, its text takes the chart's place.
        Some((label, text, tokens, rate)) if live.status == crate::events::ExpStatus::Running => draw_generation(frame, chart, label, text, *tokens, *rate, theme),
        _ => draw_chart(frame, chart, app, theme),
    }

    let mut lines: Vec<Line> = Vec::new();
    if let Some(err) = &live.error {
        lines.push(Line::from(Span::styled(err.clone(), theme.status("failed"))));
    }
    let room = (log.height as usize).saturating_sub(lines.len());
    let start = live.logs.len().saturating_sub(room);
    for (level, line) in live.logs.iter().skip(start) {
        let style = if *level == LogLevel::Warn { theme.warn() } else { theme.dim() };
        lines.push(Line::from(Span::styled(line.clone(), style)));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), log);
}

fn draw_generation(frame: &mut Frame, area: Rect, label: &str, text: &str, tokens: u64, rate: f64, theme: &Theme) {
    let title = format!(" generating · {label} · {tokens} tokens · {rate:.1} tokens/s ");
    // The tail of the text, so the newest words stay in view.
    let room = (area.width as usize).saturating_mul(area.height.saturating_sub(1) as usize);
    let chars: Vec<char> = text.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(room)..].iter().collect();
    let body = Paragraph::new(tail).wrap(Wrap { trim: false }).block(Block::default().borders(Borders::TOP).title(Span::styled(title, theme.accent())));
    frame.render_widget(body, area);
}

fn draw_chart(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(live) = app.selected_live() else { return };
    if live.metrics.is_empty() {
        frame.render_widget(Paragraph::new(Span::styled("no metrics yet", theme.dim())).block(Block::default().borders(Borders::TOP)), area);
        return;
    }
    let names: Vec<&String> = live.metrics.keys().collect();
    let name = names[app.metric_choice % names.len()];
    let points = &live.metrics[name];
    let (x0, x1) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (y0, y1) = points.iter().filter(|p| p.1.is_finite()).fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let (y0, y1) = if y1 - y0 < 1e-9 { (y0 - 0.5, y1 + 0.5) } else { (y0, y1) };
    let x1 = if x1 - x0 < 1e-9 { x0 + 1.0 } else { x1 };
    let dataset = Dataset::default().marker(Marker::Braille).graph_type(GraphType::Line).style(theme.series(0)).data(points);
    let title = format!(" {name} ({}/{}) · m: next metric ", (app.metric_choice % names.len()) + 1, names.len());
    let chart = Chart::new(vec![dataset])
        .block(Block::default().borders(Borders::TOP).title(title))
        .x_axis(Axis::default().bounds([x0, x1]).labels([format!("{x0:.0}"), format!("{x1:.0}")]).style(theme.dim()))
        .y_axis(Axis::default().bounds([y0, y1]).labels([format!("{y0:.3}"), format!("{y1:.3}")]).style(theme.dim()));
    frame.render_widget(chart, area);
}
