//! Typed parameters per task kind, with their defaults and allowed ranges.
//! Unknown keys are rejected by serde; ranges by `Validate`, which names the field
//! so the loader can point at its line.
use serde::{Deserialize, Serialize};

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

/// `smoke`: a small CNN trained on procedurally generated shape images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmokeParams {
    /// Number of shape classes (the generator knows 8).
    pub classes: u32,
    /// Square image side in pixels.
    pub image_size: u32,
    pub train_images: u32,
    pub test_images: u32,
    /// Optimiser steps.
    pub steps: u32,
    pub batch_size: u32,
    /// Adam learning rate.
    pub lr: f64,
    /// Evaluate on the test images every this many steps (and at the end).
    pub eval_every: u32,
    /// Channels of the first conv layer (doubled in the second).
    pub width: u32,
}

impl Default for SmokeParams {
    fn default() -> Self {
        Self {
            classes: 6,
            image_size: 32,
            train_images: 3000,
            test_images: 600,
            steps: 300,
            batch_size: 64,
            lr: 2e-3,
            eval_every: 50,
            width: 16,
        }
    }
}

pub const SMOKE_MAX_CLASSES: u32 = 8;

impl Validate for SmokeParams {
    fn validate(&self, v: &mut Violations) {
        v.range("classes", self.classes, 2, SMOKE_MAX_CLASSES);
        v.range("image_size", self.image_size, 16, 128);
        v.range("train_images", self.train_images, self.classes.max(1) * 4, 200_000);
        v.range("test_images", self.test_images, self.classes.max(1), 100_000);
        v.range("steps", self.steps, 1, 1_000_000);
        v.range("batch_size", self.batch_size, 1, 4096);
        v.positive("lr", self.lr, 1.0);
        v.range("eval_every", self.eval_every, 1, 1_000_000);
        v.range("width", self.width, 2, 256);
    }
}
