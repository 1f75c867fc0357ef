//! Writes that never leave a half-written file or folder behind: everything is written
//! under a temporary name in the destination's own directory (so the final rename stays
//! on one file system), flushed, then renamed into place. One home for the pattern, used
//! by the store, caches, artifacts, checkpoints, downloads and the report.
//!
//! Temporary names start with `.tmp-<pid>-`, so a process killed before its rename
//! leaves names that say whose they were; `sweep_stale` removes those of processes that
//! are gone (never a running process's, which may share the folders).
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

fn parent_of(path: &Path) -> Result<&Path> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating directory {}", dir.display()))?;
    Ok(dir)
}

/// Replaces `path` with `bytes`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent_of(path)?;
    let mut tmp = tempfile::Builder::new().prefix(&temp_prefix()).tempfile_in(dir).with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes).with_context(|| format!("writing {}", path.display()))?;
    tmp.as_file().sync_all().with_context(|| format!("syncing {}", path.display()))?;
    readable_by_all(tmp.path());
    tmp.persist(path).with_context(|| format!("renaming into {}", path.display()))?;
    Ok(())
}

/// Replaces `path` with pretty-printed JSON.
pub fn write_json_atomic<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_vec_pretty(value).context("serialising JSON")?;
    write_atomic(path, &text)
}

/// Replaces `path` with what `write` puts at the temporary path it is given; for files
/// written by other libraries (safetensors, images). The temporary name keeps the
/// extension, since some writers pick the format from it.
pub fn write_atomic_with(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let dir = parent_of(path)?;
    let name = path.file_name().with_context(|| format!("{} names no file", path.display()))?.to_string_lossy();
    let tmp = tempfile::Builder::new().prefix(&temp_prefix()).suffix(&format!("-{name}")).tempfile_in(dir)?.into_temp_path();
    write(&tmp).with_context(|| format!("writing {}", path.display()))?;
    std::fs::File::open(&tmp).and_then(|f| f.sync_all()).with_context(|| format!("syncing {}", path.display()))?;
    readable_by_all(&tmp);
    tmp.persist(path).with_context(|| format!("renaming into {}", path.display()))?;
    Ok(())
}

/// Replaces the folder `dest` with the one `write` fills (given an empty staging folder
/// beside `dest`). The old folder is removed just before the rename; if anything fails,
/// the staging folder is removed and `dest` is untouched.
pub fn replace_dir(dest: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<PathBuf> {
    let staging = staging_dir(dest)?;
    write(staging.path()).with_context(|| format!("writing {}", dest.display()))?;
    sync_tree(staging.path());
    if dest.exists() {
        std::fs::remove_dir_all(dest).with_context(|| format!("removing the old {}", dest.display()))?;
    }
    std::fs::rename(staging.keep(), dest).with_context(|| format!("moving the new folder into {}", dest.display()))?;
    Ok(dest.to_path_buf())
}

/// Creates the folder `dest` once: when `marker` (a path inside it) already exists the
/// folder is complete and is kept; otherwise `write` fills a staging folder that is moved
/// into place. Two processes may race; whichever places its folder first wins, and the
/// other's is as good.
pub fn create_dir_once(dest: &Path, marker: &str, write: impl FnOnce(&Path) -> Result<()>) -> Result<PathBuf> {
    if dest.join(marker).is_file() {
        return Ok(dest.to_path_buf());
    }
    let staging = staging_dir(dest)?;
    write(staging.path()).with_context(|| format!("writing {}", dest.display()))?;
    sync_tree(staging.path());
    let staged = staging.keep();
    if std::fs::rename(&staged, dest).is_err() {
        let _ = std::fs::remove_dir_all(&staged);
        anyhow::ensure!(dest.join(marker).is_file(), "could not place {} (is a stale folder there? remove it)", dest.display());
    }
    Ok(dest.to_path_buf())
}

/// Copies the folder `from` into `to` (created), recursively; a missing `from` copies nothing.
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    walk_files(from, to, &|source, target| {
        std::fs::copy(source, target).map(drop).with_context(|| format!("copying {}", source.display()))
    })
}

