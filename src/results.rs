//! What a task produces besides its metric stream: result tables and named values.
//! Shared by tasks (produce), store (persist) and report/tui (render).
use serde::{Deserialize, Serialize};

/// How a column's numbers are meant to be read; the renderers format by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Data shown as it is (class names, prompts, model names).
    Text,
    /// A term of the program's vocabulary (a method, a role, a kind of prompt) stored as
    /// its key; the report and the dashboard show its wording in their language. A cell
    /// the catalogs do not know (a prompt beside the ensembles) is shown as it is.
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
