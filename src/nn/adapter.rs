//! Which parameter-efficient module a model carries: LoRA pairs or (IA)³ vectors, with the
//! modules both kinds train in full (`modules_to_save`).
use super::ia3::Ia3Config;
use super::lora::LoraConfig;
use anyhow::Context;
use tch::Tensor;

#[derive(Debug, Clone, PartialEq)]
pub enum AdapterConfig {
    Lora(LoraConfig),
    Ia3(Ia3Config),
}

impl AdapterConfig {
    /// Whether the module `name` is trained in full and saved with the adapter.
    pub fn saves(&self, name: &str) -> bool {
        match self {
            AdapterConfig::Lora(c) => c.saves(name),
            AdapterConfig::Ia3(c) => c.saves(name),
        }
    }

    /// PEFT's `peft_type`.
    pub fn peft_type(&self) -> &'static str {
        match self {
            AdapterConfig::Lora(_) => "LORA",
            AdapterConfig::Ia3(_) => "IA3",
        }
    }
}

/// PEFT's key prefix for a model's parameters inside a saved adapter.
const PEFT_PREFIX: &str = "base_model.model.";

/// Writes `adapter_config.json` and `adapter_model.safetensors` as PEFT does, so
/// `peft.PeftModel.from_pretrained(base, dir)` loads them. `vars` are the adapter's
/// parameters by module path (`vit.encoder.layer.0.attention.attention.query.lora_A.weight`,
/// `vit.encoder.layer.0.attention.attention.key.ia3_l`, `classifier.weight`). The folder
/// is written whole or not at all.
pub fn save_peft_adapter(dir: &std::path::Path, cfg: &AdapterConfig, vars: &[(String, Tensor)], base_model: &str) -> anyhow::Result<()> {
    let mut config = serde_json::json!({
        "peft_type": cfg.peft_type(),
        "task_type": null,
        "base_model_name_or_path": base_model,
        "inference_mode": true,
        "fan_in_fan_out": false,
    });
    let fields = match cfg {
        AdapterConfig::Lora(c) => serde_json::json!({
            "r": c.r,
            "lora_alpha": c.lora_alpha,
            "lora_dropout": c.lora_dropout,
            "target_modules": c.target_modules,
            "modules_to_save": c.modules_to_save,
            "bias": "none",
            "init_lora_weights": true,
            "use_rslora": false,
            "use_dora": false,
        }),
        AdapterConfig::Ia3(c) => serde_json::json!({
            "target_modules": c.target_modules,
            "feedforward_modules": c.feedforward_modules,
            "modules_to_save": c.modules_to_save,
            "init_ia3_weights": true,
        }),
    };
    if let (Some(out), Some(add)) = (config.as_object_mut(), fields.as_object()) {
        out.extend(add.clone());
    }
    let named: Vec<(String, Tensor)> = vars.iter().map(|(k, t)| (format!("{PEFT_PREFIX}{k}"), t.shallow_clone())).collect();
    crate::fsx::replace_dir(dir, |tmp| {
        crate::fsx::write_atomic(&tmp.join("adapter_config.json"), serde_json::to_string_pretty(&config)?.as_bytes())?;
        super::weights::write_safetensors(&tmp.join("adapter_model.safetensors"), &named)
    })?;
    Ok(())
}

/// Reads a PEFT adapter directory (LoRA or (IA)³): its config and its tensors keyed by
/// module path (PEFT's `base_model.model.` prefix and any `.default` adapter name removed).
pub fn load_peft_adapter(dir: &std::path::Path) -> anyhow::Result<(AdapterConfig, Vec<(String, Tensor)>)> {
    let config_path = dir.join("adapter_config.json");
    let text = std::fs::read_to_string(&config_path).with_context(|| format!("reading {} (is {} a PEFT adapter directory?)", config_path.display(), dir.display()))?;
    let raw: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", config_path.display()))?;
    let cfg = match raw["peft_type"].as_str() {
        Some("LORA") => AdapterConfig::Lora(serde_json::from_value(raw).with_context(|| format!("reading the LoRA settings of {}", config_path.display()))?),
        Some("IA3") => AdapterConfig::Ia3(serde_json::from_value(raw).with_context(|| format!("reading the (IA)³ settings of {}", config_path.display()))?),
        other => anyhow::bail!("{} is a {} adapter; LoRA and IA3 adapters load here", config_path.display(), other.unwrap_or("(no peft_type)")),
    };
    let weights = dir.join("adapter_model.safetensors");
    let tensors = Tensor::read_safetensors(&weights).with_context(|| format!("reading {}", weights.display()))?;
    let tensors = tensors
        .into_iter()
        .map(|(k, t)| {
            let k = k.strip_prefix(PEFT_PREFIX).unwrap_or(&k).replace(".default.", ".").replace(".modules_to_save.", ".");
            (k.strip_suffix(".default").map(str::to_string).unwrap_or(k), t)
        })
        .collect();
    Ok((cfg, tensors))
}
