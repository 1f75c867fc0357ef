//! `clip_pretrain` (demo): a small CLIP of the open_clip ConvNeXt architecture trained
//! with the symmetric contrastive loss on generated images captioned with their colour
//! and shape, so the zero-shot pipeline has a model that really reads prompts.
use super::model::{DEMO_CONFIG, DEMO_WEIGHTS};
use crate::data::clip_preprocess::{OPENAI_MEAN, OPENAI_STD};
use crate::data::rng::SplitMix64;
use crate::data::synth::SHAPE_NAMES;
use crate::data::synth_dogs::{self, COLOURS, SHAPES};
use crate::nn::clip::{normalize, Clip, ClipConfig};
use crate::nn::clip_text::TextConfig;
use crate::nn::convnext::ConvNextConfig;
use super::params::{ClipPretrainParams, DemoClipSize};
use crate::tasks::registry::Task;
use crate::tasks::TaskContext;
use crate::tokenize::ClipTokenizer;
use anyhow::Result;
use tch::nn::{self, OptimizerConfig};
use tch::{Kind, Tensor};

/// The `clip_pretrain` kind.
pub struct ClipPretrain;

impl Task for ClipPretrain {
    type Params = ClipPretrainParams;
    const KIND: &'static str = "clip_pretrain";
    const QUESTION: Option<u8> = Some(3);
    const SUMMARY: &'static str = "demo: a tiny CLIP trained on generated captioned images";
    const ANSWERS: &'static [&'static str] = &[];
    const CODE_VERSION: u32 = 1;

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

/// Caption patterns the model is trained on; `{c}` colour, `{s}` shape. The template
/// study then measures how prompts outside this set fare.
const CAPTIONS: [&str; 6] = ["a {c} {s}", "a photo of a {c} {s}.", "a {s} that is {c}", "a {c} {s} on a dark background", "a drawing of a {c} {s}.", "{c} {s}"];

pub fn tiny_config(p: &ClipPretrainParams) -> ClipConfig {
    let embed = p.embed_dim as i64;
    let large = p.size == DemoClipSize::Large;
    let (depths, dims, width, layers) = if large {
        (vec![2, 2, 3, 2], vec![32, 64, 128, 256], 128, 3)
    } else {
        (vec![1, 1, 2, 1], vec![16, 32, 64, 128], 64, 2)
    };
    ClipConfig {
        name: format!("demo_{}_convnext", p.size.as_str()),
        vision: ConvNextConfig { depths, dims, ln_eps: 1e-6, embed_dim: embed, image_size: p.image_size as i64 },
        text: TextConfig { context_length: 77, vocab_size: 49408, width, heads: 4, layers, embed_dim: embed },
    }
}

pub fn run(p: &ClipPretrainParams, ctx: &TaskContext) -> Result<()> {
    let cfg = tiny_config(p);
    let vs = nn::VarStore::new(ctx.device);
    let clip = Clip::new(&vs.root(), &cfg);
    let params: i64 = vs.trainable_variables().iter().map(|t| t.numel() as i64).sum();
    ctx.value("parameters", params);
    let mut opt = nn::AdamW::default().build(&vs, p.lr)?;
    let mut rng = SplitMix64::new(ctx.seed);
    let tokenizer = ClipTokenizer::get();
    let size = p.image_size as usize;
    let pairs: Vec<(usize, usize)> = (0..COLOURS.len()).flat_map(|c| SHAPES.iter().map(move |&s| (c, s))).collect();
    let batch = (p.batch_size as usize).min(pairs.len());
    let mut last = f64::NAN;
    ctx.stage("train", || {
        for step in 1..=p.steps as u64 {
            ctx.check_cancelled()?;
            // Distinct colour-shape pairs, so no caption fits two images of the batch.
            let mut order: Vec<usize> = (0..pairs.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i + 1));
            }
            let mut pixels = Vec::with_capacity(batch * 3 * size * size);
            let mut captions = Vec::with_capacity(batch);
            for &i in &order[..batch] {
                let (c, s) = pairs[i];
                pixels.extend(normalised(&synth_dogs::draw_parts(c, s, size, &mut rng), size));
                let pattern = CAPTIONS[rng.below(CAPTIONS.len())];
                captions.push(pattern.replace("{c}", COLOURS[c].0).replace("{s}", SHAPE_NAMES[s]));
            }
            let images = Tensor::from_slice(&pixels).view([batch as i64, 3, size as i64, size as i64]).to_device(ctx.device);
            let tokens = tokenizer.tokenize_batch(&captions).to_device(ctx.device);
            let img = normalize(&clip.encode_image(&images));
            let txt = normalize(&clip.encode_text(&tokens));
            let scale = clip.logit_scale.clamp(0.0, 100f64.ln()).exp();
            let logits = img.matmul(&txt.transpose(0, 1)) * scale;
            let targets = Tensor::arange(batch as i64, (Kind::Int64, ctx.device));
            let loss = (logits.cross_entropy_for_logits(&targets) + logits.transpose(0, 1).cross_entropy_for_logits(&targets)) / 2.0;
            opt.backward_step(&loss);
            last = loss.double_value(&[]);
            ctx.metric("train/loss", step, last);
            if step % 25 == 0 || step == p.steps as u64 {
                let acc = logits.argmax(-1, false).eq_tensor(&targets).to_kind(Kind::Float).mean(Kind::Float).double_value(&[]);
                ctx.metric("train/batch_accuracy", step, acc);
            }
            ctx.progress(step, p.steps as u64, "steps");
        }
        Ok(())
    })?;
    ctx.value("final_loss", last);
    ctx.value("caption_patterns", CAPTIONS.len());
    ctx.value("pairs", pairs.len());
    ctx.stage("save", || {
        ctx.artifact_with("weights", DEMO_WEIGHTS, |path| Ok(vs.save(path)?))?;
        ctx.artifact(DEMO_CONFIG, DEMO_CONFIG, serde_json::to_string_pretty(&cfg)?.as_bytes())
    })
}

/// Pixels quantised to 8 bits (as the JPEGs the evaluation reads) and normalised.
fn normalised(planar: &[f32], size: usize) -> Vec<f32> {
    let plane = size * size;
    planar
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let c = i / plane;
            ((v * 255.0).round().clamp(0.0, 255.0) / 255.0 - OPENAI_MEAN[c]) / OPENAI_STD[c]
        })
        .collect()
}
