//! A fuzz loop on the stable toolchain (cargo-fuzz needs nightly): every reader of
//! outside files gets mutated copies of valid inputs, and must answer each with a value
//! or an error — never a panic, and never one allocation above `ALLOCATION_BOUND`.
//! Used by `tests/fuzz.rs` (a short pass in `make test`) and `examples/fuzz.rs`
//! (`make fuzz`, 10 minutes a reader).
//!
//! Without coverage instrumentation the loop keeps, as new seeds, inputs whose outcome
//! (success, or the first words of the error) it has not seen yet, so mutations build on
//! inputs that reach further into a format.
#![allow(dead_code)]
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// No reader may ask for more than this in one allocation for these inputs (all under
/// 64 KiB): a length field read from a file must be checked against the file first.
pub const ALLOCATION_BOUND: usize = 256 << 20;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, noting the largest single request since the last reset.
pub struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// One reader: valid inputs to start from, words its format is made of, and a call.
pub struct Target {
    pub name: &'static str,
    pub seeds: Vec<Vec<u8>>,
    pub words: Vec<&'static [u8]>,
    /// Reads one input; the error's text (first words) is its outcome.
    pub read: Box<dyn Fn(&[u8]) -> Result<(), String>>,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub inputs: u64,
    pub accepted: u64,
    pub outcomes: usize,
    pub corpus: usize,
    pub panics: Vec<(String, Vec<u8>)>,
    pub too_large: Vec<(usize, Vec<u8>)>,
}

/// xorshift64*: the loop's own randomness, seeded for reproducible runs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E3779B97F4A7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const INTERESTING: [u32; 10] = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff];

pub fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>], words: &[&[u8]]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        match rng.below(10) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = rng.next() as u8;
            }
            2 if len >= 4 => {
                // A length or count field set to an edge value, either byte order.
                let i = rng.below(len - 3);
                let v = INTERESTING[rng.below(INTERESTING.len())];
                let bytes = if rng.below(2) == 0 { v.to_le_bytes() } else { v.to_be_bytes() };
                out[i..i + 4].copy_from_slice(&bytes);
            }
            3 => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(8);
                let noise: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                out.splice(i..i, noise);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                out.drain(i..i + n);
            }
            5 if len > 0 => {
                // A block repeated: nesting, duplicate keys, longer runs.
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                let block = out[i..i + n].to_vec();
                let at = rng.below(len + 1);
                out.splice(at..at, block);
            }
            6 if len > 0 => out.truncate(rng.below(len)),
            7 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                if !other.is_empty() {
                    let cut = rng.below(len + 1);
                    let from = rng.below(other.len());
                    out.truncate(cut);
                    out.extend_from_slice(&other[from..]);
                }
            }
            _ if !words.is_empty() => {
                let word = words[rng.below(words.len())];
                let i = rng.below(len + 1);
                out.splice(i..i, word.iter().copied());
            }
            _ => {}
        }
    }
    out.truncate(64 << 10);
    out
}

/// Where the input being read is kept while it is read: if the process dies (an
/// allocation the system refuses aborts it), this file is the input that killed it.
pub fn last_input_file(name: &str) -> PathBuf {
    crashes_dir().join(format!("{name}-last-input"))
}

/// Runs `target` for `budget` (or `max_inputs`), starting from its seeds.
pub fn run(target: &Target, seed: u64, budget: Duration, max_inputs: u64) -> Summary {
    let _ = std::fs::create_dir_all(crashes_dir());
    let last = last_input_file(target.name);
    let mut rng = Rng::new(seed);
    let mut corpus = target.seeds.clone();
    let mut seen: HashSet<String> = HashSet::new();
    let mut summary = Summary::default();
    let started = Instant::now();
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    // The seeds first, unchanged: they must be read without trouble too.
    let mut pending: Vec<Vec<u8>> = target.seeds.clone();
    while summary.inputs < max_inputs && started.elapsed() < budget {
        let input = pending.pop().unwrap_or_else(|| {
            let base = &corpus[rng.below(corpus.len())];
            mutate(&mut rng, base, &corpus, &target.words)
        });
        let _ = std::fs::write(&last, &input);
        LARGEST.store(0, Ordering::Relaxed);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (target.read)(&input)));
        let largest = LARGEST.load(Ordering::Relaxed);
        summary.inputs += 1;
        if largest > ALLOCATION_BOUND {
            summary.too_large.push((largest, input.clone()));
        }
        let signature = match outcome {
            Ok(Ok(())) => {
                summary.accepted += 1;
                "ok".to_string()
            }
            Ok(Err(e)) => e.split_whitespace().take(6).collect::<Vec<_>>().join(" "),
            Err(panic) => {
                let message = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
                summary.panics.push((message, input.clone()));
                continue;
            }
        };
        if seen.insert(signature) && corpus.len() < 512 {
            corpus.push(input);
        }
    }
    std::panic::set_hook(quiet);
    let _ = std::fs::remove_file(&last);
    summary.outcomes = seen.len();
    summary.corpus = corpus.len();
    summary
}

