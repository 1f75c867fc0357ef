//! MoCo v2's augmentations (Chen et al. 2020, the official `main_moco.py --aug-plus`):
//! random resized crop (area 0.2–1), colour jitter (0.4, 0.4, 0.4, 0.1) with p = 0.8 in a
//! random order, grayscale with p = 0.2, Gaussian blur (σ 0.1–2) with p = 0.5 for large
//! images, horizontal flip, then normalisation. They run on whole batches of u8 images on
//! the model's device; each image's random choices are drawn on the CPU from its key
//! (seed, epoch, index, view), so a view is the same on every run, device and resume.
//! The colour operators follow torchvision's tensor functions; the crop is one bilinear
//! `grid_sample` per batch (no antialiasing, as torchvision's tensor path without it).
use super::rng::SplitMix64;
use super::vit_transform::random_resized_crop_box;
use tch::{Device, Kind, Tensor};

/// The official CIFAR-10 demo's normalisation.
pub const CIFAR_MEAN: [f64; 3] = [0.4914, 0.4822, 0.4465];
pub const CIFAR_STD: [f64; 3] = [0.2023, 0.1994, 0.2010];

#[derive(Debug, Clone, PartialEq)]
pub struct Augment {
    /// Side of the output views.
    pub size: i64,
    pub crop_scale: (f64, f64),
    /// Brightness, contrast, saturation (±) and hue (±) ranges.
    pub jitter: [f64; 4],
    pub jitter_p: f64,
    pub grayscale_p: f64,
    /// 0 turns blur off (the CIFAR demo has none; ImageNet v2 uses 0.5).
    pub blur_p: f64,
    pub blur_sigma: (f64, f64),
    pub flip_p: f64,
}

/// Images at least this large are blurred by MoCo v2's default (the blur of 32-pixel
/// images destroys them; the CIFAR demo leaves it out).
pub const BLUR_FROM: i64 = 64;

impl Augment {
    /// MoCo v2's recipe for `size`-pixel views, blur only from `BLUR_FROM` pixels.
    pub fn moco_v2(size: i64) -> Self {
        Self { size, crop_scale: (0.2, 1.0), jitter: [0.4, 0.4, 0.4, 0.1], jitter_p: 0.8, grayscale_p: 0.2, blur_p: if size >= BLUR_FROM { 0.5 } else { 0.0 }, blur_sigma: (0.1, 2.0), flip_p: 0.5 }
    }

    /// The random choices of one view of a `side`×`side` image.
    pub fn draw(&self, side: usize, key: u64) -> View {
        let mut rng = SplitMix64::new(key);
        let crop = random_resized_crop_box(side, side, self.crop_scale, (3.0 / 4.0, 4.0 / 3.0), &mut rng);
        let jitter = if f64::from(rng.uniform()) < self.jitter_p {
            let mut order = [0u8, 1, 2, 3];
            for i in (1..4).rev() {
                order.swap(i, rng.below(i + 1));
            }
            let [b, c, s, h] = self.jitter;
            let around_one = |r: f64, rng: &mut SplitMix64| 1.0 - r + 2.0 * r * f64::from(rng.uniform());
            let factors = [around_one(b, &mut rng), around_one(c, &mut rng), around_one(s, &mut rng), -h + 2.0 * h * f64::from(rng.uniform())];
            Some(Jitter { order, factors })
        } else {
            None
        };
        let grayscale = f64::from(rng.uniform()) < self.grayscale_p;
        let blur = (f64::from(rng.uniform()) < self.blur_p).then(|| self.blur_sigma.0 + (self.blur_sigma.1 - self.blur_sigma.0) * f64::from(rng.uniform()));
        let flip = f64::from(rng.uniform()) < self.flip_p;
        View { crop, jitter, grayscale, blur, flip }
    }

    /// Augmented, normalised views [B, 3, size, size] of `images` (u8 [B, 3, H, H]), one
    /// per key.
    pub fn views(&self, images: &Tensor, keys: &[u64]) -> Tensor {
        let side = images.size()[2] as usize;
        let views: Vec<View> = keys.iter().map(|&k| self.draw(side, k)).collect();
        self.apply(images, &views)
    }

    /// `views` with the choices given.
    pub fn apply(&self, images: &Tensor, views: &[View]) -> Tensor {
        normalise_float(&self.apply_pixels(images, views))
    }

