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

/// Every need of the suite's enabled experiments (those in `only` and what they need,
/// when given), each once, in suite order.
pub fn needs_of(suite: &Suite, only: &[String]) -> Vec<crate::hub::needs::Need> {
    let mut out: Vec<crate::hub::needs::Need> = Vec::new();
    let selected = select(suite, only).unwrap_or_default();
    for exp in suite.experiments.iter().filter(|e| selected.contains(&e.id)) {
        for need in crate::hub::needs::of_params(exp.params.json()) {
            if !out.contains(&need) {
                out.push(need);
            }
        }
    }
    out
}

#[cfg(test)]
mod needs_tests {
    use super::needs_of as of_suite;
    use crate::hub::needs::Need;

    #[test]
    fn the_hw5_suite_needs_every_asset_of_the_assignment() {
        let hw5 = crate::tasks::load_suite(&crate::spec::SuiteRef::Builtin("hw5")).unwrap();
        let needs = of_suite(&hw5, &[]);
        for want in [Need::StanfordDogs, Need::Food101, Need::Cifar10, Need::SentimentDksf, Need::Parsinlu] {
            assert!(needs.contains(&want), "{want:?} in {needs:?}");
        }
        assert_eq!(needs.iter().filter(|n| matches!(n, Need::Clip { .. })).count(), 2);
        let demo = crate::tasks::load_suite(&crate::spec::SuiteRef::Builtin("demo")).unwrap();
        assert!(of_suite(&demo, &[]).is_empty(), "the demo downloads nothing");
    }
}
