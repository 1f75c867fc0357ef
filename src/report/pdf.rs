//! report.pdf from report.html, printed by a headless Chromium (what nbconvert's
//! `webpdf` exporter does): the browser lays out the right-to-left Persian text and the
//! SVG plots exactly as it shows them, and embeds the fonts it used.
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Names a Chromium goes by on Linux distributions and in Google's packages.
const BROWSERS: [&str; 6] = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell"];

/// `ADAPTLAB_CHROMIUM`, else the first Chromium on PATH.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ADAPTLAB_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    BROWSERS.iter().find_map(|name| std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()))
}

const INSTALL_HINT: &str = "no Chromium found for the PDF: install one (Debian/Ubuntu: `sudo apt install chromium fonts-noto-core`; \
     Fedora: `sudo dnf install chromium google-noto-sans-arabic-fonts`) or set ADAPTLAB_CHROMIUM to a Chrome/Chromium binary; \
     report.html is written and prints to PDF from any browser";

/// Prints `html` to `pdf` (written atomically); an error says what to install.
pub fn print(html: &Path, pdf: &Path) -> Result<PathBuf> {
    let browser = find_chromium().context(INSTALL_HINT)?;
    let html = std::fs::canonicalize(html).with_context(|| format!("reading {}", html.display()))?;
    crate::fsx::write_atomic_with(pdf, |tmp| {
        // Chromium's own profile, so a running browser of the user's is not disturbed.
        let profile = tempfile::tempdir().context("creating a browser profile folder")?;
        let mut cmd = Command::new(&browser);
        cmd.args(["--headless", "--disable-gpu", "--no-pdf-header-footer", "--hide-scrollbars", "--no-first-run", "--disable-extensions"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--print-to-pdf={}", tmp.display()))
            .arg(format!("file://{}", html.display()))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(profile.path().join("stderr.txt")).context("creating the browser's log")?);
        // Chromium refuses to run as root with its sandbox on (containers, CI).
        if is_root() {
            cmd.arg("--no-sandbox");
        }
        let mut child = cmd.spawn().with_context(|| format!("starting {}", browser.display()))?;
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if started.elapsed() > Duration::from_secs(120) {
                let _ = child.kill();
                bail!("{} did not finish printing in 2 minutes", browser.display());
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let written = std::fs::read(tmp).unwrap_or_default();
        if !status.success() || !written.starts_with(b"%PDF") {
            let stderr = std::fs::read_to_string(profile.path().join("stderr.txt")).unwrap_or_default();
            let tail: Vec<&str> = stderr.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect();
            bail!("{} could not print {} ({status}): {}", browser.display(), html.display(), tail.join(" | "));
        }
        Ok(())
    })?;
    Ok(pdf.to_path_buf())
}

fn is_root() -> bool {
    // The owner of /proc/self is this process's effective user.
    std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0).unwrap_or(false)
}