/// `copy_dir` for files that are never changed in place (a finished experiment's results,
/// which every write replaces by rename): each file is hard-linked where the file system
/// allows it, else copied, so reusing a result costs no space. A target left by an
/// interrupted attempt is removed first (copying onto a link of the source would empty it).
pub fn link_or_copy_dir(from: &Path, to: &Path) -> Result<()> {
    walk_files(from, to, &|source, target| {
        if target.symlink_metadata().is_ok() {
            std::fs::remove_file(target).with_context(|| format!("replacing {}", target.display()))?;
        }
        if std::fs::hard_link(source, target).is_err() {
            std::fs::copy(source, target).with_context(|| format!("copying {}", source.display()))?;
        }
        Ok(())
    })
}

/// Recreates the folders of `from` under `to` and hands each file, with its place there,
/// to `place`; a missing `from` places nothing.
fn walk_files(from: &Path, to: &Path, place: &dyn Fn(&Path, &Path) -> Result<()>) -> Result<()> {
    if !from.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            walk_files(&entry.path(), &target, place)?;
        } else {
            place(&entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Fails with a message naming `dir` and the variable or option that moves it when a
/// file cannot be created there (read-only, full, or not ours), before any work starts.
pub fn ensure_writable(dir: &Path, moved_by: &str) -> Result<()> {
    std::fs::create_dir_all(dir)
        .and_then(|_| tempfile::Builder::new().prefix(&temp_prefix()).tempfile_in(dir).and_then(|mut f| f.write_all(&[0u8; 4096]).and_then(|_| f.as_file().sync_all())))
        .map_err(|e| {
            // The OS's words without the temporary file's name.
            let why = e.raw_os_error().map_or_else(|| e.to_string(), |code| std::io::Error::from_raw_os_error(code).to_string());
            anyhow::anyhow!("cannot write in {} ({why}); free some space there or point {moved_by} at a writable folder", dir.display())
        })
}

/// Temporary files are created private (0600); what they become is an ordinary file
/// (0644), readable like anything else the user writes.
fn readable_by_all(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644));
}

fn temp_prefix() -> String {
    format!(".tmp-{}-", std::process::id())
}

/// The process id in a temporary name this module made (`.tmp-<pid>-...`).
fn temp_owner(name: &str) -> Option<u32> {
    name.strip_prefix(".tmp-")?.split('-').next()?.parse().ok()
}

fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc_root = Path::new("/proc");
    // Without /proc (not Linux) nothing can be known, so nothing counts as stale.
    !proc_root.join("self").exists() || proc_root.join(pid.to_string()).exists()
}

/// Removes the temporaries of processes that no longer run under `root`, looking
/// `depth` folders down (temporaries sit beside what they become, never deep inside
/// data sets). Returns how many were removed.
pub fn sweep_stale(root: &Path, depth: usize) -> usize {
    let Ok(entries) = std::fs::read_dir(root) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else { continue };
        match temp_owner(&name) {
            Some(pid) if !process_alive(pid) => {
                let gone = if kind.is_dir() { std::fs::remove_dir_all(entry.path()) } else { std::fs::remove_file(entry.path()) };
                removed += usize::from(gone.is_ok());
            }
            Some(_) => {}
            None if kind.is_dir() && depth > 0 => removed += sweep_stale(&entry.path(), depth - 1),
            None => {}
        }
    }
    removed
}

fn staging_dir(dest: &Path) -> Result<tempfile::TempDir> {
    let parent = parent_of(dest)?;
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    tempfile::Builder::new().prefix(&format!("{}{name}-", temp_prefix())).tempdir_in(parent).with_context(|| format!("creating a staging folder in {}", parent.display()))
}

