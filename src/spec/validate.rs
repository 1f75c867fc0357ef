//! The checks a params block gets after serde has read it: ranges and consistency,
//! each naming its field so the loader can point at its line.

/// One range or consistency problem in a params block: the field, what is wrong, a hint.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Default)]
pub struct Violations(pub Vec<Violation>);

impl Violations {
    pub fn push(&mut self, field: &str, message: impl Into<String>, hint: Option<String>) {
        self.0.push(Violation { field: field.into(), message: message.into(), hint });
    }

    /// Requires `lo <= value <= hi`.
    pub fn range<T: PartialOrd + std::fmt::Display + Copy>(&mut self, field: &str, value: T, lo: T, hi: T) {
        if !(value >= lo && value <= hi) {
            self.push(
                field,
                format!("`{field}` is {value}, outside the allowed range {lo}..={hi}"),
                Some(format!("set `{field}` between {lo} and {hi}")),
            );
        }
    }

    /// Requires `0 < value <= hi` for a float (learning rates, scales).
    pub fn positive(&mut self, field: &str, value: f64, hi: f64) {
        if !(value > 0.0 && value <= hi) {
            self.push(
                field,
                format!("`{field}` is {value}, it must be > 0 and <= {hi}"),
                Some(format!("typical values for `{field}` are 1e-4 to 1e-1")),
            );
        }
    }
}

pub trait Validate {
    fn validate(&self, v: &mut Violations);
}