/// Saves what failed under `dir` (one file per input) and returns the lines to print.
/// Runs `f`, returning its result and the largest single allocation it asked for.
pub fn with_largest_allocation<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST.store(0, Ordering::Relaxed);
    let out = f();
    (out, LARGEST.load(Ordering::Relaxed))
}

pub fn save_failures(name: &str, summary: &Summary, dir: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    let _ = std::fs::create_dir_all(dir);
    for (i, (message, input)) in summary.panics.iter().enumerate().take(20) {
        let file = dir.join(format!("{name}-panic-{i}"));
        let _ = std::fs::write(&file, input);
        lines.push(format!("{name}: panic \"{message}\" on {} ({} bytes)", file.display(), input.len()));
    }
    for (i, (size, input)) in summary.too_large.iter().enumerate().take(20) {
        let file = dir.join(format!("{name}-alloc-{i}"));
        let _ = std::fs::write(&file, input);
        lines.push(format!("{name}: one allocation of {size} bytes on {} ({} bytes)", file.display(), input.len()));
    }
    lines
}

fn seed_file(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_seeds").join(name)).unwrap()
}

fn err(e: anyhow::Error) -> String {
    format!("{e:#}")
}

/// A scratch folder for readers that take paths (on tmpfs when there is one).
pub fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() { tempfile::tempdir_in(shm).unwrap() } else { tempfile::tempdir().unwrap() }
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
}

fn safetensors_seed(dir: &Path) -> Vec<u8> {
    let path = dir.join("seed.safetensors");
    let tensors = vec![
        ("base_model.model.encoder.layer.0.attention.query.lora_A.weight".to_string(), tch::Tensor::from_slice(&[0.5f32; 8]).view([2, 4])),
        ("base_model.model.encoder.layer.0.attention.query.lora_B.weight".to_string(), tch::Tensor::from_slice(&[1i64, 2, 3, 4]).view([4, 1])),
    ];
    adaptlab::nn::weights::write_safetensors(&path, &tensors).unwrap();
    std::fs::read(path).unwrap()
}

const PEFT_CONFIG: &str = r#"{"peft_type": "LORA", "task_type": null, "r": 2, "lora_alpha": 4, "lora_dropout": 0.0, "target_modules": ["query", "value"], "modules_to_save": ["classifier"], "bias": "none", "fan_in_fan_out": false, "base_model_name_or_path": "google/vit-base-patch16-224-in21k"}"#;
const IA3_CONFIG: &str = r#"{"peft_type": "IA3", "target_modules": ["key", "value", "output.dense"], "feedforward_modules": ["output.dense"], "modules_to_save": ["classifier"], "init_ia3_weights": true}"#;

