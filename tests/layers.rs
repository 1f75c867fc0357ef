//! Keeps the tiers written at the top of `src/lib.rs`: a module may use its own tier and
//! the ones below it. Every `crate::X` path in every source file is checked, so an edge
//! that points upwards (nn → tasks, tasks → report) fails here with its file and line.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `//! N name: a, b, c` lines of lib.rs → module → tier.
fn tiers() -> HashMap<String, usize> {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let mut map = HashMap::new();
    for line in lib.lines().filter_map(|l| l.strip_prefix("//! ")) {
        let Some((head, modules)) = line.split_once(':') else { continue };
        let mut words = head.split_whitespace();
        let (Some(n), Some(_name), None) = (words.next(), words.next(), words.next()) else { continue };
        let Ok(tier) = n.parse::<usize>() else { continue };
        for m in modules.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            map.insert(m.to_string(), tier);
        }
    }
    map
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a line names through `crate::`, grouped imports included.
fn crate_modules(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            found.extend(group[..end].split(',').map(|p| p.trim().split("::").next().unwrap_or("").trim().to_string()));
        } else {
            found.push(rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("").to_string());
        }
    }
    found.retain(|m| !m.is_empty() && m != "self");
    found
}

#[test]
fn no_module_uses_a_higher_tier() {
    let tiers = tiers();
    assert!(tiers.len() > 20, "lib.rs lists the tiers: {tiers:?}");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        if first == "main" || first == "lib" {
            continue;
        }
        let own = *tiers.get(&first).unwrap_or_else(|| panic!("src/{} is in no tier of lib.rs", rel.display()));
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for used in crate_modules(line) {
                let Some(&tier) = tiers.get(&used) else {
                    problems.push(format!("src/{}:{}: `crate::{used}` is in no tier of lib.rs", rel.display(), n + 1));
                    continue;
                };
                if tier > own {
                    problems.push(format!("src/{}:{} (tier {own}, {first}) uses `{used}` (tier {tier})", rel.display(), n + 1));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} upward edge(s):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn grouped_and_inline_paths_are_seen() {
    assert_eq!(crate_modules("use crate::{fsx, report::escape};"), ["fsx", "report"]);
    assert_eq!(crate_modules("let x = crate::plots::bar(crate::report::y);"), ["plots", "report"]);
}
