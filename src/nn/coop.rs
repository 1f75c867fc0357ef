//! Learned prompt context with class-specific tokens (CoOp, Zhou et al. 2022, "CSC"
//! variant; reference: KaiyangZhou/CoOp `trainers/coop.py`, PromptLearner): each class's
//! prompt is [SOS] ctx_1 … ctx_M name "." [EOS], where the M context vectors are
//! trainable and everything else, the CLIP text encoder included, is frozen. The
//! gradient flows through the text transformer into the context vectors.
use super::clip_text::TextTransformer;
use tch::nn::{self, Module};
use tch::{IndexOp, Tensor};

#[derive(Debug)]
pub struct ClassPrompts {
    /// [classes, M, width], trainable.
    pub ctx: Tensor,
    /// SOS embedding per class [classes, 1, width], frozen.
    prefix: Tensor,
    /// Name, full stop, EOS and padding up to the longest prompt [classes, rest, width], frozen.
    suffix: Tensor,
    /// Token ids [classes, length], cut after the longest prompt's EOS.
    tokens: Tensor,
}

/// Init of the context vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextInit {
    /// N(0, 0.02²), as CoOp.
    Random,
    /// The embeddings of the tokens already at positions 1..=M of `tokens` (a template
    /// such as "a photo of a" written there), the same for every class.
    FromTokens,
}

impl ClassPrompts {
    /// `tokens` [classes, context]: each class's tokenized prompt, with M tokens (a
    /// placeholder or the init text) right after SOS.
    pub fn new(vs: &nn::Path, text: &TextTransformer, tokens: &Tensor, ctx_tokens: i64, init: ContextInit) -> Self {
        let longest = tokens.argmax(-1, false).max().int64_value(&[]) + 1;
        let tokens = tokens.narrow(1, 0, longest).to_device(vs.device());
        let embedded = tch::no_grad(|| text.token_embedding.forward(&tokens)).detach();
        let classes = tokens.size()[0];
        let width = embedded.size()[2];
        let ctx = vs.var("ctx", &[classes, ctx_tokens, width], nn::Init::Randn { mean: 0.0, stdev: 0.02 });
        if let ContextInit::FromTokens = init {
            tch::no_grad(|| ctx.shallow_clone().copy_(&embedded.i((.., 1..1 + ctx_tokens, ..))));
        }
        Self {
            ctx,
            prefix: embedded.i((.., 0..1, ..)).copy(),
            suffix: embedded.i((.., 1 + ctx_tokens.., ..)).copy(),
            tokens,
        }
    }

    /// Class text features [classes, embed] (not unit length).
    pub fn encode(&self, text: &TextTransformer) -> Tensor {
        let prompts = Tensor::cat(&[&self.prefix, &self.ctx.to_kind(self.prefix.kind()), &self.suffix], 1);
        text.encode_embeddings(&prompts, &self.tokens)
    }

    pub fn classes(&self) -> i64 {
        self.tokens.size()[0]
    }

    /// Context length without the padding: prompts are cut after the longest EOS.
    pub fn length(&self) -> i64 {
        self.tokens.size()[1]
    }
}

