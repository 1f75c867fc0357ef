//! The image transforms of the PEFT ViT notebook, on PIL-exact images:
//! - train: torchvision RandomResizedCrop(size) (scale 0.08–1, ratio 3/4–4/3, bilinear)
//!   then RandomHorizontalFlip, ToTensor, Normalize;
//! - eval: Resize(size) (shortest side, bilinear) then CenterCrop(size), or, as an option,
//!   ViTImageProcessor's own squash to size×size (PIL bilinear);
//! - Normalize with the processor's mean and std (0.5 for the in21k checkpoint).
//!
//! Images are converted to RGB first, as the notebook calls `image.convert("RGB")`.
use super::clip_preprocess::{center_crop, normalise, shortest_side_size};
use super::image::{mode::to_rgb, resample::{resize, Filter}, Image, Mode};
use super::loader::Transform;
use super::rng::SplitMix64;
use serde::{Deserialize, Serialize};

pub const VIT_MEAN: [f32; 3] = [0.5, 0.5, 0.5];
pub const VIT_STD: [f32; 3] = [0.5, 0.5, 0.5];

/// How evaluation images reach size×size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EvalResize {
    /// torchvision Resize(size) + CenterCrop(size), as the notebook's val_transforms.
    #[default]
    ResizeCenterCrop,
    /// ViTImageProcessor: resize to size×size, ignoring the aspect ratio.
    Squash,
}

#[derive(Debug, Clone)]
pub struct VitEval {
    pub size: usize,
    pub resize: EvalResize,
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

impl VitEval {
    pub fn new(size: usize, resize: EvalResize) -> Self {
        Self { size, resize, mean: VIT_MEAN, std: VIT_STD }
    }
}

impl Transform for VitEval {
    fn size(&self) -> usize {
        self.size
    }

    fn apply(&self, img: &Image, _key: u64) -> Vec<f32> {
        let rgb = rgb(img);
        let out = match self.resize {
            EvalResize::ResizeCenterCrop => {
                let (w, h) = shortest_side_size(rgb.width, rgb.height, self.size);
                center_crop(&resize(&rgb, w, h, Filter::Bilinear), self.size)
            }
            EvalResize::Squash => resize(&rgb, self.size, self.size, Filter::Bilinear),
        };
        normalise(&out, self.mean, self.std)
    }
}

/// RandomResizedCrop + RandomHorizontalFlip; the randomness of one image comes from
/// (seed, key), so an epoch replays exactly after a resume.
#[derive(Debug, Clone)]
pub struct VitTrain {
    pub size: usize,
    pub seed: u64,
    pub scale: (f64, f64),
    pub ratio: (f64, f64),
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

impl VitTrain {
    pub fn new(size: usize, seed: u64) -> Self {
        Self { size, seed, scale: (0.08, 1.0), ratio: (3.0 / 4.0, 4.0 / 3.0), mean: VIT_MEAN, std: VIT_STD }
    }
}

impl Transform for VitTrain {
    fn size(&self) -> usize {
        self.size
    }

    fn apply(&self, img: &Image, key: u64) -> Vec<f32> {
        let rgb = rgb(img);
        let mut rng = SplitMix64::new(self.seed ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let crop = random_resized_crop_box(rgb.width, rgb.height, self.scale, self.ratio, &mut rng);
        let mut out = resized_crop(&rgb, crop, self.size);
        if rng.uniform() < 0.5 {
            out = hflip(&out);
        }
        normalise(&out, self.mean, self.std)
    }
}

fn rgb(img: &Image) -> Image {
    if img.mode == Mode::Rgb {
        img.clone()
    } else {
        to_rgb(img)
    }
}

/// A crop box (top, left, height, width).
pub type CropBox = (usize, usize, usize, usize);

/// torchvision `RandomResizedCrop.get_params`: up to ten draws of an area fraction in
/// `scale` and a log-uniform aspect ratio in `ratio`; failing those, the central crop
/// with the ratio clamped into range.
pub fn random_resized_crop_box(width: usize, height: usize, scale: (f64, f64), ratio: (f64, f64), rng: &mut SplitMix64) -> CropBox {
    let area = (width * height) as f64;
    let (log_lo, log_hi) = (ratio.0.ln(), ratio.1.ln());
    for _ in 0..10 {
        let target = area * (scale.0 + (scale.1 - scale.0) * f64::from(rng.uniform()));
        let aspect = (log_lo + (log_hi - log_lo) * f64::from(rng.uniform())).exp();
        let w = (target * aspect).sqrt().round() as usize;
        let h = (target / aspect).sqrt().round() as usize;
        if 0 < w && w <= width && 0 < h && h <= height {
            let top = rng.below(height - h + 1);
            let left = rng.below(width - w + 1);
            return (top, left, h, w);
        }
    }
    let in_ratio = width as f64 / height as f64;
    let (w, h) = if in_ratio < ratio.0 {
        (width, (width as f64 / ratio.0).round() as usize)
    } else if in_ratio > ratio.1 {
        ((height as f64 * ratio.1).round() as usize, height)
    } else {
        (width, height)
    };
    ((height - h) / 2, (width - w) / 2, h, w)
}

/// torchvision `F.resized_crop` on a PIL image: crop, then bilinear resize to size×size.
pub fn resized_crop(img: &Image, (top, left, h, w): CropBox, size: usize) -> Image {
    resize(&img.crop(left, top, w, h), size, size, Filter::Bilinear)
}

pub fn hflip(img: &Image) -> Image {
    let c = img.mode.channels();
    let mut data = Vec::with_capacity(img.data.len());
    for row in img.data.chunks_exact(img.width * c) {
        for px in row.chunks_exact(c).rev() {
            data.extend_from_slice(px);
        }
    }
    Image { data, ..img.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_boxes_stay_inside_and_vary() {
        let mut rng = SplitMix64::new(3);
        let boxes: Vec<CropBox> = (0..200).map(|_| random_resized_crop_box(300, 200, (0.08, 1.0), (0.75, 4.0 / 3.0), &mut rng)).collect();
        for &(t, l, h, w) in &boxes {
            assert!(t + h <= 200 && l + w <= 300 && h > 0 && w > 0);
        }
        assert!(boxes.iter().any(|b| b.2 < 100) && boxes.iter().any(|b| b.2 > 150));
    }

    #[test]
    fn impossible_draws_fall_back_to_the_centre() {
        // A 1-pixel-high strip: no draw fits, the fallback clamps the ratio.
        let mut rng = SplitMix64::new(1);
        assert_eq!(random_resized_crop_box(400, 1, (0.9, 1.0), (0.75, 4.0 / 3.0), &mut rng), (0, 199, 1, 1));
    }

    #[test]
    fn train_transform_is_a_function_of_its_key() {
        let img = Image::new(Mode::Rgb, 40, 30, (0..40 * 30 * 3).map(|i| (i * 7 % 251) as u8).collect());
        let t = VitTrain::new(16, 5);
        assert_eq!(t.apply(&img, 9), t.apply(&img, 9));
        assert_ne!(t.apply(&img, 9), t.apply(&img, 10));
    }

    #[test]
    fn hflip_mirrors_rows() {
        let img = Image::new(Mode::Rgb, 2, 1, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(hflip(&img).data, vec![4, 5, 6, 1, 2, 3]);
    }
}
