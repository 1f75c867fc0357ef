//! CLIP text tower as open_clip builds it for the ConvNeXt models
//! (open_clip `model.py` CLIP.encode_text with `transformer.py` Transformer /
//! ResidualAttentionBlock): token + positional embedding → pre-LN blocks with causal
//! self-attention and a GELU MLP → ln_final → the EOT token's state → @ text_projection.
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module};
use tch::{Kind, Tensor};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextConfig {
    pub context_length: i64,
    pub vocab_size: i64,
    pub width: i64,
    pub heads: i64,
    pub layers: i64,
    pub embed_dim: i64,
}

impl TextConfig {
    pub fn clip(width: i64, heads: i64, layers: i64, embed_dim: i64) -> Self {
        Self { context_length: 77, vocab_size: 49408, width, heads, layers, embed_dim }
    }
}

const LN_EPS: f64 = 1e-5;

/// nn.MultiheadAttention's packed projection: `in_proj_weight` [3W, W], `in_proj_bias`, `out_proj`.
#[derive(Debug)]
struct SelfAttention {
    in_proj_weight: Tensor,
    in_proj_bias: Tensor,
    out_proj: nn::Linear,
    heads: i64,
}

impl SelfAttention {
    fn new(vs: &nn::Path, width: i64, heads: i64) -> Self {
        let bound = (6.0 / (width + 3 * width) as f64).sqrt();
        Self {
            in_proj_weight: vs.var("in_proj_weight", &[3 * width, width], nn::Init::Uniform { lo: -bound, up: bound }),
            in_proj_bias: vs.var("in_proj_bias", &[3 * width], nn::Init::Const(0.0)),
            out_proj: nn::linear(vs / "out_proj", width, width, Default::default()),
            heads,
        }
    }

    fn forward_causal(&self, x: &Tensor) -> Tensor {
        let (b, l, w) = x.size3().expect("[batch, tokens, width]");
        let head_dim = w / self.heads;
        let qkv = x.linear(&self.in_proj_weight, Some(&self.in_proj_bias));
        let split = |t: &Tensor| t.view([b, l, self.heads, head_dim]).transpose(1, 2);
        let parts = qkv.chunk(3, -1);
        let (q, k, v) = (split(&parts[0]), split(&parts[1]), split(&parts[2]));
        let out = Tensor::scaled_dot_product_attention(&q, &k, &v, None::<Tensor>, 0.0, true, None, false);
        self.out_proj.forward(&out.transpose(1, 2).reshape([b, l, w]))
    }
}

#[derive(Debug)]
struct ResidualBlock {
    ln_1: nn::LayerNorm,
    attn: SelfAttention,
    ln_2: nn::LayerNorm,
    c_fc: nn::Linear,
    c_proj: nn::Linear,
}

impl ResidualBlock {
    fn new(vs: &nn::Path, width: i64, heads: i64) -> Self {
        let ln = nn::LayerNormConfig { eps: LN_EPS, ..Default::default() };
        Self {
            ln_1: nn::layer_norm(vs / "ln_1", vec![width], ln),
            attn: SelfAttention::new(&(vs / "attn"), width, heads),
            ln_2: nn::layer_norm(vs / "ln_2", vec![width], ln),
            c_fc: nn::linear(vs / "mlp" / "c_fc", width, 4 * width, Default::default()),
            c_proj: nn::linear(vs / "mlp" / "c_proj", 4 * width, width, Default::default()),
        }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let x = x + self.attn.forward_causal(&self.ln_1.forward(x));
        let h = self.c_proj.forward(&self.c_fc.forward(&self.ln_2.forward(&x)).gelu("none"));
        x + h
    }
}

#[derive(Debug)]
pub struct TextTransformer {
    pub cfg: TextConfig,
    pub token_embedding: nn::Embedding,
    positional_embedding: Tensor,
    blocks: Vec<ResidualBlock>,
    ln_final: nn::LayerNorm,
    text_projection: Tensor,
}

impl TextTransformer {
    /// `vs` is the model root: open_clip keeps the text tower's keys at the top level.
    pub fn new(vs: &nn::Path, cfg: &TextConfig) -> Self {
        let blocks = (0..cfg.layers)
            .map(|i| ResidualBlock::new(&(vs / "transformer" / "resblocks" / i), cfg.width, cfg.heads))
            .collect();
        Self {
            cfg: cfg.clone(),
            token_embedding: nn::embedding(vs / "token_embedding", cfg.vocab_size, cfg.width, Default::default()),
            positional_embedding: vs.var("positional_embedding", &[cfg.context_length, cfg.width], nn::Init::Randn { mean: 0.0, stdev: 0.01 }),
            blocks,
            ln_final: nn::layer_norm(vs / "ln_final", vec![cfg.width], nn::LayerNormConfig { eps: LN_EPS, ..Default::default() }),
            text_projection: vs.var("text_projection", &[cfg.width, cfg.embed_dim], nn::Init::Randn { mean: 0.0, stdev: (cfg.width as f64).powf(-0.5) }),
        }
    }

    /// Text features from token embeddings [batch, length, width] and the token ids
    /// [batch, length] (the EOT position is where the id is largest). Learned prompts
    /// (CoOp) enter here. `length` may be shorter than the context: attention is causal,
    /// so positions up to the last EOT do not depend on the padding after it.
    pub fn encode_embeddings(&self, embeddings: &Tensor, tokens: &Tensor) -> Tensor {
        let length = embeddings.size()[1];
        let mut x = embeddings + self.positional_embedding.narrow(0, 0, length);
        for block in &self.blocks {
            x = block.forward(&x);
        }
        let x = self.ln_final.forward(&x);
        let eot = tokens.argmax(-1, false);
        let rows = Tensor::arange(x.size()[0], (Kind::Int64, x.device()));
        let pooled = x.index(&[Some(rows), Some(eot)]);
        pooled.matmul(&self.text_projection)
    }

    /// Text features [batch, embed] from token ids [batch, context].
    pub fn encode(&self, tokens: &Tensor) -> Tensor {
        self.encode_embeddings(&self.token_embedding.forward(tokens), tokens)
    }
}
