//! Results another experiment (one in `needs`) stored: its values and tables.
use crate::results::ResultTable;
use crate::tasks::TaskContext;
use anyhow::{Context, Result};
use serde_json::Value;

pub struct Stored {
    pub values: serde_json::Map<String, Value>,
    pub tables: Vec<ResultTable>,
}

impl Stored {
    pub fn read(ctx: &TaskContext, id: &str) -> Result<Stored> {
        let path = ctx.input_file(id, "result.json")?;
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path)?).with_context(|| format!("reading {}", path.display()))?;
        Ok(Stored {
            values: doc["values"].as_object().cloned().unwrap_or_default(),
            tables: serde_json::from_value(doc["tables"].clone()).unwrap_or_default(),
        })
    }

    pub fn number(&self, key: &str) -> Option<f64> {
        self.values.get(key).and_then(Value::as_f64)
    }

    pub fn value(&self, key: &str) -> Value {
        self.values.get(key).cloned().unwrap_or(Value::Null)
    }

    pub fn table(&self, name: &str) -> Option<&ResultTable> {
        self.tables.iter().find(|t| t.name == name)
    }
}
