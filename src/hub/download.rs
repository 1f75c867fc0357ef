//! Downloading one file: HTTP(S) with resume (a `.partial` file continued with a Range
//! request), or a `file://` URL for mirrors; the size and, when known, the sha256 are
//! checked before the file is moved into place. Nothing half-downloaded ever sits at
//! the destination.
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub struct Progress<'a> {
    /// Called with (bytes so far, total bytes if known).
    pub report: &'a dyn Fn(u64, Option<u64>),
}

fn agent(follow_redirects: bool) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(if follow_redirects { 10 } else { 0 })
        .max_redirects_will_error(false)
        .timeout_connect(Some(Duration::from_secs(30)))
        .user_agent(format!("adaptlab/{}", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// The body of a small GET (an API listing), following redirects.
pub fn get_text(url: &str, token: Option<&str>) -> Result<String> {
    let mut req = agent(true).get(url);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut resp = req.call().with_context(|| format!("connecting to {url} (no network?)"))?;
    let status = resp.status().as_u16();
    anyhow::ensure!(status == 200, "{url}: HTTP {status}");
    Ok(resp.body_mut().read_to_string().with_context(|| format!("reading {url}"))?)
}

/// Response headers of a HEAD request that is not redirected (for hub metadata).
pub fn head(url: &str, token: Option<&str>) -> Result<(u16, Vec<(String, String)>)> {
    let mut req = agent(false).head(url);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let resp = req.call().with_context(|| format!("connecting to {url} (no network? use --offline and copy the files into the cache)"))?;
    let headers = resp.headers().iter().map(|(k, v)| (k.as_str().to_lowercase(), v.to_str().unwrap_or_default().to_string())).collect();
    Ok((resp.status().as_u16(), headers))
}

/// Downloads `url` to `dest`, resuming `dest.partial` if an earlier attempt stopped.
pub fn download(url: &str, dest: &Path, expected_sha256: Option<&str>, token: Option<&str>, progress: &Progress) -> Result<()> {
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let partial = partial_path(dest);
    if let Some(path) = url.strip_prefix("file://") {
        copy_resumable(Path::new(path), &partial, progress)?;
    } else {
        http_resumable(url, &partial, token, progress)?;
    }
    if let Some(expected) = expected_sha256 {
        let actual = sha256_file(&partial)?;
        if !actual.eq_ignore_ascii_case(expected) {
            std::fs::remove_file(&partial).ok();
            bail!("{url}: sha256 is {actual}, expected {expected}; the partial download was removed, run the command again");
        }
    }
    std::fs::rename(&partial, dest).with_context(|| format!("moving the download into {}", dest.display()))?;
    Ok(())
}

pub fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    dest.with_file_name(name)
}

fn http_resumable(url: &str, partial: &Path, token: Option<&str>, progress: &Progress) -> Result<()> {
    let mut have = std::fs::metadata(partial).map(|m| m.len()).unwrap_or(0);
    let mut req = agent(true).get(url);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    if have > 0 {
        req = req.header("Range", format!("bytes={have}-"));
    }
    let resp = req.call().with_context(|| format!("downloading {url} (no network? set --offline and place the file yourself)"))?;
    let status = resp.status().as_u16();
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let total = match status {
        206 => header("content-range").and_then(|r| r.rsplit('/').next().and_then(|t| t.parse::<u64>().ok())),
        200 => {
            // The server ignored the Range request: start over.
            have = 0;
            header("content-length").and_then(|l| l.parse().ok())
        }
        416 => {
            // Nothing left to fetch: the partial file is complete.
            return Ok(());
        }
        401 | 403 => bail!("{url}: HTTP {status}; the file may be gated: log in to the hub and set HF_TOKEN"),
        404 => bail!("{url}: not found (HTTP 404)"),
        other => bail!("{url}: HTTP {other}"),
    };
    let mut file = std::fs::OpenOptions::new().create(true).write(true).append(have > 0).truncate(have == 0).open(partial)?;
    let mut reader = resp.into_body().into_reader();
    let mut buf = vec![0u8; 1 << 16];
    let mut last_report = std::time::Instant::now();
    loop {
        let n = reader.read(&mut buf).with_context(|| format!("reading {url}; run the command again to resume from byte {have}"))?;
        if n == 0 {
            break;
        }
        file.write_all(&buf[..n])?;
        have += n as u64;
        if last_report.elapsed() > Duration::from_millis(250) {
            (progress.report)(have, total);
            last_report = std::time::Instant::now();
        }
    }
    file.sync_all()?;
    (progress.report)(have, total);
    if let Some(t) = total {
        if have != t {
            bail!("{url}: got {have} of {t} bytes; run the command again to resume");
        }
    }
    Ok(())
}

fn copy_resumable(src: &Path, partial: &Path, progress: &Progress) -> Result<()> {
    let total = std::fs::metadata(src).with_context(|| format!("reading {}", src.display()))?.len();
    let have = std::fs::metadata(partial).map(|m| m.len()).unwrap_or(0).min(total);
    let mut input = std::fs::File::open(src)?;
    std::io::Seek::seek(&mut input, std::io::SeekFrom::Start(have))?;
    let mut out = std::fs::OpenOptions::new().create(true).append(true).open(partial)?;
    std::io::copy(&mut input, &mut out)?;
    out.sync_all()?;
    (progress.report)(total, Some(total));
    Ok(())
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}
