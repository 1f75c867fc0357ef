//! Where each node of a YAML document sits, by path (`experiments[2].params.lr`).
//!
//! serde_norway reports a location only for errors it raises while parsing the text.
//! Errors found later (typed task params, ranges, cross-references) need the same
//! `line:col`, so we index the document once with yaml-rust2's marked events.
use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    pub line: usize,
    pub col: usize,
}

/// Key and value positions for every path in one YAML document.
#[derive(Debug, Default)]
pub struct LocationIndex {
    keys: HashMap<String, Loc>,
    values: HashMap<String, Loc>,
}

impl LocationIndex {
    /// Indexes `text`; a document that does not parse yields an empty index
    /// (serde_norway reports the syntax error with its own location).
    pub fn build(text: &str) -> Self {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut builder, false).is_err() {
            return Self::default();
        }
        builder.index
    }

    /// The position of the value at `path`, else of its key, else of the nearest ancestor.
    pub fn value(&self, path: &str) -> Loc {
        self.find(path, true)
    }

    /// The position of the key at `path` (for "unknown field" errors), else as `value`.
    pub fn key(&self, path: &str) -> Loc {
        self.find(path, false)
    }

    fn find(&self, path: &str, value_first: bool) -> Loc {
        let mut current = path.to_string();
        loop {
            let (first, second) = if value_first {
                (&self.values, &self.keys)
            } else {
                (&self.keys, &self.values)
            };
            if let Some(loc) = first.get(&current).or_else(|| second.get(&current)) {
                return *loc;
            }
            match parent_path(&current) {
                Some(parent) => current = parent,
                None => return Loc { line: 1, col: 1 },
            }
        }
    }
}

/// `a.b[3].c` → `a.b[3]` → `a.b` → `a` → `` → None.
fn parent_path(path: &str) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    Some(path[..cut].to_string())
}

pub fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, next: usize },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    index: LocationIndex,
}

impl Builder {
    fn loc(mark: &Marker) -> Loc {
        Loc { line: mark.line(), col: mark.col() + 1 }
    }

    /// Handles a node (scalar, alias or container start); returns the node's path
    /// when it is a value rather than a mapping key.
    fn node(&mut self, scalar_text: Option<&str>, mark: &Marker) -> Option<String> {
        let loc = Self::loc(mark);
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                self.index.values.insert(p.clone(), loc);
                Some(p)
            }
            Some(Frame::Map { path, key }) => match key.take() {
                None => {
                    // A mapping key; complex (non-scalar) keys are not indexed.
                    let k = join_key(path, scalar_text.unwrap_or("?"));
                    self.index.keys.insert(k.clone(), loc);
                    *key = Some(k);
                    None
                }
                Some(k) => {
                    self.index.values.insert(k.clone(), loc);
                    Some(k)
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(text, ..) => {
                self.node(Some(&text), &mark);
            }
            Event::Alias(_) => {
                self.node(None, &mark);
            }
            Event::MappingStart(..) => {
                let path = self.node(None, &mark).unwrap_or_default();
                self.stack.push(Frame::Map { path, key: None });
            }
            Event::SequenceStart(..) => {
                let path = self.node(None, &mark).unwrap_or_default();
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_nested_keys_and_values() {
        let text = "name: x\nexperiments:\n  - id: a\n    params:\n      lr: 0.1\n  - id: b\n";
        let idx = LocationIndex::build(text);
        assert_eq!(idx.key("name"), Loc { line: 1, col: 1 });
        assert_eq!(idx.value("name"), Loc { line: 1, col: 7 });
        assert_eq!(idx.key("experiments[0].params.lr"), Loc { line: 5, col: 7 });
        assert_eq!(idx.value("experiments[0].params.lr"), Loc { line: 5, col: 11 });
        assert_eq!(idx.value("experiments[1].id"), Loc { line: 6, col: 9 });
        // Unknown paths fall back to the nearest ancestor.
        assert_eq!(idx.value("experiments[1].params.steps"), idx.value("experiments[1]"));
    }
}
