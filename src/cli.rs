//! Every command and flag, defined once: clap variants hold the argument structs the
//! commands take, and `--help` is generated from these doc comments.
pub use crate::report::Lang;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "adaptlab",
    version,
    about = "Runs the HW5 foundation-model adaptation experiments and writes the submission report",
    long_about = "Runs the HW5 foundation-model adaptation experiments and writes the submission report.\n\n\
        On a terminal, `adaptlab` opens the dashboard. `adaptlab --report` runs headless: it runs \
        what is not done yet and renders report.md and report.html.\n\n\
        A SUITE is a YAML file or a built-in suite: `demo` (CPU, no downloads) or `hw5` (the real runs).\n\n\
        Directories: ADAPTLAB_HOME (run store), ADAPTLAB_CACHE (caches and data sets), HF_HOME / \
        HF_HUB_CACHE (model files, Hugging Face layout).",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Run headless: run the experiments not yet done, then render the report.
    #[arg(long)]
    pub report: bool,

    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub output: ReportArgs,

    #[command(flatten)]
    pub images: ImageArgs,
}

/// How odd image files are treated, in every command that reads images.
#[derive(Debug, Args, Clone, Default)]
pub struct ImageArgs {
    /// Decode truncated image files instead of skipping them: the missing part comes out
    /// as PIL's ImageFile.LOAD_TRUNCATED_IMAGES shows it, and each file is named in a warning.
    #[arg(long, global = true, env = "ADAPTLAB_LOAD_TRUNCATED_IMAGES")]
    pub load_truncated_images: bool,

    /// Refuse images with more pixels than this (decompression bombs); PIL's limit by default.
    #[arg(long, global = true, value_name = "PIXELS", env = "ADAPTLAB_MAX_IMAGE_PIXELS", default_value_t = 2 * crate::data::image::decode::PIL_MAX_IMAGE_PIXELS)]
    pub max_image_pixels: u64,
}

impl ImageArgs {
    /// Sets the process-wide decoding policy (as PIL's own switches are process-wide).
    pub fn apply(&self) {
        crate::data::image::decode::set_load_truncated(self.load_truncated_images);
        crate::data::image::decode::set_max_pixels(self.max_image_pixels);
    }
}

/// The suite argument every command that reads a suite shares.
#[derive(Debug, Args, Clone)]
pub struct SuiteArg {
    /// The suite: a YAML path, `demo` (CPU, no downloads) or `hw5` (the real runs).
    #[arg(long, short = 's', default_value = "hw5", value_name = "SUITE")]
    pub suite: String,
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub suite: SuiteArg,

    /// Run only these experiment ids (and the ones they need); repeat or separate by commas.
    #[arg(long, value_name = "ID", value_delimiter = ',', num_args = 1..)]
    pub only: Vec<String>,

    /// Recompute experiments even when an identical earlier result exists.
    #[arg(long)]
    pub force: bool,

    /// Never download: weights and data sets must be in the caches already (as with
    /// HF_HUB_OFFLINE=1). Without it, what a suite needs is downloaded on first use.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// Directory for report.md, report.html and plots/.
    #[arg(long, default_value = DEFAULT_REPORT_DIR, value_name = "DIR")]
    pub out: PathBuf,

    /// Report language: English, or Persian (the course language; right-to-left HTML).
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,

    /// Also print report.html to report.pdf with a headless Chromium (fonts embedded).
    #[arg(long)]
    pub pdf: bool,
}

/// Where reports go unless `--out` says otherwise (the dashboard's Report tab too).
pub const DEFAULT_REPORT_DIR: &str = "report";

/// The process's exit status, as the README documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Every selected experiment finished (or the command succeeded).
    Success = 0,
    /// Some experiment did not finish, or the command failed.
    Failure = 1,
    /// The suite (or the command line) is invalid; nothing ran.
    InvalidSuite = 2,
    /// Stopped by Ctrl-C or SIGTERM.
    Cancelled = 130,
}

