//! A generated stand-in for Stanford Dogs: classes are coloured shapes ("red circle"),
//! written in Stanford Dogs' exact on-disk layout (Images/<wnid>-<Name>/*.jpg and MATLAB
//! lists), so the demo exercises the real reader; plus captioned images for training
//! the demo's tiny CLIP.
use super::formats::mat5;
use super::rng::SplitMix64;
use super::synth::{draw_shape, SHAPE_NAMES};
use anyhow::{Context, Result};
use std::path::Path;

pub const COLOURS: [(&str, [f32; 3]); 8] = [
    ("red", [0.85, 0.12, 0.12]),
    ("green", [0.15, 0.72, 0.2]),
    ("blue", [0.18, 0.32, 0.92]),
    ("yellow", [0.92, 0.86, 0.15]),
    ("purple", [0.58, 0.2, 0.75]),
    ("orange", [0.96, 0.55, 0.1]),
    ("white", [0.95, 0.95, 0.95]),
    ("pink", [0.96, 0.55, 0.72]),
];

/// Shapes whose names read naturally in prompts (no stripes).
pub const SHAPES: [usize; 6] = [0, 1, 2, 3, 4, 7];

/// (colour index, shape index into SHAPE_NAMES) for class `k`, spread so that
/// neighbouring classes share a colour or a shape but not both.
pub fn class_parts(k: usize) -> (usize, usize) {
    (k % COLOURS.len(), SHAPES[(k / COLOURS.len() + k) % SHAPES.len()])
}

pub fn class_name(k: usize) -> String {
    let (c, s) = class_parts(k);
    format!("{} {}", COLOURS[c].0, SHAPE_NAMES[s])
}

/// One image of class `k` as planar RGB floats in [0, 1]; the colour jitters a little.
pub fn draw(k: usize, size: usize, rng: &mut SplitMix64) -> Vec<f32> {
    let (c, s) = class_parts(k);
    draw_parts(c, s, size, rng)
}

/// One image of colour `c` (index into COLOURS) and shape `s` (index into SHAPE_NAMES).
pub fn draw_parts(c: usize, s: usize, size: usize, rng: &mut SplitMix64) -> Vec<f32> {
    let base = COLOURS[c].1;
    let jitter = [rng.range(-0.08, 0.08), rng.range(-0.08, 0.08), rng.range(-0.08, 0.08)];
    let colour = [0, 1, 2].map(|i| (base[i] + jitter[i]).clamp(0.0, 1.0));
    let mut out = vec![0f32; 3 * size * size];
    draw_shape(&mut out, size, s, Some(colour), rng);
    out
}

pub fn to_jpeg(planar: &[f32], size: usize) -> Result<Vec<u8>> {
    let plane = size * size;
    let interleaved: Vec<u8> = (0..plane)
        .flat_map(|i| (0..3).map(move |c| (planar[c * plane + i] * 255.0).round().clamp(0.0, 255.0) as u8))
        .collect();
    let mut comp = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
    comp.set_size(size, size);
    comp.set_quality(92.0);
    let mut started = comp.start_compress(Vec::new())?;
    started.write_scanlines(&interleaved)?;
    Ok(started.finish()?)
}

#[derive(Debug, Clone)]
pub struct DogsLikeSpec {
    pub classes: usize,
    pub train_per_class: usize,
    pub test_per_class: usize,
    pub image_size: usize,
    pub seed: u64,
}

/// Writes the data set under `root` (Images/, train_list.mat, test_list.mat, file_list.mat).
pub fn write_dataset(root: &Path, spec: &DogsLikeSpec) -> Result<()> {
    let mut rng = SplitMix64::new(spec.seed);
    let mut lists: [(Vec<String>, Vec<f64>); 2] = Default::default();
    for k in 0..spec.classes {
        let folder = format!("n{:08}-{}", 90_000_000 + k, class_name(k).replace(' ', "_"));
        let dir = root.join("Images").join(&folder);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        for i in 0..spec.train_per_class + spec.test_per_class {
            let name = format!("n{:08}_{i}.jpg", 90_000_000 + k);
            let jpeg = to_jpeg(&draw(k, spec.image_size, &mut rng), spec.image_size)?;
            crate::fsx::write_atomic(&dir.join(&name), &jpeg)?;
            let which = usize::from(i >= spec.train_per_class);
            lists[which].0.push(format!("{folder}/{name}"));
            lists[which].1.push((k + 1) as f64);
        }
    }
    let write_list = |file: &str, files: &[String], labels: &[f64]| -> Result<()> {
        let annotations: Vec<String> = files.iter().map(|f| f.trim_end_matches(".jpg").to_string()).collect();
        let bytes = mat5::write(&[
            ("file_list", mat5::cell_of_strings(files)),
            ("annotation_list", mat5::cell_of_strings(&annotations)),
            ("labels", mat5::column(labels)),
        ])?;
        crate::fsx::write_atomic(&root.join(file), &bytes)
    };
    write_list("train_list.mat", &lists[0].0, &lists[0].1)?;
    write_list("test_list.mat", &lists[1].0, &lists[1].1)?;
    let all: Vec<String> = lists[0].0.iter().chain(&lists[1].0).cloned().collect();
    let all_labels: Vec<f64> = lists[0].1.iter().chain(&lists[1].1).copied().collect();
    write_list("file_list.mat", &all, &all_labels)
}

/// Other words for a demo class, for the prompt search: synonyms of its shape.
pub fn synonyms(name: &str) -> Vec<String> {
    const SHAPE_WORDS: [(&str, &[&str]); 6] = [
        ("circle", &["disc", "round dot", "filled circle"]),
        ("square", &["block", "box", "filled square"]),
        ("triangle", &["wedge", "pyramid shape", "three-sided shape"]),
        ("cross", &["plus sign", "plus shape", "cross mark"]),
        ("ring", &["hoop", "circle outline", "donut shape"]),
        ("diamond", &["rhombus", "lozenge", "rotated square"]),
    ];
    let Some((colour, shape)) = name.split_once(' ') else { return Vec::new() };
    SHAPE_WORDS
        .iter()
        .find(|(s, _)| *s == shape)
        .map(|(_, words)| words.iter().map(|w| format!("{colour} {w}")).collect())
        .unwrap_or_default()
}
