//! Panics inside third-party readers (the parquet crate panics on some corrupt files)
//! turned into errors that name the file, so bad input never crashes a run. The panic's
//! default report is kept off stderr while a guarded call runs (it would scribble over
//! the dashboard); everything else panicking still reports as usual.
use anyhow::{anyhow, Result};
use std::cell::Cell;
use std::sync::Once;

thread_local! {
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `read`; a panic inside it becomes an error saying `what` could not be read.
pub fn catch_reader_panic<T>(what: &str, read: impl FnOnce() -> Result<T>) -> Result<T> {
    install_quiet_hook();
    let was = GUARDED.with(|g| g.replace(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    GUARDED.with(|g| g.set(was));
    outcome.unwrap_or_else(|panic| {
        let detail = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
        Err(anyhow!("{what} is corrupt: the reader gave up ({detail}); fetch or write the file again"))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_an_error_naming_the_file() {
        let e = super::catch_reader_panic::<()>("data/x.parquet", || panic!("index out of bounds")).unwrap_err();
        assert!(e.to_string().contains("data/x.parquet is corrupt") && e.to_string().contains("index out of bounds"), "{e}");
        assert_eq!(super::catch_reader_panic("f", || Ok(3)).unwrap(), 3);
    }
}
