//! The suite tree: questions, then their experiments with a status mark.
use super::app::App;
use super::theme::{status_mark, Theme};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState};
use ratatui::Frame;

/// `text` in at most `width` characters, the middle replaced by "…" when it does not fit:
/// experiment ids differ at both ends (`demo.q3.large.zero-shot`).
pub fn elide_middle(text: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width || width < 3 {
        return chars.into_iter().take(width).collect();
    }
    let keep = width - 1;
    let (head, tail) = (keep - keep / 2, keep / 2);
    chars[..head].iter().chain(std::iter::once(&'…')).chain(&chars[chars.len() - tail..]).collect()
}

/// The whole of `text` in lines of at most `width` characters (the selected row's id).
fn wrapped(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(width.max(1)).map(|c| c.iter().collect()).collect()
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    // Borders and the status mark take five columns.
    let width = (area.width as usize).saturating_sub(5).max(4);
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
        let mark = Span::styled(format!(" {} ", status_mark(status)), theme.status(status));
        let item = if i == app.selected {
            let mut lines = wrapped(&e.id, width).into_iter();
            let first = Line::from(vec![mark, Span::raw(lines.next().unwrap_or_default())]);
            ListItem::new(std::iter::once(first).chain(lines.map(|l| Line::from(format!("   {l}")))).collect::<Vec<_>>())
        } else {
            ListItem::new(Line::from(vec![mark, Span::raw(elide_middle(&e.id, width))]))
        };
        items.push(item);
    }
    let mut state = ListState::default().with_selected(Some(selected_row));
    let list = List::new(items)
        .block(Block::default().borders(Borders::ALL).title(format!(" suite {} ", app.suite.name)))
        .highlight_style(theme.selected());
    frame.render_stateful_widget(list, area, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_ids_lose_their_middle_and_the_selected_one_wraps_whole() {
        assert_eq!(elide_middle("demo.q3.large.zero-shot", 19), "demo.q3.l…zero-shot");
        assert_eq!(elide_middle("demo.q3.large.zero-shot", 19).chars().count(), 19);
        assert_eq!(elide_middle("demo.smoke", 19), "demo.smoke");
        assert_eq!(wrapped("demo.q3.large.zero-shot", 19).concat(), "demo.q3.large.zero-shot");
    }
}