/// Flushes the files of a freshly written folder, so the rename never publishes data that
/// a crash could still lose. Best effort: a file that cannot be opened is skipped.
fn sync_tree(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sync_tree(&path);
        } else if let Ok(file) = std::fs::File::open(&path) {
            let _ = file.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reused_results_are_linked_not_copied_and_a_leftover_target_is_replaced() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(from.join("plots")).unwrap();
        std::fs::write(from.join("result.json"), b"{\"top1\": 0.5}").unwrap();
        std::fs::write(from.join("plots/curve.svg"), b"<svg/>").unwrap();
        // An interrupted earlier attempt left a partial file, and a link to the source.
        std::fs::create_dir_all(to.join("plots")).unwrap();
        std::fs::write(to.join("result.json"), b"{\"to").unwrap();
        std::fs::hard_link(from.join("plots/curve.svg"), to.join("plots/curve.svg")).unwrap();
        super::link_or_copy_dir(&from, &to).unwrap();
        assert_eq!(std::fs::read(to.join("result.json")).unwrap(), b"{\"top1\": 0.5}");
        assert_eq!(std::fs::read(from.join("plots/curve.svg")).unwrap(), b"<svg/>", "the source is untouched");
        assert_eq!(std::fs::read(to.join("plots/curve.svg")).unwrap(), b"<svg/>");
        let ino = |p: &std::path::Path| std::fs::metadata(p).unwrap().ino();
        assert_eq!(ino(&from.join("result.json")), ino(&to.join("result.json")), "one file on disk");
        // A later write replaces by rename, so the other run's file keeps its content.
        super::write_atomic(&to.join("result.json"), b"{}").unwrap();
        assert_eq!(std::fs::read(from.join("result.json")).unwrap(), b"{\"top1\": 0.5}");
    }

    #[test]
    fn stale_temporaries_of_dead_processes_are_swept_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("runs/r1/experiments/e");
        std::fs::create_dir_all(&deep).unwrap();
        // A pid above the kernel's limit (4194304) never runs.
        let dead = 4_194_999u32;
        std::fs::write(deep.join(format!(".tmp-{dead}-abc-values.json")), b"half").unwrap();
        std::fs::create_dir(dir.path().join(format!(".tmp-{dead}-dataset-xyz"))).unwrap();
        std::fs::write(deep.join(format!(".tmp-{}-mine", std::process::id())), b"in use").unwrap();
        std::fs::write(deep.join("values.json"), b"{}").unwrap();
        assert_eq!(super::sweep_stale(dir.path(), 1), 1, "only as deep as asked");
        assert_eq!(super::sweep_stale(dir.path(), 6), 1);
        let left: Vec<String> = std::fs::read_dir(&deep).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(left.contains(&"values.json".to_string()));
    }

    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/x.json");
        write_atomic(&path, b"first, longer").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(names(path.parent().unwrap()), ["x.json"]);
    }

    #[test]
    fn a_failing_writer_leaves_the_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.safetensors");
        write_atomic_with(&path, |tmp| {
            assert!(tmp.to_string_lossy().ends_with("w.safetensors"), "the extension is kept: {}", tmp.display());
            Ok(std::fs::write(tmp, b"old")?)
        })
        .unwrap();
        let err = write_atomic_with(&path, |tmp| {
            std::fs::write(tmp, b"half")?;
            anyhow::bail!("disk full")
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["w.safetensors"]);
    }

    #[test]
    fn folders_are_replaced_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("ckpt");
        replace_dir(&dest, |d| Ok(std::fs::write(d.join("a"), b"1")?)).unwrap();
        assert!(replace_dir(&dest, |d| {
            std::fs::write(d.join("b"), b"2")?;
            anyhow::bail!("interrupted")
        })
        .is_err());
        assert_eq!(names(&dest), ["a"]);
        replace_dir(&dest, |d| Ok(std::fs::write(d.join("b"), b"2")?)).unwrap();
        assert_eq!(names(&dest), ["b"]);
        assert_eq!(names(dir.path()), ["ckpt"]);
    }

    #[test]
    fn a_complete_folder_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("data");
        create_dir_once(&dest, "done", |d| Ok(std::fs::write(d.join("done"), b"")?)).unwrap();
        create_dir_once(&dest, "done", |_| panic!("not written twice")).unwrap();
        assert_eq!(names(dir.path()), ["data"]);
    }
}
