//! Entering and leaving the full-screen terminal, including on a panic.
use crate::run::RUNNER_THREAD;
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::prelude::CrosstermBackend;
use ratatui::Terminal;
use std::io::Stdout;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

pub fn enter() -> anyhow::Result<Term> {
    install_panic_hook();
    enable_raw_mode()?;
    execute!(std::io::stdout(), EnterAlternateScreen)?;
    Ok(Terminal::new(CrosstermBackend::new(std::io::stdout()))?)
}

pub fn leave() {
    let _ = disable_raw_mode();
    let _ = execute!(std::io::stdout(), LeaveAlternateScreen, ratatui::crossterm::cursor::Show);
}

/// A panic in the dashboard restores the terminal before the message is printed.
/// Panics inside tasks are caught by the runner and shown as a failed experiment,
/// so on the runner thread the hook stays silent (printing would garble the screen).
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some(RUNNER_THREAD) {
            return;
        }
        leave();
        previous(info);
    }));
}
