//! Every task kind a suite may name, the homework question it answers, and whether
//! this build implements it. A kind that is listed but not implemented is valid YAML
//! and fails with a clear "not implemented" error when it is run.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Smoke,
    ClipPretrain,
    PemCompose,
    Moco,
    ClipZeroShot,
    ClipTemplates,
    ClipPerClass,
    ClipClassEmbedding,
    ClipLinearProbe,
    ClipCompare,
    PromptTuning,
    Reasoning,
    VitPretrain,
    VitLora,
}

pub struct KindInfo {
    pub kind: TaskKind,
    pub name: &'static str,
    /// The homework question (1..=5), or None for the demo smoke task.
    pub question: Option<u8>,
    pub implemented: bool,
    pub summary: &'static str,
}

pub const KINDS: &[KindInfo] = &[
    KindInfo { kind: TaskKind::Smoke, name: "smoke", question: None, implemented: true,
        summary: "small CNN on generated shapes; checks the whole pipeline on CPU" },
    KindInfo { kind: TaskKind::ClipPretrain, name: "clip_pretrain", question: Some(3), implemented: true,
        summary: "demo: a tiny CLIP trained on generated captioned images" },
    KindInfo { kind: TaskKind::PemCompose, name: "pem_compose", question: Some(1), implemented: false,
        summary: "LoRA / (IA)^3 addition and negation experiments" },
    KindInfo { kind: TaskKind::Moco, name: "moco", question: Some(2), implemented: false,
        summary: "MoCo pre-training: momentum and queue-size studies" },
    KindInfo { kind: TaskKind::ClipZeroShot, name: "clip_zero_shot", question: Some(3), implemented: true,
        summary: "CLIP zero-shot accuracy on Stanford Dogs" },
    KindInfo { kind: TaskKind::ClipTemplates, name: "clip_templates", question: Some(3), implemented: true,
        summary: "prompt-template study" },
    KindInfo { kind: TaskKind::ClipPerClass, name: "clip_per_class", question: Some(3), implemented: true,
        summary: "per-class metrics and worst-class prompt search" },
    KindInfo { kind: TaskKind::ClipClassEmbedding, name: "clip_class_embedding", question: Some(3), implemented: true,
        summary: "a trainable embedding per class" },
    KindInfo { kind: TaskKind::ClipLinearProbe, name: "clip_linear_probe", question: Some(3), implemented: true,
        summary: "linear probe on the frozen image encoder" },
    KindInfo { kind: TaskKind::ClipCompare, name: "clip_compare", question: Some(3), implemented: true,
        summary: "ConvNeXt-Base vs ConvNeXt-XXLarge side by side" },
    KindInfo { kind: TaskKind::PromptTuning, name: "prompt_tuning", question: Some(4), implemented: false,
        summary: "soft prompting of a Persian language model" },
    KindInfo { kind: TaskKind::Reasoning, name: "reasoning", question: Some(4), implemented: false,
        summary: "chain of thought, self-consistency and other reasoning methods" },
    KindInfo { kind: TaskKind::VitPretrain, name: "vit_pretrain", question: Some(5), implemented: true,
        summary: "demo: a tiny ViT pre-trained on generated shapes" },
    KindInfo { kind: TaskKind::VitLora, name: "vit_lora", question: Some(5), implemented: true,
        summary: "ViT + LoRA on Food101, Trainer-style, then prediction" },
];

impl TaskKind {
    pub fn info(self) -> &'static KindInfo {
        KINDS.iter().find(|k| k.kind == self).expect("every kind is listed in KINDS")
    }

    pub fn from_name(name: &str) -> Option<Self> {
        KINDS.iter().find(|k| k.name == name).map(|k| k.kind)
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }
}

impl std::fmt::Display for TaskKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