    /// The views' pixels in [0, 1], not normalised (offline copies are stored as images).
    pub fn pixels(&self, images: &Tensor, keys: &[u64]) -> Tensor {
        let side = images.size()[2] as usize;
        let views: Vec<View> = keys.iter().map(|&k| self.draw(side, k)).collect();
        self.apply_pixels(images, &views)
    }

    fn apply_pixels(&self, images: &Tensor, views: &[View]) -> Tensor {
        let device = images.device();
        let x = images.to_kind(Kind::Float) / 255.0;
        let x = crop_and_flip(&x, views, self.size);
        let x = jitter(&x, views);
        let gray = per_sample(views.iter().map(|v| v.grayscale), device);
        let x = x.where_self(&gray.logical_not(), &grayscale(&x).expand_as(&x));
        if views.iter().any(|v| v.blur.is_some()) {
            blur(&x, views)
        } else {
            x
        }
    }
}

/// One view's random choices.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// (top, left, height, width) in source pixels.
    pub crop: (usize, usize, usize, usize),
    pub jitter: Option<Jitter>,
    pub grayscale: bool,
    pub blur: Option<f64>,
    pub flip: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Jitter {
    /// Operator order: 0 brightness, 1 contrast, 2 saturation, 3 hue.
    pub order: [u8; 4],
    pub factors: [f64; 4],
}

/// u8 images → normalised float, no augmentation (the kNN bank, linear evaluation).
pub fn normalise(images: &Tensor) -> Tensor {
    normalise_float(&(images.to_kind(Kind::Float) / 255.0))
}

fn normalise_float(x: &Tensor) -> Tensor {
    let device = x.device();
    let mean = Tensor::from_slice(&CIFAR_MEAN).to_kind(Kind::Float).to_device(device).view([1, 3, 1, 1]);
    let std = Tensor::from_slice(&CIFAR_STD).to_kind(Kind::Float).to_device(device).view([1, 3, 1, 1]);
    (x - mean) / std
}

fn per_sample(flags: impl Iterator<Item = bool>, device: Device) -> Tensor {
    Tensor::from_slice(&flags.collect::<Vec<_>>()).to_device(device).view([-1, 1, 1, 1])
}

fn column(values: impl Iterator<Item = f64>, device: Device) -> Tensor {
    Tensor::from_slice(&values.map(|v| v as f32).collect::<Vec<_>>()).to_device(device).view([-1, 1, 1, 1])
}

/// Each crop resized to `size` (bilinear, pixel centres as `interpolate` with
/// align_corners=False places them), mirrored where asked.
pub fn crop_and_flip(x: &Tensor, views: &[View], size: i64) -> Tensor {
    let (n, _, h, w) = x.size4().expect("images [N, 3, H, W]");
    let mut theta = Vec::with_capacity(views.len() * 6);
    for v in views {
        let (top, left, ch, cw) = v.crop;
        let sx = cw as f64 / w as f64;
        let sy = ch as f64 / h as f64;
        let bx = (2.0 * left as f64 + cw as f64) / w as f64 - 1.0;
        let by = (2.0 * top as f64 + ch as f64) / h as f64 - 1.0;
        let sx = if v.flip { -sx } else { sx };
        theta.extend_from_slice(&[sx as f32, 0.0, bx as f32, 0.0, sy as f32, by as f32]);
    }
    let theta = Tensor::from_slice(&theta).to_device(x.device()).view([n, 2, 3]);
    let grid = Tensor::affine_grid_generator(&theta, [n, 3, size, size], false);
    // Bilinear (0), border padding (1): a crop's edge reads the nearest pixel, never zeros.
    x.grid_sampler(&grid, 0, 1, false)
}

/// torchvision `rgb_to_grayscale`: [N, 1, H, W].
pub fn grayscale(x: &Tensor) -> Tensor {
    let c = x.unbind(1);
    (&c[0] * 0.2989 + &c[1] * 0.587 + &c[2] * 0.114).unsqueeze(1)
}

/// torchvision `_blend`: f·a + (1 − f)·b in [0, 1], f per sample.
fn blend(a: &Tensor, b: &Tensor, f: &Tensor) -> Tensor {
    let out: Tensor = a * f + b * (1.0 - f);
    out.clamp(0.0, 1.0)
}

/// Brightness, contrast, saturation and hue with per-sample factors.
pub fn adjust(x: &Tensor, op: u8, f: &Tensor) -> Tensor {
    match op {
        0 => blend(x, &x.zeros_like(), f),
        1 => blend(x, &grayscale(x).mean_dim([1i64, 2, 3].as_slice(), true, Kind::Float), f),
        2 => blend(x, &grayscale(x), f),
        _ => adjust_hue(x, f),
    }
}

