//! The YAML parser's and serde's messages in a suite author's words, each with a hint.
//!
//! The messages come from libyaml (through serde_norway) and from serde's derived
//! deserializers; both speak of Rust types and parser states. This turns them into
//! what to write instead.

/// `message` without Rust type names and repeated locations, and a hint for it.
pub fn explain(message: &str) -> (String, String) {
    let message = plain_words(message);
    let hint = hint_for(&message);
    (message, hint)
}

fn plain_words(message: &str) -> String {
    let mut out = without_locations(message);
    // "integer `9…9` as u128" — the width serde tried is noise.
    out = out.replace(" as u128", "").replace(" as i128", "");
    for (rust, words) in [
        ("struct RawSuite", "a suite: a mapping with `name` and `experiments`"),
        ("struct RawExperiment", "an experiment: a mapping with `id`, `part`, `task` and `params`"),
        ("struct RawDefaults", "a mapping of defaults (`seed`, `device`)"),
        ("invalid type: map,", "invalid type: mapping,"),
        ("expected a sequence", "expected a list (`- item` lines or `[a, b]`)"),
    ] {
        out = out.replace(rust, words);
    }
    // Any other struct is a block of params.
    while let Some(i) = out.find("expected struct ") {
        let end = out[i + 16..].find(|c: char| !c.is_alphanumeric() && c != '_').map_or(out.len(), |j| i + 16 + j);
        out.replace_range(i..end, "expected a mapping of `key: value` lines");
    }
    for int in ["u8", "u16", "u32", "u64", "usize"] {
        out = replace_word(&out, &format!("expected {int}"), "expected a whole number (0 or more)");
    }
    for int in ["i32", "i64"] {
        out = replace_word(&out, &format!("expected {int}"), "expected a whole number");
    }
    for float in ["f32", "f64"] {
        out = replace_word(&out, &format!("expected {float}"), "expected a number");
    }
    out
}

/// Replaces `from` only where it is not followed by more of a word (`u32` but not `u32x`).
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(from) {
        let after = &rest[i + from.len()..];
        out.push_str(&rest[..i]);
        if after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            out.push_str(from);
        } else {
            out.push_str(to);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Drops libyaml's " at line L column C" wherever it sits: the message already starts
/// with the location.
fn without_locations(message: &str) -> String {
    let mut out = message.to_string();
    while let Some(i) = out.find(" at line ") {
        let tail = &out[i + 9..];
        let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let n = digits(tail);
        let Some(after_line) = tail[n..].strip_prefix(" column ") else { break };
        let m = digits(after_line);
        if n == 0 || m == 0 {
            break;
        }
        let end = i + 9 + n + 8 + m;
        out.replace_range(i..end, "");
    }
    out
}

fn hint_for(message: &str) -> String {
    let has = |s: &str| message.contains(s);
    let hint = if let Some(field) = between(message, "duplicate field `", "`") {
        format!("`{field}` is written twice in this mapping; keep one")
    } else if has("expected a whole number (0 or more)") {
        "write a whole number without quotes or a decimal point, e.g. `3`".into()
    } else if has("expected a whole number") {
        "write a whole number without quotes or a decimal point, e.g. `-3`".into()
    } else if has("expected a number") {
        "write a number without quotes, e.g. `0.001` or `1e-3`".into()
    } else if has("expected a boolean") {
        "write `true` or `false`".into()
    } else if has("expected a string") || has("expected a borrowed string") {
        "write text; quote it (`\"...\"`) when it would read as a number, list or mapping".into()
    } else if has("expected a list") {
        "write the items as `[a, b]` or as `- item` lines indented under the key".into()
    } else if has("expected a suite") {
        "a suite starts with `name: ...` and `experiments:` at the start of their lines (see experiments/demo.yaml)".into()
    } else if has("expected an experiment") {
        "each entry under `experiments:` is `- id: ...` with `part:`, `task:` and `params:` indented under it".into()
    } else if has("expected a title") {
        "write `title: Some text` or `title: { en: ..., fa: ... }`".into()
    } else if has("expected a mapping") {
        "write `key: value` lines indented under the key, or `{ key: value }`".into()
    } else if has("more than one document") {
        "a suite is one YAML document: remove the `---` line and what follows, or move it to its own file".into()
    } else if has("while scanning a quoted scalar") {
        "a quote opened on or before this line is never closed; add the closing quote".into()
    } else if has("expected ',' or ']'") {
        "a `[` list is not closed: end it with `]` on the same line, with `,` between items".into()
    } else if has("expected ',' or '}'") {
        "a `{` mapping is not closed: end it with `}` on the same line, with `,` between entries".into()
    } else if has("mapping values are not allowed") {
        "check the indentation: a key lines up with the keys beside it; quote a value that holds `: `".into()
    } else if has("could not find expected ':'") {
        "write `key: value` with a space after the colon".into()
    } else if has("cannot start any token") {
        "quote the value: `@`, `` ` ``, `%` and `!` cannot start unquoted text in YAML".into()
    } else if has("unknown anchor") {
        "define the anchor (`key: &name ...`) above the line that uses `*name`".into()
    } else if has("did not find expected") || has("while parsing") || has("while scanning") {
        "check the indentation (spaces, the same depth for keys of one mapping) and that brackets and quotes are closed".into()
    } else {
        "see experiments/demo.yaml for a complete, valid suite".into()
    };
    hint
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

#[cfg(test)]
mod tests {
    use super::explain;

    #[test]
    fn rust_types_and_repeated_locations_go() {
        let (m, h) = explain("experiments[0].seed: invalid type: string \"lots\", expected u64");
        assert_eq!(m, "experiments[0].seed: invalid type: string \"lots\", expected a whole number (0 or more)");
        assert!(h.contains("whole number"));
        let (m, h) = explain("did not find expected ',' or ']' at line 5 column 9, while parsing a flow sequence");
        assert_eq!(m, "did not find expected ',' or ']', while parsing a flow sequence");
        assert!(h.contains("`]`"));
        assert_eq!(explain("expected u32x").0, "expected u32x");
    }
}