impl SuiteArg {
    /// `--suite`, or the suite an earlier version's positional form named.
    pub fn or_legacy(mut self, legacy: Option<String>) -> SuiteArg {
        if let Some(suite) = legacy {
            self.suite = suite;
        }
        self
    }
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the dashboard (the default on a terminal).
    Tui(SuiteArg),
    /// Run a suite without rendering a report (`adaptlab run --suite demo`).
    Run {
        #[command(flatten)]
        args: RunArgs,
        /// The suite given without `--suite`, as earlier versions took it.
        #[arg(value_name = "SUITE", hide = true, conflicts_with = "suite")]
        legacy_suite: Option<String>,
    },
    /// Render the report of a past run without recomputing anything.
    Report {
        /// Run id, a unique prefix of one, or `latest`.
        #[arg(long, value_name = "RUN_ID", default_value = "latest")]
        run: String,
        #[command(flatten)]
        output: ReportArgs,
    },
    /// Validate a suite; problems are printed as file:line:col: message.
    Check {
        #[command(flatten)]
        suite: SuiteArg,
        /// The suite given without `--suite`, as earlier versions took it.
        #[arg(value_name = "SUITE", hide = true, conflicts_with = "suite")]
        legacy_suite: Option<String>,
    },
    /// Review past runs.
    Runs {
        #[command(subcommand)]
        command: RunsCommand,
    },
    /// Download model weights or a data set into the caches (resumable, verified).
    #[command(args_conflicts_with_subcommands = true, subcommand_required = false, arg_required_else_help = true)]
    Fetch {
        #[command(subcommand)]
        what: Option<FetchCommand>,
        /// Everything a suite needs (`hw5`, or a YAML file): listed with sizes, then fetched.
        #[arg(long, value_name = "SUITE")]
        suite: Option<String>,
        /// With --suite: list what is needed and what is here, download nothing.
        #[arg(long, requires = "suite")]
        list: bool,
    },
    /// Benchmarks: timings, with the Python reference run in the same invocation where one exists.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// ViT tools.
    Vit {
        #[command(subcommand)]
        command: VitCommand,
    },
    /// Arithmetic on PEFT adapters (LoRA or (IA)³) of one base model: add, negate, analogy.
    Pem {
        #[command(subcommand)]
        command: PemCommand,
    },
    /// Causal language models: generate text, score continuations.
    Lm {
        #[command(subcommand)]
        command: LmCommand,
    },
    /// CLIP tools.
    Clip {
        #[command(subcommand)]
        command: ClipCommand,
    },
    /// Show libtorch, CUDA, threads, directories, and which weights and data sets are present.
    Doctor {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FetchCommand {
    /// Any Hugging Face model repository into the hub cache (tree listing, sha256 against
    /// the LFS ids, resume); gated repositories need HF_TOKEN.
    Model(FetchModelArgs),
    /// open_clip weights from the Hugging Face hub into its cache (HF_HOME / HF_HUB_CACHE).
    Clip(FetchClipArgs),
    /// Food-101: the hub's parquet files (ethz/food101) into the hub cache, or the
    /// official archive into $ADAPTLAB_CACHE/datasets/food101.
    Food101(FetchFoodArgs),
    /// CIFAR-10 (the authors' Python-version archive, MD5-checked) into
    /// $ADAPTLAB_CACHE/datasets/cifar10, for MoCo.
    Cifar10 {
        /// The archive's URL: the authors' page, a mirror, or a file:// path.
        #[arg(long, default_value = crate::data::cifar10::PYTHON_URL)]
        url: String,
        /// The archive's MD5; `none` skips the check for a mirror holding another archive.
        #[arg(long, default_value = crate::data::cifar10::PYTHON_MD5)]
        md5: String,
    },
    /// hezarai/sentiment-dksf (Digikala and SnappFood comments: text, label 0 negative,
    /// 1 positive, 2 neutral) into the hub cache, for Q4's soft prompting.
    SentimentDksf {
        #[arg(long, default_value = "main")]
        revision: String,
    },
    /// ParsiNLU's multiple-choice questions (train.jsonl, test.jsonl) into
    /// $ADAPTLAB_CACHE/datasets/parsinlu-multiple-choice, for Q4's reasoning; their sha256
    /// is recorded on the first download and checked on every use.
    Parsinlu {
        /// The folder holding the files (the repository's raw URL, a mirror, or file://).
        #[arg(long, default_value = crate::hub::q4_data::PARSINLU_BASE)]
        url: String,
        /// Expected checksums, FILE=SHA256 (e.g. test.jsonl=ab12...), checked on download.
        #[arg(long, value_name = "FILE=SHA256")]
        sha256: Vec<String>,
    },
    /// Stanford Dogs (images.tar + lists.tar) into $ADAPTLAB_CACHE/datasets/stanford-dogs.
    StanfordDogs {
        /// Where images.tar and lists.tar are (an http(s) or file:// URL of a mirror).
        #[arg(long, default_value = crate::hub::dogs::OFFICIAL_BASE)]
        url: String,
    },
}

#[derive(Debug, Args)]
pub struct FetchModelArgs {
    /// ORG/NAME or ORG/NAME@REVISION, e.g. HooshvareLab/gpt2-fa or Qwen/Qwen2.5-1.5B-Instruct.
    pub repo: String,
    /// Also fetch other frameworks' weights (TensorFlow, Flax, ONNX) and pickled duplicates.
    #[arg(long)]
    pub all_files: bool,
    /// Only look in the cache; never touch the network (also HF_HUB_OFFLINE=1).
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct LmModelArgs {
    /// A model folder (config.json, weights, tokenizer.json) or a hub name ORG/NAME[@REVISION],
    /// fetched into the hub cache on first use.
    #[arg(long, value_name = "REPO_OR_DIR")]
    pub model: String,
    #[arg(long, value_enum, default_value_t = crate::zoo::lm::Precision::Fp32)]
    pub precision: crate::zoo::lm::Precision,
    /// auto (CUDA when present), cpu or cuda.
    #[arg(long, default_value = "auto")]
    pub device: String,
    /// Only look in the hub cache (also HF_HUB_OFFLINE=1).
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Subcommand)]
pub enum LmCommand {
    /// Continue each prompt (greedy at --temperature 0, sampled otherwise).
    Generate(LmGenerateArgs),
    /// Per-token log-probabilities of continuations after a context.
    Score(LmScoreArgs),
    /// Build (or find) the demo's tiny Persian GPT-2 and print its folder, to try
    /// `lm generate` on without downloading anything.
    DemoModel {
        /// Write it here instead of the cache ($ADAPTLAB_CACHE/models/...).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct LmGenerateArgs {
    #[command(flatten)]
    pub model: LmModelArgs,
    /// Wrap each prompt as a user message in the model's chat template.
    #[arg(long)]
    pub chat: bool,
    /// A system message for --chat.
    #[arg(long, requires = "chat")]
    pub system: Option<String>,
    /// 0 is greedy decoding.
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f64,
    #[arg(long)]
    pub top_k: Option<usize>,
    #[arg(long)]
    pub top_p: Option<f64>,
    #[arg(long, default_value_t = 1.0)]
    pub repetition_penalty: f64,
    #[arg(long = "max-new", default_value_t = 128)]
    pub max_new_tokens: usize,
    /// Samples per prompt.
    #[arg(long, default_value_t = 1)]
    pub n: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop a sequence when this text appears (repeatable).
    #[arg(long = "stop", value_name = "TEXT")]
    pub stop: Vec<String>,
    /// Print [{"prompt": p, "completion": c, "tokens": n}] as JSON.
    #[arg(long)]
    pub json: bool,
    #[arg(required = true, value_name = "PROMPT")]
    pub prompts: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LmScoreArgs {
    #[command(flatten)]
    pub model: LmModelArgs,
    /// The text before each continuation (tokenized with the model's special tokens).
    #[arg(long)]
    pub context: String,
    /// Print [{"continuation": c, "logprob": total, "tokens": [{"token": t, "logprob": l}]}] as JSON.
    #[arg(long)]
    pub json: bool,
    /// The continuations to score (tokenized on their own, without special tokens).
    #[arg(required = true, value_name = "CONTINUATION")]
    pub continuations: Vec<String>,
}

#[derive(Debug, Args)]
pub struct FetchClipArgs {
    /// NAME:TAG, e.g. convnext_base_w:laion2b_s13b_b82k_augreg or
    /// convnext_xxlarge:laion2b_s34b_b82k_augreg_soup.
    pub model: String,
    #[arg(long, default_value = "main")]
    pub revision: String,
    /// Only look in the cache; never touch the network (also HF_HUB_OFFLINE=1).
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FoodSource {
    /// The hub's parquet files (5 GB).
    Hub,
    /// food-101.tar.gz (5 GB), unpacked.
    Official,
}

#[derive(Debug, Args)]
pub struct FetchFoodArgs {
    #[arg(long, value_enum, default_value_t = FoodSource::Hub)]
    pub source: FoodSource,
    /// Hub revision (source hub).
    #[arg(long, default_value = "main")]
    pub revision: String,
    /// The archive's URL (source official): a mirror, or a file:// path.
    #[arg(long, default_value = crate::hub::food::OFFICIAL_URL)]
    pub url: String,
    /// The archive's MD5 (source official); `none` skips the check for a mirror
    /// holding another archive.
    #[arg(long, default_value = crate::hub::food::OFFICIAL_MD5)]
    pub md5: String,
}

/// The Python that runs the reference side of a benchmark.
#[derive(Debug, Args, Clone)]
pub struct PythonArg {
    /// The Python with the reference libraries (default: the project venv's).
    #[arg(long, env = "ADAPTLAB_PYTHON", default_value = ".venv/bin/python")]
    pub python: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Q5: LoRA training steps/s and peak memory against transformers' Trainer + peft on
    /// the same random-weight ViT-Base and JPEGs; the input pipeline against
    /// ViTImageProcessor.
    Vit(VitBenchArgs),
    /// Q3 (d)/(e) training time at the real size (120 classes, hw5.yaml's grids) on
    /// synthetic features and a random-weight text tower of the real architecture.
    Adapt(AdaptBenchArgs),
    /// Preprocessing and zero-shot throughput against open_clip (PIL + torchvision,
    /// DataLoader), on the same random-weight model and generated baseline JPEGs, in rounds
    /// that measure both sides back to back.
    Clip(ClipBenchArgs),
    /// Q2: MoCo v2 training images/s against the official CIFAR-10 demo's PyTorch loop
    /// (same ResNet-18, batch, queue and augmentations), rounds measured back to back.
    Moco(MocoBenchArgs),
    /// Q4: LM prefill and decode tokens/s against transformers `generate` on the same
    /// random-weight GPT-2 small and Qwen2.5-0.5B-shaped models, fp32 and bf16, batch 1 and 8.
    Lm(LmBenchArgs),
}

#[derive(Debug, Args)]
pub struct LmBenchArgs {
    /// gpt2 (124M) and/or qwen2 (Qwen2.5-0.5B-shaped, 494M); repeatable.
    #[arg(long = "model", default_values = ["gpt2", "qwen2"])]
    pub models: Vec<String>,
    /// Prompt tokens per sequence.
    #[arg(long, default_value_t = 64)]
    pub prompt: usize,
    /// New tokens per decode measurement.
    #[arg(long, default_value_t = 24)]
    pub new_tokens: usize,
    /// Batch sizes; repeatable.
    #[arg(long = "batch", default_values_t = [1usize, 8])]
    pub batches: Vec<usize>,
    /// Precisions; repeatable.
    #[arg(long = "precision", value_enum, default_values_t = [crate::zoo::lm::Precision::Fp32, crate::zoo::lm::Precision::Bf16])]
    pub precisions: Vec<crate::zoo::lm::Precision>,
    #[arg(long, default_value_t = 2)]
    pub rounds: usize,
    #[command(flatten)]
    pub python: PythonArg,
}

#[derive(Debug, Args)]
pub struct MocoBenchArgs {
    /// Images per step.
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
    /// Channels of ResNet-18's first stage (64 is the real model).
    #[arg(long, default_value_t = 64)]
    pub width: usize,
    /// BatchNorm groups (the demo's 8).
    #[arg(long, default_value_t = 8)]
    pub splits: usize,
    /// Queue size K.
    #[arg(long, default_value_t = 4096)]
    pub queue: usize,
    /// Timed steps per round on each side.
    #[arg(long, default_value_t = 3)]
    pub steps: usize,
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// DataLoader workers of the PyTorch side (0: augment in the training process, as ours).
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
    #[command(flatten)]
    pub python: PythonArg,
}

#[derive(Debug, Args)]
pub struct VitBenchArgs {
    /// Timed training steps (one more warms up).
    #[arg(long, default_value_t = 4)]
    pub steps: usize,
    /// Images per training step.
    #[arg(long, default_value_t = 8)]
    pub batch: usize,
    /// Images for the input-pipeline measurement.
    #[arg(long, default_value_t = 64)]
    pub images: usize,
    #[command(flatten)]
    pub python: PythonArg,
}

#[derive(Debug, Args)]
pub struct AdaptBenchArgs {
    /// The open_clip architecture whose text tower CoOp runs through (random weights).
    #[arg(long, default_value = DEFAULT_CLIP_ARCH)]
    pub model: String,
    /// Number of classes.
    #[arg(long, default_value_t = 120)]
    pub classes: usize,
    /// Training features per class (Stanford Dogs: 100, 90 after validation).
    #[arg(long, default_value_t = 90)]
    pub per_class: usize,
    /// auto, cpu, cuda or cuda:N.
    #[arg(long, default_value = "auto")]
    pub device: String,
}

/// The open_clip architecture the benchmarks build with random weights.
pub const DEFAULT_CLIP_ARCH: &str = "convnext_base_w";

#[derive(Debug, Args)]
pub struct ClipBenchArgs {
    /// The open_clip architecture (random weights on both sides).
    #[arg(long, default_value = DEFAULT_CLIP_ARCH)]
    pub model: String,
    /// Generated JPEGs to preprocess and classify.
    #[arg(long, default_value_t = 64)]
    pub images: usize,
    /// Images per forward pass.
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    /// Class prompts encoded for zero-shot.
    #[arg(long, default_value_t = 120)]
    pub classes: usize,
    /// Rounds of both sides measured back to back; medians are reported.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    #[command(flatten)]
    pub python: PythonArg,
}

#[derive(Debug, Subcommand)]
pub enum PemCommand {
    /// Adds adapters, each with a weight (`DIR:0.5`; 1 when omitted).
    Add(PemAddArgs),
    /// What an adapter learnt, taken away (LoRA B → −B, (IA)³ l → 2 − l).
    Negate {
        /// The folder to write (replaced whole; nothing is written on an error).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// A PEFT adapter folder.
        adapter: PathBuf,
    },
    /// A − B + C: B negated, then the three added with weight 1.
    Analogy {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long, value_enum, default_value_t = PemForm::Cat)]
        form: PemForm,
        a: PathBuf,
        b: PathBuf,
        c: PathBuf,
    },
}

/// How adapters are added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PemForm {
    /// The paper's: parameters averaged (LoRA: A and B separately; (IA)³: the vectors).
    Average,
    /// PEFT's `linear`: A and B each scaled by √(w·alpha/r), summed.
    PeftLinear,
    /// PEFT's `cat`: ranks concatenated, the exact Σ w·ΔW.
    Cat,
    /// PEFT's `svd`: the summed ΔW truncated to --rank by SVD.
    Svd,
}

#[derive(Debug, Args)]
pub struct PemAddArgs {
    #[arg(long, value_enum, default_value_t = PemForm::Average)]
    pub form: PemForm,
    /// The rank of the svd form (default: the largest rank of the inputs).
    #[arg(long)]
    pub rank: Option<i64>,
    /// The folder to write (replaced whole; nothing is written on an error).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// PEFT adapter folders, each optionally followed by `:WEIGHT`.
    #[arg(required = true, value_name = "ADAPTER[:WEIGHT]")]
    pub adapters: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ClipCommand {
    /// Zero-shot classification of images among the given labels.
    Classify(ClassifyArgs),
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// NAME:TAG of an open_clip model (e.g. convnext_base_w:laion2b_s13b_b82k_augreg),
    /// NAME with --weights, or `demo` with the clip.safetensors of a demo run.
    #[arg(long)]
    pub model: String,
    /// A local weights file (open_clip_model.safetensors or open_clip_pytorch_model.bin).
    #[arg(long, value_name = "FILE")]
    pub weights: Option<PathBuf>,
    /// A candidate label; repeat for each.
    #[arg(long = "label", value_name = "L", required = true)]
    pub labels: Vec<String>,
    /// The prompt; {} is replaced by the label.
    #[arg(long, default_value = "a photo of a {}.")]
    pub template: String,
    /// Print [{"image": path, "probs": {label: p}}] as JSON.
    /// fp32, or bf16: weights and activations in bf16 (fast on CPUs with bf16 matrix
    /// units, e.g. AMX), normalisation accumulated and probabilities computed in fp32.
    #[arg(long, value_enum, default_value_t = crate::zoo::lm::Precision::Fp32)]
    pub precision: crate::zoo::lm::Precision,

    #[arg(long)]
    pub json: bool,
    /// The images to classify.
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum VitCommand {
    /// The top labels of images under a trained ViT: a transformers model folder, plus
    /// the PEFT adapter folder (LoRA or (IA)³) when it was adapted with one.
    Predict(PredictArgs),
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// config.json + model.safetensors (the base for --adapter, or a fine-tuned model).
    #[arg(long, value_name = "DIR")]
    pub model_dir: PathBuf,
    /// adapter_config.json + adapter_model.safetensors (PEFT's format).
    #[arg(long, value_name = "DIR")]
    pub adapter: Option<PathBuf>,
    /// How many labels to print per image.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Print [{"image": path, "top": [{"label": l, "prob": p}]}] as JSON.
    /// fp32, or bf16: weights and activations in bf16 (fast on CPUs with bf16 matrix
    /// units, e.g. AMX), normalisation accumulated and probabilities computed in fp32.
    #[arg(long, value_enum, default_value_t = crate::zoo::lm::Precision::Fp32)]
    pub precision: crate::zoo::lm::Precision,

    #[arg(long)]
    pub json: bool,
    /// The images to classify.
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List runs, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one run: its experiments, values and result tables.
    Show {
        /// Run id, a unique prefix of one, or `latest`.
        run: String,
        #[arg(long)]
        json: bool,
    },
    /// Compare two runs experiment by experiment.
    Diff {
        run_a: String,
        run_b: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a run (its rows and its directory).
    Rm {
        run: String,
    },
}
