//! The demo's language model: a small GPT-2 (the gpt2-fa architecture at a tiny size) with
//! a byte-level BPE tokenizer trained in-process on generated Persian text, pre-trained on
//! the CPU on that text and saved as a Hugging Face model folder, so the demo loads it
//! through the same path as a real model (and transformers loads it too).
use crate::data::persian_corpus::pretraining_lines;
use crate::nn::lm::config::LmConfig;
use crate::nn::lm::params::ParamSource;
use crate::nn::lm::CausalLm;
use crate::train::optim::{AdamW, AdamWConfig};
use anyhow::{anyhow, Context, Result};
use std::path::{Path, PathBuf};
use tch::{Device, Kind, Tensor};
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::{AddedToken, Tokenizer, TokenizerBuilder};

pub const END: &str = "<|endoftext|>";

#[derive(Debug, Clone, PartialEq)]
pub struct DemoLmConfig {
    pub seed: u64,
    pub vocab: usize,
    pub n_embd: i64,
    pub n_layer: i64,
    pub n_head: i64,
    pub n_positions: i64,
    pub lines: usize,
    pub steps: usize,
    pub batch: i64,
    pub seq: i64,
    /// Steps after the main ones on full-context windows (`long_batch` × n_positions − 1
    /// tokens) at a tenth of the learning rate, so that every position embedding is
    /// trained (few-shot prompts reach past `seq`) without unlearning the short ones.
    pub long_steps: usize,
    pub long_batch: i64,
    pub lr: f64,
}

impl Default for DemoLmConfig {
    fn default() -> Self {
        Self { seed: 0, vocab: 800, n_embd: 128, n_layer: 4, n_head: 4, n_positions: 256, lines: 6000, steps: 800, batch: 16, seq: 96, long_steps: 0, long_batch: 6, lr: 3e-3 }
    }
}

/// A GPT-2-style byte-level BPE trained on `lines`, with `<|endoftext|>` as its only special token.
pub fn train_tokenizer(lines: &[String], vocab: usize) -> Result<Tokenizer> {
    let mut trainer = BpeTrainerBuilder::new()
        .vocab_size(vocab)
        .min_frequency(2)
        .show_progress(false)
        .special_tokens(vec![AddedToken::from(END, true)])
        .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
        .build();
    let mut tokenizer = TokenizerBuilder::new()
        .with_model(BPE::default())
        .with_normalizer(None::<tokenizers::NormalizerWrapper>)
        .with_pre_tokenizer(Some(ByteLevel::default().add_prefix_space(false)))
        .with_post_processor(None::<tokenizers::PostProcessorWrapper>)
        .with_decoder(Some(ByteLevelDecoder::default()))
        .build()
        .map_err(|e| anyhow!("building the tokenizer: {e}"))?;
    tokenizer.train(&mut trainer, lines.iter()).map_err(|e| anyhow!("training the tokenizer: {e}"))?;
    Ok(Tokenizer::from(tokenizer))
}

/// config.json as transformers writes it for GPT2LMHeadModel.
pub fn gpt2_config_json(c: &DemoLmConfig, vocab: i64, end_id: i64) -> serde_json::Value {
    serde_json::json!({
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": vocab, "n_embd": c.n_embd, "n_layer": c.n_layer,
        "n_head": c.n_head, "n_positions": c.n_positions, "n_ctx": c.n_positions, "n_inner": null, "activation_function": "gelu_new",
        "layer_norm_epsilon": 1e-5, "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "initializer_range": 0.02,
        "bos_token_id": end_id, "eos_token_id": end_id, "tie_word_embeddings": true, "scale_attn_weights": true, "use_cache": true,
    })
}

pub struct Pretrained {
    pub model: CausalLm,
    pub tokenizer: Tokenizer,
    pub first_loss: f64,
    pub last_loss: f64,
}

