//! Link flags so `target/release/adaptlab` runs without LD_LIBRARY_PATH and keeps CUDA.
//!
//! torch-sys (`links = "tch"`) exports the libtorch lib dir as `DEP_TCH_LIBTORCH_LIB`.
//! We add an rpath to it and force `libtorch_cuda.so` into DT_NEEDED: nothing in our code
//! references a CUDA symbol, so with the default `--as-needed` the linker would drop it
//! and `tch::Cuda::is_available()` would be false even on a GPU box.
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let Ok(lib_dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        println!("cargo:warning=torch-sys did not report a libtorch lib dir; no rpath set");
        return;
    };
    let lib = Path::new(&lib_dir);
    if cfg!(target_os = "linux") || cfg!(target_os = "macos") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
    if cfg!(target_os = "linux") && lib.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
    println!("cargo:rustc-env=ADAPTLAB_LIBTORCH_LIB={}", lib.display());
    println!(
        "cargo:rustc-env=ADAPTLAB_LIBTORCH_VERSION={}",
        libtorch_version(lib).unwrap_or_else(|| "unknown".into())
    );
}

/// The version of the libtorch we link: `torch/version.py` for a pip wheel,
/// `build-version` for a libtorch zip.
fn libtorch_version(lib: &Path) -> Option<String> {
    let root = lib.parent()?;
    if let Ok(text) = std::fs::read_to_string(root.join("version.py")) {
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("__version__") {
                let value = rest.split('=').nth(1)?.trim();
                return Some(value.trim_matches(|c| c == '\'' || c == '"').to_string());
            }
        }
    }
    std::fs::read_to_string(root.join("build-version")).ok().map(|s| s.trim().to_string())
}
