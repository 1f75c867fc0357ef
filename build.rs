//! Link flags so `target/release/adaptlab` runs without LD_LIBRARY_PATH and keeps CUDA,
//! and the list of report assets (templates, message catalogs) compiled into the binary.
//!
//! torch-sys (`links = "tch"`) exports the libtorch lib dir as `DEP_TCH_LIBTORCH_LIB`.
//! We add an rpath to it and force `libtorch_cuda.so` into DT_NEEDED: nothing in our code
//! references a CUDA symbol, so with the default `--as-needed` the linker would drop it
//! and `tch::Cuda::is_available()` would be false even on a GPU box.
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    write_assets();
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

/// `OUT_DIR/assets.rs`: every `templates/**/*.hbs` as (name, text) and every
/// `locales/<lang>/*.ftl` as (lang, file, text), so adding a layout or a catalog file
/// needs no list edited by hand.
fn write_assets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut templates = Vec::new();
    collect(&root.join("templates"), "hbs", &mut templates);
    let mut locales = Vec::new();
    collect(&root.join("locales"), "ftl", &mut locales);
    let mut out = String::from("/// Report layouts: (name relative to templates/, without `.md.hbs`), text.\npub static TEMPLATES: &[(&str, &str)] = &[\n");
    for path in &templates {
        let rel = path.strip_prefix(root.join("templates")).unwrap().to_string_lossy().replace('\\', "/");
        let name = rel.trim_end_matches(".hbs").trim_end_matches(".md");
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    out.push_str("];\n/// Message catalogs: (language, file, text).\npub static LOCALES: &[(&str, &str, &str)] = &[\n");
    for path in &locales {
        let lang = path.parent().and_then(|p| p.file_name()).unwrap().to_string_lossy();
        let file = path.file_name().unwrap().to_string_lossy();
        out.push_str(&format!("    ({lang:?}, {file:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("assets.rs");
    std::fs::write(dest, out).unwrap();
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=locales");
    for path in templates.iter().chain(&locales) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

fn collect(dir: &Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}