/// ColorJitter in each view's order; identity for views without it (or for an operator
/// later in the order than the slot being applied).
fn jitter(x: &Tensor, views: &[View]) -> Tensor {
    if views.iter().all(|v| v.jitter.is_none()) {
        return x.shallow_clone();
    }
    let device = x.device();
    let mut x = x.shallow_clone();
    for slot in 0..4 {
        for op in 0..4u8 {
            let uses = |v: &View| v.jitter.as_ref().is_some_and(|j| j.order[slot] == op);
            if !views.iter().any(uses) {
                continue;
            }
            let f = column(views.iter().map(|v| v.jitter.as_ref().map_or(0.0, |j| j.factors[op as usize])), device);
            let mask = per_sample(views.iter().map(uses), device);
            x = adjust(&x, op, &f).where_self(&mask, &x);
        }
    }
    x
}

/// torchvision `adjust_hue`: RGB → HSV, hue shifted by f (in turns), back to RGB.
fn adjust_hue(x: &Tensor, f: &Tensor) -> Tensor {
    let hsv = rgb_to_hsv(x);
    let c = hsv.unbind(1);
    let h = (&c[0] + f.squeeze_dim(1)).remainder(1.0);
    hsv_to_rgb(&h, &c[1], &c[2])
}

fn rgb_to_hsv(x: &Tensor) -> Tensor {
    let c = x.unbind(1);
    let (r, g, b) = (&c[0], &c[1], &c[2]);
    let maxc = x.amax([1i64].as_slice(), false);
    let minc = x.amin([1i64].as_slice(), false);
    let eqc = maxc.eq_tensor(&minc);
    let cr = &maxc - &minc;
    let ones = maxc.ones_like();
    let s = &cr / ones.where_self(&eqc, &maxc);
    let cr_divisor = ones.where_self(&eqc, &cr);
    let rc = (&maxc - r) / &cr_divisor;
    let gc = (&maxc - g) / &cr_divisor;
    let bc = (&maxc - b) / &cr_divisor;
    let is_r = maxc.eq_tensor(r);
    let is_g = maxc.eq_tensor(g);
    let hr = is_r.to_kind(Kind::Float) * (&bc - &gc);
    let hg = is_g.logical_and(&is_r.logical_not()).to_kind(Kind::Float) * (2.0 + &rc - &bc);
    let hb = is_g.logical_not().logical_and(&is_r.logical_not()).to_kind(Kind::Float) * (4.0 + &gc - &rc);
    let h: Tensor = (hr + hg + hb) / 6.0 + 1.0;
    let h = h.fmod(1.0);
    Tensor::stack(&[h, s, maxc], 1)
}

fn hsv_to_rgb(h: &Tensor, s: &Tensor, v: &Tensor) -> Tensor {
    let i = (h * 6.0).floor();
    let f = h * 6.0 - &i;
    let i = i.to_kind(Kind::Int64).remainder(6);
    let p: Tensor = v * (1.0 - s);
    let q: Tensor = v * (1.0 - s * &f);
    let t: Tensor = v * (1.0 - s * (1.0 - &f));
    let (p, q, t) = (p.clamp(0.0, 1.0), q.clamp(0.0, 1.0), t.clamp(0.0, 1.0));
    // For each sector i, (r, g, b) picked from (v, q, p, t) as torchvision's table has it.
    let table: [[&Tensor; 3]; 6] = [[v, &t, &p], [&q, v, &p], [&p, v, &t], [&p, &q, v], [&t, &p, v], [v, &p, &q]];
    let mut rgb = [h.zeros_like(), h.zeros_like(), h.zeros_like()];
    for (sector, picks) in table.iter().enumerate() {
        let m = i.eq(sector as i64).to_kind(Kind::Float);
        for (ch, pick) in picks.iter().enumerate() {
            rgb[ch] = &rgb[ch] + &m * *pick;
        }
    }
    Tensor::stack(&rgb, 1)
}