/// Every reader of outside files, each with its seeds. `dir` holds the files the
/// path-taking readers read.
pub fn targets(dir: &Path) -> Vec<Target> {
    use adaptlab::data::formats::mat5;
    let json_words: Vec<&'static [u8]> = vec![b"{", b"}", b"[", b"]", b"\"", b",", b":", b"null", b"true", b"-1", b"1e999", b"18446744073709551616", b"\\u0000", b"\\ud800", b"\n"];
    let yaml_words: Vec<&'static [u8]> = vec![b": ", b"- ", b"\n  ", b"\t", b"[", b"]", b"{", b"}", b"&a ", b"*a", b"<<: ", b"!!binary ", b"---\n", b"'", b"\"", b"#", b"~", b"|\n", b">-\n", b"\xef\xbb\xbf", b"needs: [", b"params:\n      "];
    let mut out = Vec::new();

    out.push(Target {
        name: "mat5",
        seeds: vec![seed_file("list.mat"), mat5::write(&[("xs", mat5::column(&[1.0, 2.0, 3.0])), ("names", mat5::cell_of_strings(&["a".into(), "bc".into()]))]).unwrap()],
        words: vec![b"MATLAB 5.0 MAT-file", b"\x0e\0\0\0", b"\x0f\0\0\0", b"\x06\0\0\0", b"\x01\0\0\0"],
        read: Box::new(|b| mat5::read(b).map(|_| ()).map_err(err)),
    });

    let mut suites = vec![include_bytes!("../../experiments/demo.yaml").to_vec(), include_bytes!("../../experiments/hw5.yaml").to_vec()];
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/malformed_suites")).unwrap().flatten().take(20) {
        suites.push(std::fs::read(entry.path()).unwrap());
    }
    out.push(Target {
        name: "yaml-suite",
        seeds: suites,
        words: yaml_words,
        read: Box::new(|b| adaptlab::tasks::parse_suite(&String::from_utf8_lossy(b), "fuzz.yaml").map(|_| ()).map_err(|e| e.to_string())),
    });

    let st_path = dir.join("model.safetensors");
    let st_seed = safetensors_seed(dir);
    out.push(Target {
        name: "safetensors",
        seeds: vec![st_seed.clone()],
        words: vec![b"\"dtype\":\"F32\"", b"\"dtype\":\"BF16\"", b"\"shape\":[", b"\"data_offsets\":[", b"\"__metadata__\":{", b"18446744073709551615", b"0", b","],
        read: Box::new(move |b| {
            write(&st_path, b);
            adaptlab::nn::weights::read_checkpoint(&st_path).map(|_| ()).map_err(err)
        }),
    });

    let adapter = dir.join("adapter");
    std::fs::create_dir_all(&adapter).unwrap();
    write(&adapter.join("adapter_model.safetensors"), &st_seed);
    out.push(Target {
        name: "peft-config",
        seeds: vec![PEFT_CONFIG.as_bytes().to_vec(), IA3_CONFIG.as_bytes().to_vec()],
        words: json_words.clone(),
        read: Box::new(move |b| {
            write(&adapter.join("adapter_config.json"), b);
            adaptlab::nn::adapter::load_peft_adapter(&adapter).map(|_| ()).map_err(err)
        }),
    });

    let pq_path = dir.join("train.parquet");
    out.push(Target {
        name: "parquet",
        seeds: vec![seed_file("labelled.parquet"), seed_file("labelled-strings.parquet")],
        words: vec![b"PAR1", b"text", b"label", b"\x15\x00", b"\x19\x1c"],
        read: Box::new(move |b| {
            write(&pq_path, b);
            adaptlab::data::labelled_parquet::read(&pq_path).map(|_| ()).map_err(err)
        }),
    });

    let jsonl_path = dir.join("data.jsonl");
    let q_path = dir.join("questions.jsonl");
    let csv_path = dir.join("data.csv");
    out.push(Target {
        name: "jsonl-labelled",
        seeds: vec![
            "{\"text\": \"خوب بود\", \"label\": 1}\n{\"text\": \"bad\", \"label\": \"neg\"}\n\n{\"text\": 3}\n".as_bytes().to_vec(),
            b"\xef\xbb\xbf{\"text\": \"x\", \"label\": 0}\r\n".to_vec(),
        ],
        words: json_words.clone(),
        read: Box::new(move |b| {
            write(&jsonl_path, b);
            adaptlab::tasks::q4::data::read_labelled(&jsonl_path).map(|_| ()).map_err(err)
        }),
    });
    out.push(Target {
        name: "jsonl-questions",
        seeds: vec![
            "{\"question\": \"۲ + ۳ چند است؟\", \"choices\": [\"4\", \"5\"], \"answer\": 1}\n{\"question\": \"12 - 5 = ?\", \"answer\": \"7\", \"id\": \"q2\", \"category\": \"math\"}\n".as_bytes().to_vec(),
        ],
        words: json_words.clone(),
        read: Box::new(move |b| {
            write(&q_path, b);
            adaptlab::tasks::q4::data::read_questions(&q_path).map(|_| ()).map_err(err)
        }),
    });
    out.push(Target {
        name: "csv-labelled",
        seeds: vec!["text,label\n\"خوب, عالی\",pos\nbad,neg\n,neg\n".as_bytes().to_vec()],
        words: vec![b",", b"\"", b"\n", b"\r\n", b"text", b"label", b"\xef\xbb\xbf"],
        read: Box::new(move |b| {
            write(&csv_path, b);
            adaptlab::tasks::q4::data::read_labelled(&csv_path).map(|_| ()).map_err(err)
        }),
    });

    let tok_dir = dir.join("tokenizer");
    std::fs::create_dir_all(&tok_dir).unwrap();
    out.push(Target {
        name: "tokenizer-json",
        seeds: vec![seed_file("tokenizer.json")],
        words: json_words.clone(),
        read: Box::new(move |b| {
            write(&tok_dir.join("tokenizer.json"), b);
            let tok = adaptlab::tokenize::hf::HfTokenizer::from_dir(&tok_dir).map_err(err)?;
            let ids = tok.encode("سلام hello دنیا", true).map_err(err)?;
            let _ = tok.decode(&ids, false);
            Ok(())
        }),
    });

    out.push(Target {
        name: "image",
        seeds: ["photo.jpg", "photo-progressive.jpg", "photo.png", "palette.png", "rgba.png"].iter().map(|n| seed_file(n)).collect(),
        words: vec![b"\xff\xd8", b"\xff\xd9", b"\xff\xda", b"\xff\xc0\x00\x11\x08", b"\xff\xc2", b"IHDR", b"IDAT", b"IEND", b"PLTE", b"tRNS"],
        read: Box::new(|b| {
            let img = adaptlab::data::image::decode_bytes(b).map_err(err)?;
            let _ = adaptlab::data::clip_preprocess::ClipPreprocess::new(32).apply(&img);
            Ok(())
        }),
    });
    out
}

pub fn names(dir: &Path) -> Vec<&'static str> {
    targets(dir).iter().map(|t| t.name).collect()
}

pub fn crashes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures")
}
