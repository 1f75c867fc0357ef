//! Colours, or none at all when NO_COLOR is set (https://no-color.org).
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub colour: bool,
}

impl Theme {
    pub fn from_env() -> Self {
        Self { colour: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) }
    }

    fn fg(&self, c: Color) -> Style {
        if self.colour {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    pub fn title(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        if self.colour {
            Style::default().bg(Color::Blue).fg(Color::White)
        } else {
            Style::default().add_modifier(Modifier::REVERSED)
        }
    }

    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn status(&self, status: &str) -> Style {
        match status {
            "finished" => self.fg(Color::Green),
            "running" => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            "failed" | "interrupted" => self.fg(Color::Red),
            "cancelled" => self.fg(Color::Magenta),
            _ => self.dim(),
        }
    }

    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }

    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan)
    }

    pub fn series(&self, i: usize) -> Style {
        const COLOURS: [Color; 4] = [Color::Cyan, Color::Yellow, Color::Green, Color::Magenta];
        self.fg(COLOURS[i % COLOURS.len()])
    }
}

/// A one-character status marker, readable without colour.
pub fn status_mark(status: &str) -> &'static str {
    match status {
        "finished" => "✓",
        "running" => "▶",
        "failed" => "✗",
        "cancelled" | "interrupted" => "■",
        "skipped" | "disabled" => "–",
        _ => "·",
    }
}