/// Trains the tokenizer and the model; `progress(step, loss)` after each step.
pub fn pretrain(c: &DemoLmConfig, progress: &mut dyn FnMut(usize, f64)) -> Result<Pretrained> {
    let lines = pretraining_lines(c.seed, c.lines);
    let tokenizer = train_tokenizer(&lines, c.vocab)?;
    let end = tokenizer.token_to_id(END).context("the end token")? as i64;
    // One stream of documents separated by the end token, cut into training windows.
    let mut stream: Vec<i64> = Vec::new();
    for line in &lines {
        let enc = tokenizer.encode(line.as_str(), false).map_err(|e| anyhow!("tokenizing: {e}"))?;
        stream.extend(enc.get_ids().iter().map(|&i| i as i64));
        stream.push(end);
    }
    let vocab = tokenizer.get_vocab_size(true) as i64;
    let cfg = LmConfig::from_json(&gpt2_config_json(c, vocab, end))?;
    tch::manual_seed(c.seed as i64);
    let model = CausalLm::build(cfg, ParamSource::random(Device::Cpu, Kind::Float), Device::Cpu)?;
    let named: Vec<(String, Tensor)> = crate::nn::weights::sorted_variables(&model.vs);
    let mut opt = AdamW::new(named, AdamWConfig { weight_decay: 0.01, ..AdamWConfig::default() });
    let long_seq = c.n_positions - 1;
    let windows = |seq: i64| (stream.len() as i64 - 1) / seq;
    anyhow::ensure!(windows(long_seq) >= c.long_batch && windows(c.seq) >= c.batch, "the corpus is too small for a batch of {} windows of {} tokens", c.batch, c.seq);
    let data = Tensor::from_slice(&stream);
    let mut rng = crate::data::rng::SplitMix64::new(c.seed ^ 0x5eed);
    let (mut first, mut last) = (f64::NAN, f64::NAN);
    for step in 0..c.steps + c.long_steps {
        let long = step >= c.steps;
        let (batch, seq) = if long { (c.long_batch, long_seq) } else { (c.batch, c.seq) };
        let starts: Vec<i64> = (0..batch).map(|_| rng.below(windows(seq) as usize) as i64 * seq).collect();
        let rows: Vec<Tensor> = starts.iter().map(|&s| data.narrow(0, s, seq + 1)).collect();
        let batch = Tensor::stack(&rows, 0);
        let (input, target) = (batch.narrow(1, 0, seq), batch.narrow(1, 1, seq));
        let logits = model.forward(&input, None);
        let loss = logits.view([-1, vocab]).cross_entropy_for_logits(&target.reshape([-1]));
        opt.zero_grad();
        loss.backward();
        // Linear warm-up over 10% of the steps, then linear decay.
        let warm = (c.steps / 10).max(1);
        let lr = c.lr * if long { 0.1 } else if step < warm { (step + 1) as f64 / warm as f64 } else { (c.steps - step) as f64 / (c.steps - warm) as f64 };
        opt.step(lr);
        let value = loss.double_value(&[]);
        if step == 0 {
            first = value;
        }
        last = value;
        progress(step + 1, value);
    }
    Ok(Pretrained { model, tokenizer, first_loss: first, last_loss: last })
}

/// Writes config.json, model.safetensors, tokenizer.json, tokenizer_config.json and
/// generation_config.json into `dir` (replaced whole or not at all).
pub fn save_folder(p: &Pretrained, c: &DemoLmConfig, dir: &Path) -> Result<PathBuf> {
    let end = p.tokenizer.token_to_id(END).context("the end token")? as i64;
    let vocab = p.tokenizer.get_vocab_size(true) as i64;
    crate::fsx::replace_dir(dir, |staging| {
        std::fs::write(staging.join("config.json"), serde_json::to_string_pretty(&gpt2_config_json(c, vocab, end))?)?;
        crate::nn::weights::write_safetensors(&staging.join("model.safetensors"), &crate::nn::weights::sorted_variables(&p.model.vs))?;
        p.tokenizer.save(staging.join("tokenizer.json"), false).map_err(|e| anyhow!("saving the tokenizer: {e}"))?;
        let config = serde_json::json!({"bos_token": END, "eos_token": END, "unk_token": END, "model_max_length": c.n_positions, "tokenizer_class": "GPT2Tokenizer"});
        std::fs::write(staging.join("tokenizer_config.json"), serde_json::to_string_pretty(&config)?)?;
        std::fs::write(staging.join("generation_config.json"), serde_json::json!({"bos_token_id": end, "eos_token_id": end}).to_string())?;
        Ok(())
    })
}

/// The demo model folder under `cache` for this config, built once (about a minute on 2 cores).
pub fn ensure(cache: &Path, c: &DemoLmConfig, progress: &mut dyn FnMut(usize, f64)) -> Result<PathBuf> {
    let key = format!("demo-gpt2-fa-c4-s{}-v{}-e{}-l{}-n{}-t{}-f{}", c.seed, c.vocab, c.n_embd, c.n_layer, c.steps, c.seq, c.long_steps);
    let dir = cache.join("models").join(key);
    if dir.join("model.safetensors").is_file() {
        return Ok(dir);
    }
    std::fs::create_dir_all(cache.join("models")).with_context(|| format!("creating {}", cache.join("models").display()))?;
    let pretrained = tch::with_grad(|| pretrain(c, progress))?;
    save_folder(&pretrained, c, &dir)
}