/// torchvision `GaussianBlur` with each view's σ (kernel ≈ 10% of the side, odd), reflect
/// padding; views without blur keep their pixels.
pub fn blur(x: &Tensor, views: &[View]) -> Tensor {
    let (n, c, h, w) = x.size4().expect("images [N, 3, H, W]");
    let k = ((h as f64 * 0.1).round() as i64 / 2 * 2 + 1).max(3);
    let half = (k - 1) as f64 / 2.0;
    let mut weights = Vec::with_capacity((n * c * k) as usize);
    for v in views {
        let kernel: Vec<f32> = match v.blur {
            Some(sigma) => {
                let raw: Vec<f64> = (0..k).map(|i| (-0.5 * ((i as f64 - half) / sigma).powi(2)).exp()).collect();
                let sum: f64 = raw.iter().sum();
                raw.iter().map(|r| (r / sum) as f32).collect()
            }
            None => (0..k).map(|i| if i as f64 == half { 1.0 } else { 0.0 }).collect(),
        };
        for _ in 0..c {
            weights.extend_from_slice(&kernel);
        }
    }
    let kernel = Tensor::from_slice(&weights).to_device(x.device());
    let pad = k / 2;
    let y = x.view([1, n * c, h, w]).reflection_pad2d([pad, pad, pad, pad]);
    let y = y.conv2d(&kernel.view([n * c, 1, 1, k]), None::<Tensor>, [1, 1], [0, 0], [1, 1], n * c);
    let y = y.conv2d(&kernel.view([n * c, 1, k, 1]), None::<Tensor>, [1, 1], [0, 0], [1, 1], n * c);
    y.view([n, c, h, w])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images(n: i64, side: i64) -> Tensor {
        tch::manual_seed(3);
        Tensor::randint(256, [n, 3, side, side], (Kind::Uint8, Device::Cpu))
    }

    #[test]
    fn a_view_is_a_function_of_its_key() {
        let aug = Augment::moco_v2(32);
        let x = images(6, 32);
        let keys = [1u64, 2, 3, 4, 5, 6];
        let a = aug.views(&x, &keys);
        let b = aug.views(&x, &keys);
        assert_eq!(a.size(), vec![6, 3, 32, 32]);
        assert!(a.equal(&b));
        let c = aug.views(&x, &[7, 2, 3, 4, 5, 6]);
        assert!(!a.get(0).allclose(&c.get(0), 1e-4, 1e-4, false), "another key gives another view");
        assert!(a.get(1).equal(&c.get(1)), "a view does not depend on its batch");
    }

    #[test]
    fn the_identity_view_is_the_normalised_image() {
        let aug = Augment::moco_v2(16);
        let x = images(2, 16);
        let id = View { crop: (0, 0, 16, 16), jitter: None, grayscale: false, blur: None, flip: false };
        let got = aug.apply(&x, &[id.clone(), View { flip: true, ..id }]);
        let want = normalise(&x);
        assert!(got.get(0).allclose(&want.get(0), 1e-5, 1e-5, false));
        assert!(got.get(1).allclose(&want.get(1).flip([2]), 1e-5, 1e-5, false));
    }

    #[test]
    fn a_hue_shift_of_zero_or_one_turn_changes_nothing() {
        let x = images(2, 8).to_kind(Kind::Float) / 255.0;
        for f in [0.0f32, 1.0] {
            let f = Tensor::from_slice(&[f, f]).view([2, 1, 1, 1]);
            assert!(adjust(&x, 3, &f).allclose(&x, 1e-5, 1e-5, false));
        }
    }

    #[test]
    fn blur_keeps_the_mean_and_smooths() {
        let x = images(1, 64).to_kind(Kind::Float) / 255.0;
        let view = View { crop: (0, 0, 64, 64), jitter: None, grayscale: false, blur: Some(2.0), flip: false };
        let y = blur(&x, &[view]);
        assert!((y.mean(Kind::Float) - x.mean(Kind::Float)).abs().double_value(&[]) < 0.01);
        assert!(y.std(true).double_value(&[]) < 0.5 * x.std(true).double_value(&[]));
    }

    #[test]
    fn probabilities_are_respected_over_many_keys() {
        let aug = Augment::moco_v2(32);
        let views: Vec<View> = (0..4000u64).map(|k| aug.draw(32, k)).collect();
        let share = |f: &dyn Fn(&View) -> bool| views.iter().filter(|v| f(v)).count() as f64 / views.len() as f64;
        assert!((share(&|v| v.jitter.is_some()) - 0.8).abs() < 0.03);
        assert!((share(&|v| v.grayscale) - 0.2).abs() < 0.03);
        assert!((share(&|v| v.flip) - 0.5).abs() < 0.03);
        assert_eq!(share(&|v| v.blur.is_some()), 0.0, "no blur on 32-pixel views");
        assert!(Augment::moco_v2(96).blur_p > 0.0);
    }
}
