//! LoRA on a causal LM's attention, as PEFT adds it with its default targets for these
//! model types: GPT-2's fused `c_attn`, the Llama family's `q_proj` and `v_proj`. Each
//! target gets ΔW = B·A·(alpha/r), A kaiming-uniform, B zero (so an untrained pair changes
//! nothing). The pairs live in their own VarStore, so only they train; the base stays as
//! loaded. Slots are filled after loading and can be emptied again.
use super::attention::linear_rows;
use std::sync::RwLock;
use tch::nn;
use tch::Tensor;

struct Pair {
    /// [r, in]
    a: Tensor,
    /// [out, r]
    b: Tensor,
    scale: f64,
}

/// Where a projection may carry a LoRA pair.
#[derive(Default)]
pub struct LoraSlot(RwLock<Option<Pair>>);

impl LoraSlot {
    /// `y` (the projection of `x`) plus the pair's update, if there is a pair.
    pub fn apply(&self, x: &Tensor, y: Tensor) -> Tensor {
        // A poisoned lock only means another thread panicked mid-forward; the pair itself
        // is whole (it is replaced, never edited), so keep using it.
        let guard = self.0.read().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some(p) => y + linear_rows(&linear_rows(x, &p.a, None), &p.b, None) * p.scale,
            None => y,
        }
    }

    /// Creates A and B under `vs` (PEFT's `lora_A.weight`, `lora_B.weight`).
    pub fn attach(&self, vs: &nn::Path, in_dim: i64, out_dim: i64, r: i64, alpha: f64) {
        let bound = 1.0 / (in_dim as f64).sqrt();
        let a = (vs / "lora_A").var("weight", &[r, in_dim], nn::Init::Uniform { lo: -bound, up: bound });
        let b = (vs / "lora_B").var("weight", &[out_dim, r], nn::Init::Const(0.0));
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(Pair { a, b, scale: alpha / r as f64 });
    }

    pub fn detach(&self) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// A projection that can carry LoRA: its module name (transformers'), its slot and sizes.
pub struct Target<'a> {
    pub name: String,
    pub slot: &'a LoraSlot,
    pub in_dim: i64,
    pub out_dim: i64,
}
