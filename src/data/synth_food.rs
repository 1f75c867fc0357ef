//! A generated stand-in for Food-101: ten "dishes", each a plate seen from above with a
//! class-specific topping texture and palette (noodles are wavy yellow strands, pizza
//! has red wedges with spots, …), written in the official Food-101 layout
//! (`food-101/images/<class>/<id>.jpg`, `meta/classes.txt`, `labels.txt`, `train.txt`,
//! `test.txt`), so the demo runs the real reader. The textures differ from the shapes
//! the demo ViT is pre-trained on, so adapting it is a real transfer.
use super::rng::SplitMix64;
use super::synth_dogs::to_jpeg;
use anyhow::{Context, Result};
use std::path::Path;

/// (class id, topping colour, texture).
const DISHES: [(&str, [f32; 3], Texture); 10] = [
    ("ramen", [0.93, 0.82, 0.35], Texture::Waves),
    ("spaghetti_bolognese", [0.85, 0.35, 0.15], Texture::Waves),
    ("pizza", [0.85, 0.2, 0.12], Texture::Wedges),
    ("apple_pie", [0.78, 0.55, 0.25], Texture::Wedges),
    ("caesar_salad", [0.35, 0.75, 0.3], Texture::Blobs),
    ("fried_rice", [0.9, 0.78, 0.5], Texture::Blobs),
    ("sushi", [0.95, 0.95, 0.92], Texture::Grid),
    ("waffles", [0.82, 0.62, 0.3], Texture::Grid),
    ("donuts", [0.9, 0.5, 0.65], Texture::Rings),
    ("onion_rings", [0.88, 0.7, 0.35], Texture::Rings),
];

#[derive(Clone, Copy)]
enum Texture {
    Waves,
    Wedges,
    Blobs,
    Grid,
    Rings,
}

pub fn class_ids() -> Vec<&'static str> {
    DISHES.iter().map(|d| d.0).collect()
}

/// One image of dish `k` as planar RGB in [0, 1].
pub fn draw(k: usize, size: usize, rng: &mut SplitMix64) -> Vec<f32> {
    let (_, colour, texture) = DISHES[k];
    let table = [rng.range(0.25, 0.55), rng.range(0.15, 0.4), rng.range(0.05, 0.25)];
    let plate = rng.range(0.82, 0.97);
    let (cx, cy) = (rng.range(0.4, 0.6), rng.range(0.4, 0.6));
    let radius = rng.range(0.3, 0.42);
    let phase = rng.range(0.0, std::f32::consts::TAU);
    let freq = rng.range(14.0, 20.0);
    let jitter = [rng.range(-0.07, 0.07), rng.range(-0.07, 0.07), rng.range(-0.07, 0.07)];
    let topping = [0, 1, 2].map(|c| (colour[c] + jitter[c]).clamp(0.0, 1.0));
    let blobs: Vec<(f32, f32)> = (0..7).map(|_| (rng.range(-0.7, 0.7), rng.range(-0.7, 0.7))).collect();
    let plane = size * size;
    let mut out = vec![0f32; 3 * plane];
    for y in 0..size {
        for x in 0..size {
            let (u, v) = ((x as f32 + 0.5) / size as f32 - cx, (y as f32 + 0.5) / size as f32 - cy);
            let r = (u * u + v * v).sqrt();
            let (nu, nv) = (u / radius, v / radius);
            let on_food = match texture {
                Texture::Waves => ((nv * freq + (nu * 9.0 + phase).sin() * 1.5).sin()) > 0.2,
                Texture::Wedges => ((nv.atan2(nu) + phase) * 3.0 / std::f32::consts::PI).floor() as i32 % 2 == 0 || ((nu * 11.0).sin() * (nv * 11.0).sin()) > 0.7,
                Texture::Blobs => blobs.iter().any(|(bx, by)| (nu - bx).powi(2) + (nv - by).powi(2) < 0.06),
                Texture::Grid => ((nu * 5.0 + phase).rem_euclid(1.0) < 0.7) && ((nv * 5.0 + phase).rem_euclid(1.0) < 0.7),
                Texture::Rings => ((r / radius * 9.0 + phase).sin()) > 0.0,
            };
            let pixel = if r > radius * 1.25 {
                table
            } else if r > radius || !on_food {
                [plate; 3]
            } else {
                topping
            };
            let noise = rng.range(-0.05, 0.05);
            for c in 0..3 {
                out[c * plane + y * size + x] = (pixel[c] + noise).clamp(0.0, 1.0);
            }
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct FoodLikeSpec {
    pub train_per_class: usize,
    pub test_per_class: usize,
    pub image_size: usize,
    pub seed: u64,
}

/// Writes the data set as the official archive unpacks: `root/food-101/...`.
pub fn write_dataset(root: &Path, spec: &FoodLikeSpec) -> Result<()> {
    let base = root.join("food-101");
    let meta = base.join("meta");
    std::fs::create_dir_all(&meta).with_context(|| format!("creating {}", meta.display()))?;
    let mut rng = SplitMix64::new(spec.seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (k, (class, _, _)) in DISHES.iter().enumerate() {
        let dir = base.join("images").join(class);
        std::fs::create_dir_all(&dir)?;
        for i in 0..spec.train_per_class + spec.test_per_class {
            let id = 100_000 + k * 1000 + i;
            let jpeg = to_jpeg(&draw(k, spec.image_size, &mut rng), spec.image_size)?;
            crate::fsx::write_atomic(&dir.join(format!("{id}.jpg")), &jpeg)?;
            let list = if i < spec.train_per_class { &mut train } else { &mut test };
            list.push(format!("{class}/{id}"));
        }
    }
    // Grouped by class, as the official lists are.
    let lines = |items: &[String]| items.iter().map(|s| format!("{s}\n")).collect::<String>();
    crate::fsx::write_atomic(&meta.join("train.txt"), lines(&train).as_bytes())?;
    crate::fsx::write_atomic(&meta.join("test.txt"), lines(&test).as_bytes())?;
    crate::fsx::write_atomic(&meta.join("classes.txt"), DISHES.iter().map(|d| format!("{}\n", d.0)).collect::<String>().as_bytes())?;
    crate::fsx::write_atomic(&meta.join("labels.txt"), DISHES.iter().map(|d| format!("{}\n", super::food101::pretty(d.0))).collect::<String>().as_bytes())?;
    Ok(())
}
