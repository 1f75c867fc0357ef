//! Which experiments a run covers: everything enabled, or the `--only` ids plus what they need.
use crate::spec::hint::closest;
use crate::spec::Suite;
use anyhow::{bail, Result};
use std::collections::HashSet;

/// Ids in suite (dependency) order. Without `only`, disabled experiments are included
/// too, so they appear in the run (and the report) as skipped rather than vanish.
pub fn select(suite: &Suite, only: &[String]) -> Result<Vec<String>> {
    if only.is_empty() {
        return Ok(suite.experiments.iter().map(|e| e.id.clone()).collect());
    }
    let mut wanted: HashSet<String> = HashSet::new();
    let mut stack: Vec<String> = Vec::new();
    for id in only {
        if suite.experiment(id).is_none() {
            let hint = closest(id, suite.experiments.iter().map(|e| e.id.as_str()))
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_else(|| "; `adaptlab check SUITE` lists the ids".into());
            bail!("`--only {id}`: no experiment with that id in suite `{}`{hint}", suite.name);
        }
        stack.push(id.clone());
    }
    while let Some(id) = stack.pop() {
        if wanted.insert(id.clone()) {
            if let Some(e) = suite.experiment(&id) {
                stack.extend(e.needs.iter().cloned());
            }
        }
    }
    Ok(suite.experiments.iter().filter(|e| wanted.contains(&e.id)).map(|e| e.id.clone()).collect())
}
