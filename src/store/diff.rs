//! Comparing two runs experiment by experiment: status, spec, and the values that differ.
//! Used by `adaptlab runs diff` and the dashboard's History tab.
use super::ExpRow;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueChange {
    pub name: String,
    pub a: Option<Value>,
    pub b: Option<Value>,
}

impl ValueChange {
    /// b − a for numeric values.
    pub fn delta(&self) -> Option<f64> {
        Some(self.b.as_ref()?.as_f64()? - self.a.as_ref()?.as_f64()?)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffLine {
    pub experiment: String,
    pub status_a: Option<String>,
    pub status_b: Option<String>,
    /// Whether both ran with the same spec hash; None if either has none.
    pub same_spec: Option<bool>,
    pub changed_values: Vec<ValueChange>,
}

pub fn diff_runs(a: &[ExpRow], b: &[ExpRow]) -> Vec<DiffLine> {
    let mut ids: Vec<&str> = a.iter().map(|e| e.exp_id.as_str()).collect();
    ids.extend(b.iter().map(|e| e.exp_id.as_str()).filter(|id| !a.iter().any(|e| e.exp_id == *id)));
    ids.into_iter()
        .map(|id| {
            let x = a.iter().find(|e| e.exp_id == id);
            let y = b.iter().find(|e| e.exp_id == id);
            let same_spec = match (x.and_then(|e| e.spec_hash.as_ref()), y.and_then(|e| e.spec_hash.as_ref())) {
                (Some(p), Some(q)) => Some(p == q),
                _ => None,
            };
            let mut names: Vec<&String> = x.map(|e| e.values.keys().collect()).unwrap_or_default();
            for k in y.map(|e| e.values.keys().collect::<Vec<_>>()).unwrap_or_default() {
                if !names.contains(&k) {
                    names.push(k);
                }
            }
            let changed_values = names
                .into_iter()
                .map(|k| ValueChange {
                    name: k.clone(),
                    a: x.and_then(|e| e.values.get(k)).cloned(),
                    b: y.and_then(|e| e.values.get(k)).cloned(),
                })
                .filter(|c| c.a != c.b)
                .collect();
            DiffLine {
                experiment: id.to_string(),
                status_a: x.map(|e| e.status.as_str().to_string()),
                status_b: y.map(|e| e.status.as_str().to_string()),
                same_spec,
                changed_values,
            }
        })
        .collect()
}

/// A value as text for tables: floats with four decimals, strings bare.
pub fn value_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "—".into(),
        Some(Value::Number(n)) if n.is_f64() => n.as_f64().map(crate::results::format_float).unwrap_or_default(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}
