//! `adaptlab pem add | negate | analogy`: module arithmetic on PEFT adapter folders
//! (`nn::pem`), written as PEFT writes adapters, whole or not at all.
use crate::cli::{ExitCode, PemAddArgs, PemCommand, PemForm};
use crate::nn::adapter::{load_peft_adapter, save_peft_adapter};
use crate::nn::pem::{self, AddForm, Module};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

pub fn run(command: &PemCommand) -> Result<ExitCode> {
    let (out, result, base) = match command {
        PemCommand::Add(args) => add(args)?,
        PemCommand::Negate { out, adapter } => {
            let (module, base) = load(adapter)?;
            pem::check_module(&module).with_context(|| format!("checking {}", adapter.display()))?;
            (out.clone(), pem::negate(&module), base)
        }
        PemCommand::Analogy { out, form, a: a_dir, b: b_dir, c: c_dir } => {
            let [(a, base), (b, base_b), (c, base_c)] = [load(a_dir)?, load(b_dir)?, load(c_dir)?];
            same_base(&[&base, &base_b, &base_c])?;
            let inputs = [a_dir, b_dir, c_dir];
            (out.clone(), pem::analogy(&a, &b, &c, add_form(*form, None)).with_context(|| named_inputs(&inputs))?, base)
        }
    };
    save_peft_adapter(&out, &result.config, &result.tensors, &base).with_context(|| format!("writing {}", out.display()))?;
    println!("{}: {} adapter, {} tensors", out.display(), result.config.peft_type(), result.tensors.len());
    Ok(ExitCode::Success)
}

fn add(args: &PemAddArgs) -> Result<(PathBuf, Module, String)> {
    let mut modules = Vec::new();
    let (mut weights, mut bases, mut dirs) = (Vec::new(), Vec::new(), Vec::new());
    for spec in &args.adapters {
        let (path, weight) = split_weight(spec)?;
        let (module, base) = load(&path)?;
        modules.push(module);
        weights.push(weight);
        bases.push(base);
        dirs.push(path);
    }
    same_base(&bases.iter().collect::<Vec<_>>())?;
    let sum = pem::add(&modules, &weights, add_form(args.form, args.rank)).with_context(|| named_inputs(&dirs))?;
    Ok((args.out.clone(), sum, bases.swap_remove(0)))
}

/// "adapter 1 = DIR, adapter 2 = DIR", so a refusal that counts adapters names their folders.
fn named_inputs(dirs: &[impl AsRef<Path>]) -> String {
    dirs.iter().enumerate().map(|(i, d)| format!("adapter {} = {}", i + 1, d.as_ref().display())).collect::<Vec<_>>().join(", ")
}

fn add_form(form: PemForm, rank: Option<i64>) -> AddForm {
    match form {
        PemForm::Average => AddForm::Average,
        PemForm::PeftLinear => AddForm::PeftLinear,
        PemForm::Cat => AddForm::Cat,
        PemForm::Svd => AddForm::Svd { rank },
    }
}

/// `DIR:0.5` → (DIR, 0.5); `DIR` → (DIR, 1). A folder whose name ends in `:text` that is
/// not a number keeps its whole name.
fn split_weight(spec: &str) -> Result<(PathBuf, f64)> {
    if let Some((path, weight)) = spec.rsplit_once(':') {
        if let Ok(w) = weight.parse::<f64>() {
            anyhow::ensure!(w.is_finite(), "`{spec}`: the weight must be a finite number");
            return Ok((PathBuf::from(path), w));
        }
    }
    Ok((PathBuf::from(spec), 1.0))
}

/// The adapter and the base model it was trained on (`base_model_name_or_path`).
fn load(dir: &Path) -> Result<(Module, String)> {
    let (config, tensors) = load_peft_adapter(dir)?;
    let config_path = dir.join("adapter_config.json");
    let raw: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&config_path)?).with_context(|| format!("parsing {}", config_path.display()))?;
    let base = raw["base_model_name_or_path"].as_str().unwrap_or_default().to_string();
    Ok((Module { config, tensors }, base))
}

fn same_base(bases: &[&String]) -> Result<()> {
    let named: Vec<&&String> = bases.iter().filter(|b| !b.is_empty()).collect();
    if let Some(first) = named.first() {
        if let Some(other) = named.iter().find(|b| **b != *first) {
            anyhow::bail!("the adapters were trained on different base models ({first} and {other}); modules add only on the same base model");
        }
    }
    Ok(())
}
