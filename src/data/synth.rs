//! Procedurally generated image data sets, so every pipeline runs with no downloads.
//!
//! `shapes`: one coloured shape per image on a random background, with pixel noise.
//! Position, size, colours, noise and a few clutter squares vary, so a classifier must
//! learn the shape itself.
use super::rng::SplitMix64;
use tch::{Kind, Tensor};

pub const SHAPE_NAMES: [&str; 8] = ["circle", "square", "triangle", "cross", "ring", "h-stripes", "v-stripes", "diamond"];

/// Images as float tensors in [0, 1], NCHW, with integer labels.
pub struct ImageSet {
    pub images: Tensor,
    pub labels: Tensor,
    pub class_names: Vec<String>,
}

/// Generates `count` images of `classes` shapes (balanced, shuffled) of side `size`.
pub fn shapes(count: usize, classes: usize, size: usize, seed: u64) -> ImageSet {
    assert!((1..=SHAPE_NAMES.len()).contains(&classes), "shapes supports 1..=8 classes");
    let mut rng = SplitMix64::new(seed);
    let plane = size * size;
    let mut pixels = vec![0f32; count * 3 * plane];
    let mut labels = Vec::with_capacity(count);
    for i in 0..count {
        let label = i % classes;
        labels.push(label as i64);
        draw_shape(&mut pixels[i * 3 * plane..(i + 1) * 3 * plane], size, label, None, &mut rng);
    }
    // Shuffle so batches taken in order are mixed.
    let mut order: Vec<usize> = (0..count).collect();
    for i in (1..count).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let images = Tensor::from_slice(&pixels).view([count as i64, 3, size as i64, size as i64]);
    let index = Tensor::from_slice(&order.iter().map(|&i| i as i64).collect::<Vec<_>>());
    ImageSet {
        images: images.index_select(0, &index),
        labels: Tensor::from_slice(&labels).index_select(0, &index).to_kind(Kind::Int64),
        class_names: SHAPE_NAMES[..classes].iter().map(|s| s.to_string()).collect(),
    }
}

/// Draws shape `label` into a planar RGB buffer; `colour` fixes the shape's colour
/// (the random one is still drawn, so the generator's stream does not depend on it).
pub fn draw_shape(out: &mut [f32], size: usize, label: usize, colour: Option<[f32; 3]>, rng: &mut SplitMix64) {
    let background = [rng.range(0.0, 0.45), rng.range(0.0, 0.45), rng.range(0.0, 0.45)];
    let random_colour = [rng.range(0.55, 1.0), rng.range(0.55, 1.0), rng.range(0.55, 1.0)];
    let colour = colour.unwrap_or(random_colour);
    let radius = rng.range(0.16, 0.36);
    let cx = rng.range(radius, 1.0 - radius);
    let cy = rng.range(radius, 1.0 - radius);
    let stripes = rng.range(3.0, 5.0) / radius;
    let noise = rng.range(0.04, 0.16);
    // Clutter: small squares in random colours, drawn under the shape.
    let clutter: Vec<([f32; 4], [f32; 3])> = (0..rng.below(4))
        .map(|_| {
            let side = rng.range(0.05, 0.12);
            let (x, y) = (rng.range(0.0, 1.0 - side), rng.range(0.0, 1.0 - side));
            ([x, y, x + side, y + side], [rng.range(0.2, 1.0), rng.range(0.2, 1.0), rng.range(0.2, 1.0)])
        })
        .collect();
    let plane = size * size;
    for y in 0..size {
        for x in 0..size {
            let px = (x as f32 + 0.5) / size as f32;
            let py = (y as f32 + 0.5) / size as f32;
            let inside = inside_shape(label, px - cx, py - cy, radius, stripes);
            let under = clutter.iter().find(|(b, _)| px >= b[0] && px < b[2] && py >= b[1] && py < b[3]).map(|(_, c)| c);
            for c in 0..3 {
                let base = if inside { colour[c] } else { under.map_or(background[c], |u| u[c]) };
                out[c * plane + y * size + x] = (base + noise * rng.normal()).clamp(0.0, 1.0);
            }
        }
    }
}

/// Whether offset (dx, dy) from the centre falls inside shape `label` of radius `r`.
fn inside_shape(label: usize, dx: f32, dy: f32, r: f32, stripes: f32) -> bool {
    let dist = (dx * dx + dy * dy).sqrt();
    let in_box = dx.abs() < r * 0.85 && dy.abs() < r * 0.85;
    match label {
        0 => dist < r,
        1 => in_box,
        2 => dy > -r && dy < r * 0.7 && dx.abs() < (dy + r) * 0.6,
        3 => (dx.abs() < r * 0.25 && dy.abs() < r) || (dy.abs() < r * 0.25 && dx.abs() < r),
        4 => dist < r && dist > r * 0.6,
        5 => in_box && (dy * stripes).sin() > 0.0,
        6 => in_box && (dx * stripes).sin() > 0.0,
        _ => dx.abs() + dy.abs() < r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_and_balanced_labels() {
        let a = shapes(64, 4, 16, 3);
        let b = shapes(64, 4, 16, 3);
        assert!(a.images.equal(&b.images));
        assert_eq!(a.images.size(), vec![64, 3, 16, 16]);
        let counts = a.labels.bincount::<Tensor>(None, 4);
        assert_eq!(Vec::<i64>::try_from(counts).unwrap(), vec![16, 16, 16, 16]);
        let c = shapes(64, 4, 16, 4);
        assert!(!a.images.equal(&c.images), "another seed gives other images");
    }

    #[test]
    fn every_shape_differs_from_every_other() {
        // Rasterise each shape at a fixed place and check no two masks coincide.
        let masks: Vec<Vec<bool>> = (0..8)
            .map(|l| (0..32 * 32).map(|i| inside_shape(l, (i % 32) as f32 / 32.0 - 0.5, (i / 32) as f32 / 32.0 - 0.5, 0.35, 12.0)).collect())
            .collect();
        for i in 0..8 {
            assert!(masks[i].iter().any(|&b| b), "shape {i} draws something");
            for j in i + 1..8 {
                assert_ne!(masks[i], masks[j], "shapes {i} and {j} look the same");
            }
        }
    }
}
