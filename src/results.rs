//! What a task produces besides its metric stream: result tables and named values.
//! Shared by tasks (produce), store (persist) and report/tui (render).
use serde::{Deserialize, Serialize};

/// How a column's numbers are meant to be read; the renderers format by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Data shown as it is (class names, prompts, model names). A cell `@key` is a term
    /// among the data (a table's own summary rows: `@macro_average`), worded like one.
    Text,
    /// A term of the program's vocabulary (a method, a role, a kind of prompt) stored as
    /// its key; the report and the dashboard show its wording in their language. A term
    /// may carry values, `key?name=value&name=value` (see [`term_cell`]). A cell the
    /// catalogs do not know (a prompt beside the ensembles) is shown as it is.
    Term,
    Integer,
    Float,
    /// A fraction in [0, 1], shown as a percentage.
    Percent,
}

/// A column: a stable key (what code and templates refer to) and how to read its cells.
/// Its heading is wording, looked up by key in the report's catalogs, so it can be
/// translated without touching the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Results stored before keys existed named the column by its English heading.
    #[serde(alias = "name")]
    pub key: String,
    pub kind: ColumnKind,
}

/// A table of results; cells are JSON scalars (string, number or null).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultTable {
    /// Stable key the templates refer to (`per_class`).
    pub name: String,
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<serde_json::Value>>,
}

impl ResultTable {
    /// `columns` are (key, kind) pairs.
    pub fn new(name: &str, title: &str, columns: &[(&str, ColumnKind)]) -> Self {
        Self {
            name: name.into(),
            title: title.into(),
            columns: columns.iter().map(|(key, kind)| Column { key: (*key).into(), kind: *kind }).collect(),
            rows: Vec::new(),
        }
    }

    /// The position of the column `key`.
    pub fn column(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.key == key)
    }

    pub fn push(&mut self, row: Vec<serde_json::Value>) {
        debug_assert_eq!(row.len(), self.columns.len(), "row width must match the columns");
        self.rows.push(row);
    }

    /// A cell formatted for display by its column kind.
    pub fn cell_text(&self, row: usize, col: usize) -> String {
        format_cell(&self.rows[row][col], self.columns[col].kind)
    }
}

pub fn format_cell(value: &serde_json::Value, kind: ColumnKind) -> String {
    use serde_json::Value;
    match (value, kind) {
        (Value::Null, _) => "—".into(),
        (Value::Number(n), ColumnKind::Percent) => n.as_f64().map_or("—".into(), |f| format!("{:.2}%", f * 100.0)),
        (Value::Number(n), ColumnKind::Float) => n.as_f64().map_or("—".into(), format_float),
        (Value::Number(n), _) => n.to_string(),
        (Value::String(s), _) => s.clone(),
        (other, _) => other.to_string(),
    }
}

/// Four significant decimals for moderate values, scientific notation for tiny or huge ones.
pub fn format_float(f: f64) -> String {
    if f != 0.0 && (f.abs() < 1e-3 || f.abs() >= 1e6) {
        format!("{f:.3e}")
    } else {
        format!("{f:.4}")
    }
}

/// A term cell with values, `key?name=value&…`: the catalogs word it (`term-key` with the
/// values as variables), so a cell such as "step 45 of 150" is stored language-neutral.
/// Values must not contain `&` or `=` (numbers and identifiers).
pub fn term_cell(key: &str, values: &[(&str, String)]) -> String {
    if values.is_empty() {
        return key.to_string();
    }
    let args: Vec<String> = values.iter().map(|(name, value)| format!("{name}={value}")).collect();
    format!("{key}?{}", args.join("&"))
}

/// A term cell's key and values (none when the cell is a plain key or not of that form).
pub fn split_term(cell: &str) -> (&str, Vec<(&str, &str)>) {
    let Some((key, rest)) = cell.split_once('?') else { return (cell, Vec::new()) };
    let values: Option<Vec<(&str, &str)>> = rest.split('&').map(|pair| pair.split_once('=')).collect();
    match values {
        Some(v) if !key.is_empty() && v.iter().all(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) => (key, v),
        _ => (cell, Vec::new()),
    }
}

#[cfg(test)]
mod term_tests {
    use super::*;

    #[test]
    fn term_cells_round_trip_and_prompts_stay_whole() {
        let cell = term_cell("best-step", &[("step", "45".into()), ("steps", "150".into())]);
        assert_eq!(cell, "best-step?step=45&steps=150");
        assert_eq!(split_term(&cell), ("best-step", vec![("step", "45"), ("steps", "150")]));
        assert_eq!(split_term("lbfgs"), ("lbfgs", vec![]));
        assert_eq!(term_cell("full", &[]), "full");
        for prompt in ["is this a {}?", "a {}? yes", "what?", "?a=1"] {
            assert_eq!(split_term(prompt), (prompt, vec![]), "{prompt}");
        }
    }
}
